/*
 * The writer thread: every put and remove goes through it. It takes all
 * queued writes, applies them in one LMDB transaction (group commit),
 * commits durably, and only then hands each answer to its worker.
 */
#ifndef QCD_WRITER_H
#define QCD_WRITER_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "subject.h"

struct server;
struct worker;

enum write_op {
	WR_PUT = 0,
	WR_REMOVE,
	WR_PASS		/* a prepared answer kept in order behind writes */
};

struct write_req {
	struct write_req	*wr_next;
	struct worker		*wr_worker;
	uint64_t		 wr_conn;
	uint64_t		 wr_id;
	enum write_op		 wr_op;
	const struct list_def	*wr_list;
	char			 wr_subject[QC_SUBJECT_MAX];
	char			 wr_principal[CFG_NAME_MAX];
	int			 wr_has_if;
	uint64_t		 wr_if_version;
	/* put: the packed fields map, and what the summary needs. */
	msgpack_sbuffer		 wr_fields;
	char			 wr_grade[CFG_NAME_MAX];
	int32_t			 wr_start, wr_end;
	/* The hash payload (PROTOCOL.md 4.4): fields or reason. */
	msgpack_sbuffer		 wr_payload;
	/* remove: the reason. */
	char			*wr_reason;
	size_t			 wr_reason_len;
	/* pass: the answer frame, length prefix included. */
	msgpack_sbuffer		 wr_frame;
	/* The outcome, set by the writer. */
	int			 wr_err;	/* enum qc_err */
	char			 wr_errmsg[160];
	uint64_t		 wr_version;
	uint64_t		 wr_seq;
};

struct write_reply {
	struct write_reply	*rp_next;
	uint64_t		 rp_conn;
	char			*rp_frame;	/* length prefix included */
	size_t			 rp_len;
};

struct write_req *write_req_new(void);
void		 write_req_free(struct write_req *);
/* Shrinks a prepared write's buffers to their contents. */
void		 write_req_trim(struct write_req *);
void		 write_reply_free(struct write_reply *);

/* Starts the writer thread; loads the head of the change log. */
struct writer	*writer_start(struct server *);
/* Queues a write; -1 if the writer is stopping (answer unavailable). */
int		 writer_submit(struct writer *, struct write_req *);
/* Commits what is queued, stops the thread and frees the writer. */
void		 writer_stop(struct writer *);

#endif
