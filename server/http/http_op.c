/*
 * The HTTPS API's ops: a JSON request becomes the msgpack map the op
 * table reads, ops_dispatch runs it as for the msgpack listener, and the
 * answer goes back as the JSON envelope. Writes wait for the writer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "http_json.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"

static int	 http_pending_add(struct http_front *, struct evhttp_request *,
		    int, uint64_t, uint64_t *);
static void	 http_post_result(struct write_result *);
static void	 http_answer(struct evhttp_request *, const msgpack_sbuffer *);

/* Takes a slot for a write's request; its id is slot | gen << 32. */
static int
http_pending_add(struct http_front *hf, struct evhttp_request *req, int op,
    uint64_t start, uint64_t *id)
{
	struct http_pending	*p;
	uint32_t		 i, n;

	for (i = 0; i < hf->hf_npend && hf->hf_pend[i].hp_req != NULL; i++)
		;
	if (i == hf->hf_npend) {
		n = hf->hf_npend ? hf->hf_npend * 2 : 16;
		if ((p = reallocarray(hf->hf_pend, n, sizeof(*p))) == NULL)
			return -1;
		memset(p + hf->hf_npend, 0, (n - hf->hf_npend) * sizeof(*p));
		hf->hf_pend = p;
		hf->hf_npend = n;
	}
	p = &hf->hf_pend[i];
	p->hp_req = req;
	p->hp_evcon = evhttp_request_get_connection(req);
	p->hp_gen++;
	p->hp_op = op;
	p->hp_start = start;
	*id = i | (uint64_t)p->hp_gen << 32;
	evhttp_connection_set_closecb(p->hp_evcon, http_conn_closed, hf);
	return 0;
}

void
http_forget(struct http_front *hf, struct evhttp_connection *evcon)
{
	uint32_t	 i;

	for (i = 0; i < hf->hf_npend; i++)
		if (hf->hf_pend[i].hp_req != NULL &&
		    hf->hf_pend[i].hp_evcon == evcon)
			hf->hf_pend[i].hp_req = NULL;
}

/* The writer's thread hands a result over. */
static void
http_post_result(struct write_result *res)
{
	struct http_front	*hf = res->wres_route.wt_arg;

	res->wres_next = NULL;
	pthread_mutex_lock(&hf->hf_mtx);
	*hf->hf_tail = res;
	hf->hf_tail = &res->wres_next;
	pthread_mutex_unlock(&hf->hf_mtx);
	event_active(hf->hf_result_ev, 0, 0);
}

/* {"ok": true, "result": JSON of the msgpack value in sb}. */
static void
http_answer(struct evhttp_request *req, const msgpack_sbuffer *sb)
{
	msgpack_unpacked	 up;
	json_t			*res, *env;
	size_t			 off = 0;

	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, sb->data, sb->size, &off) !=
	    MSGPACK_UNPACK_SUCCESS || (res = http_json_of(&up.data)) == NULL) {
		msgpack_unpacked_destroy(&up);
		http_reply_error(req, QC_E_INTERNAL, "the answer has no JSON "
		    "form");
		return;
	}
	msgpack_unpacked_destroy(&up);
	if ((env = json_pack("{s:b, s:o}", "ok", 1, "result", res)) == NULL) {
		http_reply_error(req, QC_E_INTERNAL, "out of memory");
		return;
	}
	http_reply_json(req, 200, env);
}

void
http_results(evutil_socket_t fd, short what, void *arg)
{
	struct http_front	*hf = arg;
	struct write_result	*res, *next;
	struct http_pending	*p;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	uint32_t		 slot;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&hf->hf_mtx);
	res = hf->hf_results;
	hf->hf_results = NULL;
	hf->hf_tail = &hf->hf_results;
	pthread_mutex_unlock(&hf->hf_mtx);
	msgpack_sbuffer_init(&sb);
	for (; res != NULL; res = next) {
		next = res->wres_next;
		slot = (uint32_t)res->wres_route.wt_conn;
		p = slot < hf->hf_npend ? &hf->hf_pend[slot] : NULL;
		if (p != NULL && p->hp_req != NULL &&
		    p->hp_gen == (uint32_t)(res->wres_route.wt_conn >> 32)) {
			metrics_request(p->hp_op, res->wres_fault.f_code,
			    metrics_now_usec() - p->hp_start);
			msgpack_sbuffer_clear(&sb);
			msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
			if (res->wres_fault.f_code != QC_OK)
				http_reply_error(p->hp_req,
				    res->wres_fault.f_code,
				    res->wres_fault.f_msg);
			else if (write_result_pack(&pk, res) != 0)
				http_reply_error(p->hp_req, QC_E_INTERNAL,
				    "out of memory");
			else
				http_answer(p->hp_req, &sb);
			p->hp_req = NULL;
		}
		write_result_free(res);
	}
	msgpack_sbuffer_destroy(&sb);
}

