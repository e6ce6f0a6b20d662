/*
 * Inside the follower of a replica (follower.c the thread and its steps,
 * follower_page.c a page of the primary's log through the writer,
 * follower_cp.c the primary's checkpoint).
 */
#ifndef QCD_FOLLOWER_INT_H
#define QCD_FOLLOWER_INT_H

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include "follower.h"
#include "qcreg.h"

/* Records asked for at a time; a page ending inside a write asks more. */
#define FOLLOW_PAGE	500
/* The long poll: also how long a stop may wait for the thread. */
#define FOLLOW_WAIT_S	1
#define FOLLOW_TIMEOUT_MS	15000
#define FOLLOW_BACKOFF_MAX	8
/* Records a page may hold, with what a short page carries over. */
#define FOLLOW_RECS_MAX	(4 * FOLLOW_PAGE)

struct follower {
	const struct config	*fw_cfg;
	struct store		*fw_store;
	struct writer		*fw_writer;
	struct replica		*fw_replica;
	struct qcreg		*fw_conn;
	pthread_t		 fw_thread;
	pthread_mutex_t		 fw_mtx;
	pthread_cond_t		 fw_cond;
	int			 fw_stop;	/* under fw_mtx */
	int			 fw_applied;	/* the writer answered */
	struct replay		 fw_page;
	struct replay_rec	 fw_recs[FOLLOW_RECS_MAX];
	int			 fw_caught_up;
	/* A checkpoint of the primary ahead of the log here, till reached. */
	struct qcreg_checkpoint	 fw_cp;
	int			 fw_has_cp;
	time_t			 fw_cp_asked;	/* monotonic seconds */
};

enum step {
	STEP_OK = 0,
	STEP_RETRY,	/* the connection failed: connect again */
	STEP_BROKEN	/* something did not verify: stop following */
};


/* follower.c */
/* A libqcreg call that returned rc (not 0): why, and what to do. */
enum step	 follower_call_failed(struct follower *, int rc, const char *,
		    char *, size_t);
time_t		 follower_clock(void);

/* follower_page.c: the next records, and the writer applying them. */
enum step	 follower_fetch(struct follower *, char *, size_t);
enum step	 follower_apply(struct follower *, char *, size_t);
void		 follower_drop_page(struct follower *);

/* follower_cp.c: the primary's checkpoint, served once verified here. */
enum step	 follower_checkpoint(struct follower *, char *, size_t);

#endif
