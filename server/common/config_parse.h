/*
 * Inside the config parser: the state inih's handler carries and the
 * helpers that config.c (sections) and config_list.c (lists) share.
 */
#ifndef QCD_CONFIG_PARSE_H
#define QCD_CONFIG_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct parse_state {
	struct config	*cfg;
	char		 err[512];	/* first error, without line */
	int		 err_set;
};

/* Records the first error (inih reports its line); returns 0. */
int	 config_fail(struct parse_state *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 config_parse_u64(const char *, uint64_t, uint64_t, uint64_t *);
int	 config_parse_i64(const char *, int64_t *);
/* Copies a name of 1..63 [a-z0-9_.-]; -1 if it is not one. */
int	 config_copy_name(char *, const char *);

/* config_list.c: one key of a [list NAME] section; 1, or 0 on error. */
int	 config_parse_list(struct parse_state *, struct list_def *,
	    const char *, const char *);
/* The checks of one list that need the whole config; -1 with err. */
int	 config_check_list(struct config *, struct list_def *, char *,
	    size_t);
void	 config_free_list(struct list_def *);

#endif