/* The request map {"id": 0, "op": op, args...}; -1 after answering. */
static int
http_request_map(struct evhttp_request *req, const char *op, json_t *args,
    msgpack_sbuffer *sb)
{
	msgpack_packer	 pk;
	void		*it;

	if (args != NULL && (json_object_get(args, "id") != NULL ||
	    json_object_get(args, "op") != NULL)) {
		http_reply_error(req, QC_E_BAD_REQUEST, "the body names the "
		    "op's arguments only: id and op come from the path");
		return -1;
	}
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, 2 + (args != NULL ?
	    json_object_size(args) : 0)) != 0 ||
	    qc_pack_kv_uint(&pk, "id", 0) != 0 ||
	    qc_pack_kv_str(&pk, "op", op) != 0)
		goto nomem;
	for (it = args != NULL ? json_object_iter(args) : NULL; it != NULL;
	    it = json_object_iter_next(args, it))
		if (msgpack_pack_str_with_body(&pk, json_object_iter_key(it),
		    json_object_iter_key_len(it)) != 0 ||
		    http_json_pack(&pk, json_object_iter_value(it)) != 0)
			goto nomem;
	return 0;
nomem:
	http_reply_error(req, QC_E_INTERNAL, "out of memory");
	return -1;
}

void
http_run_op(struct http_front *hf, struct evhttp_request *req,
    const struct caller *who, const char *opname, json_t *args)
{
	struct worker		*w = hf->hf_w;
	struct write_route	 route = {
		.wt_done = http_post_result,
		.wt_arg = hf,
	};
	const struct op_entry	*op;
	msgpack_sbuffer		 in, out;
	msgpack_unpacked	 up;
	msgpack_packer		 pk;
	struct fault		 f;
	enum op_status		 st;
	uint64_t		 start = metrics_now_usec(), id = 0;
	size_t			 off = 0;

	msgpack_sbuffer_init(&in);
	msgpack_sbuffer_init(&out);
	msgpack_unpacked_init(&up);
	if (http_request_map(req, opname, args, &in) == -1)
		goto done;
	if (msgpack_unpack_next(&up, in.data, in.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS) {
		http_reply_error(req, QC_E_INTERNAL, "out of memory");
		goto done;
	}
	if ((op = ops_find(&up.data)) == NULL) {
		metrics_request(-1, QC_E_UNKNOWN_OP, 0);
		http_reply_error(req, QC_E_UNKNOWN_OP, "unknown op");
		goto done;
	}
	route.wt_op = ops_index(op);
	route.wt_start = start;
	if (ops_writes(op) && http_pending_add(hf, req, route.wt_op, start,
	    &id) == 0)
		route.wt_conn = id;
	else if (ops_writes(op)) {
		http_reply_error(req, QC_E_INTERNAL, "out of memory");
		goto done;
	}
	msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
	/* A long poll answers at once here: HTTP has no parked requests. */
	w->w_ops.oe_may_wait = 0;
	st = ops_dispatch(&w->w_ops, who, op, &up.data, &route, &pk, &f);
	w->w_ops.oe_may_wait = 1;
	ops_burst_end(&w->w_ops);
	if (st == OP_PENDING)
		goto done;
	if (ops_writes(op))
		hf->hf_pend[(uint32_t)id].hp_req = NULL;
	metrics_request(route.wt_op, st == OP_DONE ? QC_OK : f.f_code,
	    metrics_now_usec() - start);
	if (st == OP_DONE && out.size > w->w_srv->s_cfg->limits.max_frame)
		http_reply_error(req, QC_E_TOO_LARGE, "the answer exceeds "
		    "max_frame; ask for less");
	else if (st == OP_DONE)
		http_answer(req, &out);
	else
		http_reply_error(req, f.f_code, f.f_msg);
done:
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&in);
	msgpack_sbuffer_destroy(&out);
}
