/*
 * Dispatch: the one place every request passes before and after its op.
 * It finds the op in the table, checks the caller's role and the
 * arguments, runs the op, and sends a write to the writer.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "op.h"
#include "quota.h"
#include "replica.h"
#include "writer.h"

static int		 dispatch_allowed(struct req *);
static enum op_status	 dispatch_submit(struct req *,
			    const struct write_route *);
static enum op_status	 dispatch_behind(struct req *);
static int		 dispatch_quota(struct req *);

int
ops_env_init(struct ops_env *env, const struct config *cfg,
    struct store *st, struct writer *wt, struct replica *replica)
{
	env->oe_cfg = cfg;
	env->oe_replica = replica;
	env->oe_store = st;
	env->oe_writer = wt;
	if ((env->oe_reader = malloc(sizeof(*env->oe_reader))) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	store_reader_init(env->oe_reader, st);
	env->oe_may_wait = 1;
	return 0;
}

uint64_t
ops_log_head(const struct ops_env *env)
{
	return writer_head(env->oe_writer);
}

void
ops_env_free(struct ops_env *env)
{
	if (env->oe_reader != NULL)
		store_reader_close(env->oe_reader);
	free(env->oe_reader);
	env->oe_reader = NULL;
}

void
ops_burst_end(struct ops_env *env)
{
	store_reader_release(env->oe_reader);
}

const struct op_entry *
ops_find(const msgpack_object *msg)
{
	const msgpack_object	*name = qc_map_get(msg, "op");
	int			 i;

	if (name == NULL || name->type != MSGPACK_OBJECT_STR)
		return NULL;
	for (i = 0; i < op_table_len; i++)
		if (qc_obj_streq(name, op_table[i].op_name))
			return &op_table[i];
	return NULL;
}

int
ops_writes(const struct op_entry *op)
{
	return op->op_writes;
}

const char *
ops_name(const struct op_entry *op)
{
	return op->op_name;
}

int
ops_index(const struct op_entry *op)
{
	return op != NULL ? (int)(op - op_table) : -1;
}

int
ops_count(void)
{
	return op_table_len;
}

const char *
ops_name_at(int i)
{
	return op_table[i].op_name;
}

enum op_status
req_fail(struct req *q, enum qc_err code, const char *fmt, ...)
{
	va_list	 ap;

	q->q_fault->f_code = code;
	va_start(ap, fmt);
	vsnprintf(q->q_fault->f_msg, sizeof(q->q_fault->f_msg), fmt, ap);
	va_end(ap);
	return OP_ERROR;
}

MDB_txn *
req_txn(struct req *q)
{
	MDB_txn	*txn;

	if ((txn = store_reader_txn(q->q_env->oe_reader)) == NULL)
		req_fail(q, QC_E_UNAVAILABLE, "store not readable");
	return txn;
}

/* The op exists and the caller's role may call it. */
static int
dispatch_allowed(struct req *q)
{
	const struct caller	*who = q->q_who;
	const msgpack_object	*name;

	if (q->q_op == NULL) {
		name = qc_map_get(q->q_msg, "op");
		if (name == NULL || name->type != MSGPACK_OBJECT_STR)
			req_fail(q, QC_E_BAD_REQUEST, "op: required, a string");
		else
			req_fail(q, QC_E_UNKNOWN_OP, "unknown op");
	} else if ((q->q_op->op_roles & ROLE_BIT(who->cl_role)) == 0 &&
	    who->cl_prin == NULL)
		req_fail(q, QC_E_FORBIDDEN, "%s: principal '%s' is not "
		    "configured", q->q_op->op_name, who->cl_name);
	else if ((q->q_op->op_roles & ROLE_BIT(who->cl_role)) == 0)
		req_fail(q, QC_E_FORBIDDEN, "%s: not allowed for role %s",
		    q->q_op->op_name, config_role_name(who->cl_role));
	else
		return 1;
	return 0;
}

