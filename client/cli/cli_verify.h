/*
 * qcreg verify: shared declarations of client/cli/cli_verify*.c.
 */
#ifndef CLI_VERIFY_H
#define CLI_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/*
 * A change record that wrote an entry version, kept to compare with the
 * versions that history and get serve. list, subject and principal are
 * NUL-terminated and share one allocation (mem) with the payload.
 */
struct vrec {
	uint64_t	 seq;
	uint64_t	 at;
	uint64_t	 version;
	uint64_t	 case_id;	/* 0: none */
	int		 removed;	/* 1 removed, 0 listed, -1 withheld */
	int		 history;	/* on a list whose history we read */
	int		 served;	/* some answer showed this version */
	char		*mem;
	const char	*list;
	const char	*subject;
	const char	*principal;
	const uint8_t	*payload;	/* NULL: withheld (a withdrawn entry) */
	size_t		 payload_len;
};

/* A run of qcreg verify. */
struct verify {
	struct cli	*cli;
	uint8_t		 pub[QC_PUB_LEN];	/* --pubkey */
	struct qcreg_checkpoint cp;		/* the registry's, now */
	struct qcreg_checkpoint old;		/* --since */
	int		 have_old;
	uint64_t	 sealed;		/* records seen sealed */
	uint64_t	 withheld;		/* records without payload */
	struct vrec	*v;			/* in seq order */
	size_t		 nv;
	size_t		 capv;
	uint64_t	 subjects;		/* asked history or get of */
	uint64_t	 versions;		/* served and checked */
	uint64_t	 bad_seq;		/* record of the first break */
	char		 why[512];		/* the first break */
};

/* cli_verify.c */
int		 verify_fail(struct verify *, uint64_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 verify_error(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* cli_verify_file.c */
int		 verify_pubkey_load(const char *, uint8_t *);
int		 verify_checkpoint_load(const char *,
		    struct qcreg_checkpoint *);
int		 verify_checkpoint_save(const char *,
		    const struct qcreg_checkpoint *);

/* cli_verify_log.c */
int		 verify_log(struct verify *);
void		 verify_log_free(struct verify *);

/* cli_verify_versions.c */
int		 verify_versions(struct verify *);

#endif
