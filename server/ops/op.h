/*
 * Inside the ops layer: the op table's types, the request as an op sees
 * it (arguments already checked against the op's spec), and the helpers
 * the op files share.
 */
#ifndef QCD_OP_H
#define QCD_OP_H

#include <lmdb.h>
#include <msgpack.h>
#include <stdint.h>

#include "cases.h"
#include "config.h"
#include "ops.h"
#include "record.h"
#include "store.h"
#include "subject.h"

struct write_req;

/* Named role sets (PROTOCOL.md section 6). */
#define ROLES_ANYONE	(ROLE_BIT(ROLE_NONE) | ROLE_BIT(ROLE_PLATFORM) | \
			 ROLE_BIT(ROLE_AGENCY) | ROLE_BIT(ROLE_REGULATOR) | \
			 ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_REPLICA))
#define ROLES_READERS	(ROLE_BIT(ROLE_PLATFORM) | ROLE_BIT(ROLE_AGENCY) | \
			 ROLE_BIT(ROLE_REGULATOR))
#define ROLES_SUPERVISE	(ROLE_BIT(ROLE_AGENCY) | ROLE_BIT(ROLE_REGULATOR))
#define ROLES_WRITERS	ROLE_BIT(ROLE_AGENCY)
/* The change log: readers, and replicas following it. */
#define ROLES_FEED	(ROLES_READERS | ROLE_BIT(ROLE_REPLICA))
#define ROLES_ADMIN	ROLE_BIT(ROLE_ADMIN)
#define ROLES_COUNTERS	(ROLE_BIT(ROLE_AGENCY) | ROLE_BIT(ROLE_REGULATOR) | \
			 ROLE_BIT(ROLE_ADMIN))

/* Every argument any op takes; an op's spec picks among them. */
enum arg_id {
	ARG_NONE = 0,		/* ends a spec */
	ARG_SUBJECT,		/* a subject, canonicalised */
	ARG_SUBJECTS,		/* 1..max_batch UTF-8 strings */
	ARG_LIST,		/* a configured list name */
	ARG_LISTS,		/* a non-empty array of list names */
	ARG_FIELDS,		/* a map, checked by fields.c */
	ARG_IF_VERSION,		/* uint */
	ARG_REASON,		/* text, 1..max_text bytes */
	ARG_AFTER,		/* a subject, the scan cursor */
	ARG_LIMIT,		/* 1..max_limit */
	ARG_STATE,		/* active, pending, expired or removed */
	ARG_SINCE,		/* uint */
	ARG_IDEM,		/* a retry key, 1..WR_IDEM_MAX bytes */
	ARG_KIND,		/* a case kind */
	ARG_RECEIVED_ON,	/* a date, not after today */
	ARG_TEXT,		/* text, 1..max_text bytes */
	ARG_CASE,		/* a case id */
	ARG_OUTCOME,		/* a case outcome */
	ARG_CASE_STATE,		/* open, overdue, due or closed */
	ARG_WITHIN,		/* working days, 0..365 */
	ARG_AFTER_CASE,		/* a case id, the cases cursor */
	ARG_SEQ,		/* a change's seq, >= 1 */
	ARG_SIZE,		/* a tree size, >= 1 */
	ARG_FROM,		/* a tree size, >= 1 */
	ARG_TO,			/* a tree size, >= 1 */
	ARG_SIGNED,		/* bool: sign the answer */
	ARG_WAIT,		/* seconds a long poll may wait, 0..60 */
	ARG_BY,			/* how stats groups */
	ARG_REGION,		/* a division code: 2, 4 or 6 digits */
	ARG_DAY_FROM,		/* a date ("from" of stats) */
	ARG_DAY_TO,		/* a date ("to" of stats) */
	ARG_Q,			/* a search text */
	ARG_SEARCH_AFTER,	/* search's opaque cursor */
	ARG_BACKUP,		/* a backup's id */
	ARG_OFFSET,		/* a byte offset */
	ARG_PRINCIPAL,		/* a principal's name */
	ARG_SINCE_DAY,		/* a date ("since" of audit) */
	ARG_AFTER_SEQ,		/* a record's seq, the audit cursor */
	ARG_UNLESS_SAME,	/* bool: put writes nothing over the same */
	ARG_COUNT
};

/* Flags of an argument in an op's spec. */
#define ARG_REQUIRED	0x1
#define ARG_OWN_LIST	0x2	/* an agency must write this list */

struct arg_spec {
	enum arg_id	 as_id;
	unsigned	 as_flags;
};

#define OP_MAX_ARGS	8

struct req;

struct op_entry {
	const char	*op_name;
	unsigned	 op_roles;	/* ROLE_BIT set */
	int		 op_writes;	/* answered by the writer */
	int		 op_audited;	/* a read of the registry's data */
	uint32_t	 op_limit;	/* default page size (ARG_LIMIT) */
	struct arg_spec	 op_args[OP_MAX_ARGS];	/* ends at ARG_NONE */
	enum op_status	(*op_run)(struct req *);
};

_Static_assert(ARG_COUNT <= 64, "args.a_has holds a bit per argument");