/* Queues a prepared write; its result takes the route. */
static enum op_status
dispatch_submit(struct req *q, const struct write_route *route)
{
	struct write_req	*wr = q->q_write;

	wr->wr_res.wres_route = *route;
	/* What every write carries: who, when, and its retry key. */
	strcpy(wr->wr_principal, q->q_who->cl_name);
	wr->wr_today = q->q_today;
	memcpy(wr->wr_idem, q->q_args.a_idem != NULL ? q->q_args.a_idem : "",
	    q->q_args.a_idem_len);
	wr->wr_idem[q->q_args.a_idem != NULL ? q->q_args.a_idem_len : 0] = '\0';
	write_req_trim(wr);
	if (writer_submit(q->q_env->oe_writer, wr, q->q_fault) == -1) {
		write_req_free(wr);
		return OP_ERROR;
	}
	return OP_PENDING;
}

/*
 * A read that must reflect a seq this server has not applied yet (a
 * replica behind): it waits up to a second for the log, then is
 * unavailable.
 */
static enum op_status
dispatch_behind(struct req *q)
{
	struct ops_env	*env = q->q_env;

	if (env->oe_may_wait) {
		env->oe_wait_seconds = 1;
		env->oe_wait_since = q->q_args.a_min_seq - 1;
		return OP_WAIT;
	}
	return req_fail(q, QC_E_UNAVAILABLE, "this server has applied the "
	    "log up to seq %" PRIu64 ", short of min_seq %" PRIu64 "; try "
	    "again", ops_log_head(env), q->q_args.a_min_seq);
}

/* The caller's quota: 0, or -1 with rate_limited and the wait. */
static int
dispatch_quota(struct req *q)
{
	uint64_t	 n = 0;
	uint32_t	 wait;

	if (ARG_HAS(q, ARG_SUBJECTS))
		n = q->q_args.a_subjects->via.array.size;
	else if (ARG_HAS(q, ARG_SUBJECT))
		n = 1;
	if ((wait = quota_take(q->q_who->cl_prin, n)) == 0)
		return 0;
	metrics_rate_limited(q->q_who->cl_name);
	req_fail(q, QC_E_RATE_LIMITED, "%s is over its quota: retry in %u s",
	    q->q_who->cl_name, wait);
	return -1;
}

enum op_status
replica_refuse(struct req *q)
{
	return req_fail(q, QC_E_READ_ONLY, "%s: this server is a read-only "
	    "replica of %s; send it to the primary", q->q_op->op_name,
	    q->q_env->oe_replica->rp_primary);
}

enum op_status
ops_dispatch(struct ops_env *env, const struct caller *who,
    const struct op_entry *op, const msgpack_object *msg,
    const struct write_route *route, msgpack_packer *pk, struct fault *f)
{
	struct req	 q;
	enum op_status	 st;

	f->f_code = QC_OK;
	q.q_op = op;
	q.q_env = env;
	q.q_cfg = env->oe_cfg;
	q.q_store = env->oe_store;
	q.q_who = who;
	q.q_msg = msg;
	q.q_pk = pk;
	q.q_fault = f;
	q.q_write = NULL;
	q.q_today = qc_date_today(time(NULL), q.q_cfg->utc_offset);
	if (!dispatch_allowed(&q) || args_parse(&q) == -1 ||
	    dispatch_quota(&q) == -1)
		return OP_ERROR;
	if (q.q_op->op_writes && env->oe_replica != NULL)
		return replica_refuse(&q);
	if (!q.q_op->op_writes && q.q_args.a_min_seq > 0 &&
	    q.q_args.a_min_seq > ops_log_head(env))
		return dispatch_behind(&q);
	st = q.q_op->op_run(&q);
	if (st == OP_PENDING)
		st = dispatch_submit(&q, route);
	/* Who read what (查询留痕): a lookup that found nothing too. */
	if (q.q_op->op_audited && (who->cl_role == ROLE_REGULATOR ||
	    who->cl_role == ROLE_AGENCY) && q.q_store->s_audit != NULL &&
	    (st == OP_DONE || (st == OP_ERROR &&
	    f->f_code == QC_E_NOT_FOUND)))
		audit_request(&q);
	if (st == OP_ERROR && f->f_code == QC_E_INTERNAL)
		log_warnx("%s from %s: %s", q.q_op->op_name, who->cl_name,
		    f->f_msg);
	return st;
}
