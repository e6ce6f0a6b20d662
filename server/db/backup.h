/*
 * Backups (PROTOCOL.md 4.13): a compacted, consistent copy of the store
 * made by a thread of its own while the server goes on serving reads and
 * writes, kept in the backup directory as ID.mdb with ID.info beside it
 * (its log head, size and SHA-256), and read back in pieces by the admin
 * who asked for it. One backup runs at a time.
 */
#ifndef QCD_BACKUP_H
#define QCD_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store.h"

#define BACKUP_ID_MAX	40

enum backup_state {
	BACKUP_RUNNING = 0,
	BACKUP_DONE,
	BACKUP_FAILED
};

struct backup_info {
	char			 bi_id[BACKUP_ID_MAX];
	enum backup_state	 bi_state;
	uint64_t		 bi_seq;	/* the copy's log head */
	uint8_t			 bi_hash[STORE_HASH_LEN];
	uint64_t		 bi_size;
	uint8_t			 bi_sha256[STORE_HASH_LEN];
	char			 bi_error[256];	/* BACKUP_FAILED */
};

/*
 * Starts a backup of st into dir (made if missing) and fills info with
 * its id, running. Returns 0, EBUSY when one is running (info: that
 * one), or an errno (logged).
 */
int	 backup_start(struct store *, const char *dir, struct backup_info *);
/*
 * The backup id in dir: the one running or last run, or one made before
 * (from its ID.info). Returns 0, ENOENT when there is none, EINVAL when
 * id is not a backup id.
 */
int	 backup_status(struct store *, const char *dir, const char *id,
	    struct backup_info *);
/*
 * Up to cap bytes of backup id's file from offset into buf; *n gets how
 * many (0 at its end). Returns 0, ENOENT, EINVAL or an errno.
 */
int	 backup_read(const char *dir, const char *id, uint64_t offset,
	    void *buf, size_t cap, size_t *n);
/* Waits for a running backup (store_close). */
void	 backup_join(struct store *);
/* 1 if s is the form of a backup id. */
int	 backup_id_valid(const char *s, size_t len);

#endif