/* How stats groups its counts (PROTOCOL.md 5, stats). */
enum stats_by {
	STATS_BY_LIST = 0,
	STATS_BY_REGION,
	STATS_BY_MONTH,
	STATS_BY_GRADE,
	STATS_BY_COUNT
};

/* Checked argument values; a_has has bit (1 << arg_id) when given. */
struct args {
	uint64_t		 a_has;
	char			 a_subject[QC_SUBJECT_MAX];
	const msgpack_object	*a_subjects;	/* array of valid UTF-8 str */
	int			 a_list;	/* list index */
	unsigned		 a_lists;	/* mask; all lists when absent */
	const msgpack_object	*a_fields;
	uint64_t		 a_if_version;
	const char		*a_reason;	/* not NUL-terminated */
	size_t			 a_reason_len;
	char			 a_after[QC_SUBJECT_MAX];	/* "" if absent */
	uint32_t		 a_limit;
	int			 a_state;	/* enum state, -1 if absent */
	uint64_t		 a_since;
	const char		*a_idem;	/* NULL if absent */
	size_t			 a_idem_len;
	int			 a_kind;	/* enum case_kind, -1 if absent */
	int32_t			 a_received_on;
	const char		*a_text;
	size_t			 a_text_len;
	uint64_t		 a_case;
	int			 a_outcome;	/* enum case_outcome, -1 */
	int			 a_case_state;	/* enum case_state */
	uint32_t		 a_within;
	uint64_t		 a_after_case;
	uint64_t		 a_seq, a_size, a_from, a_to;
	int			 a_signed;
	uint32_t		 a_wait;
	uint64_t		 a_min_seq;	/* 0: none */
	enum stats_by		 a_by;
	char			 a_region[7];	/* "": all */
	int32_t			 a_day_from, a_day_to;
	const char		*a_q;		/* search: valid UTF-8 */
	size_t			 a_q_len;
	const char		*a_search_after;	/* "" if absent */
	size_t			 a_search_after_len;
	char			 a_backup[48];	/* "" if absent */
	uint64_t		 a_offset;
	char			 a_principal[CFG_NAME_MAX];	/* "": any */
	int32_t			 a_since_day;
	uint64_t		 a_after_seq;
	int			 a_unless_same;
};

#define ARG_HAS(q, id)	(((q)->q_args.a_has >> (id)) & 1)

/* A request on its way through an op. */
struct req {
	const struct op_entry	*q_op;
	struct ops_env		*q_env;
	const struct config	*q_cfg;
	struct store		*q_store;
	const struct caller	*q_who;
	const msgpack_object	*q_msg;		/* the request map */
	msgpack_packer		*q_pk;		/* packs the result value */
	int32_t			 q_today;
	struct args		 q_args;
	struct fault		*q_fault;
	struct write_req	*q_write;	/* set by write ops */
};

/* Records a fault for the request; returns OP_ERROR. */
enum op_status	 req_fail(struct req *, enum qc_err, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/* The worker's read snapshot; NULL after req_fail(unavailable). */
MDB_txn		*req_txn(struct req *);
/* On a replica: read_only, naming the primary (what writes get). */
enum op_status	 replica_refuse(struct req *);

/* op_audit.c: records a read in the audit (dispatch calls it). */
void		 audit_request(struct req *);
/* args.c: checks the request's arguments against op's spec. */
int		 args_parse(struct req *);
/* How much of a peer's string to quote in a message (UTF-8 safe). */
int		 args_quote_len(const char *, size_t);

/* The one op table (optable.c). */
extern const struct op_entry	 op_table[];
extern const int		 op_table_len;

/* The ops, one file each. */
enum op_status	 op_hello(struct req *);
enum op_status	 op_check(struct req *);
enum op_status	 op_get(struct req *);
enum op_status	 op_put(struct req *);
enum op_status	 op_remove(struct req *);
enum op_status	 op_history(struct req *);
enum op_status	 op_scan(struct req *);
enum op_status	 op_changes(struct req *);
enum op_status	 op_stats(struct req *);
enum op_status	 op_search(struct req *);
enum op_status	 op_backup(struct req *);
enum op_status	 op_backup_read(struct req *);
enum op_status	 op_audit(struct req *);
enum op_status	 op_case_open(struct req *);
enum op_status	 op_case_close(struct req *);
enum op_status	 op_cases(struct req *);
enum op_status	 op_escalations(struct req *);
enum op_status	 op_escalation_dismiss(struct req *);
enum op_status	 op_checkpoint(struct req *);
enum op_status	 op_proof(struct req *);
enum op_status	 op_consistency(struct req *);
enum op_status	 op_report(struct req *);

/* op_put.c: what put and remove share; fills q->q_write. */
enum op_status	 op_write_prepare(struct req *, int op);
/*
 * Copies a text argument into the prepared write (*out, *out_len):
 * OP_PENDING, or OP_ERROR with the write dropped.
 */
enum op_status	 op_write_text(struct req *, char **out, size_t *out_len,
		    const char *, size_t);
/* Drops the prepared write after a refusal; returns OP_ERROR. */
enum op_status	 op_write_drop(struct req *);

#endif
