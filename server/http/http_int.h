/*
 * Inside the HTTPS API: a worker's front (its evhttp, the writes waiting
 * for the writer), and what its files share.
 */
#ifndef QCD_HTTP_INT_H
#define QCD_HTTP_INT_H

#include <event2/http.h>
#include <jansson.h>
#include <pthread.h>

#include "net.h"
#include "outcome.h"

/* A write at the writer; its request is answered when the result comes. */
struct http_pending {
	struct evhttp_request	*hp_req;	/* NULL: free or gone */
	struct evhttp_connection *hp_evcon;
	uint32_t		 hp_gen;
	int			 hp_op;		/* op index, for metrics */
	uint64_t		 hp_start;
};

struct http_front {
	struct worker		*hf_w;
	struct evhttp		*hf_http;
	/* Results the writer posts from its thread, and the event for them. */
	pthread_mutex_t		 hf_mtx;
	struct write_result	*hf_results;
	struct write_result	**hf_tail;
	struct event		*hf_result_ev;
	struct http_pending	*hf_pend;
	uint32_t		 hf_npend;
};

/* http_front.c: every answer's headers; a JSON answer with a status. */
void	 http_headers(struct evhttp_request *);
void	 http_reply_json(struct evhttp_request *, int status, json_t *);
/* 405, and the one method the path takes. */
void	 http_reply_method(struct evhttp_request *, const char *allow);
/* {"ok": false, "error": {code, message}} with its status. */
void	 http_reply_error(struct evhttp_request *, enum qc_err, const char *);

/*
 * http_static.c: answers GET / and /console/NAME from the console's
 * directory: 1 when path was one of them (answered), 0 when not.
 */
int	 http_static(struct http_front *, struct evhttp_request *,
	    const char *path);

/*
 * http_op.c: runs op (a name) with args (a JSON object, or NULL) for the
 * caller and answers req; a write is answered when the writer is done.
 */
void	 http_run_op(struct http_front *, struct evhttp_request *,
	    const struct caller *, const char *op, json_t *args);
/* The results the writer posted, matched to their requests. */
void	 http_results(evutil_socket_t, short, void *);
/* Forgets the writes of a connection that closed (its close callback). */
void	 http_forget(struct http_front *, struct evhttp_connection *);
void	 http_conn_closed(struct evhttp_connection *, void *front);

#endif
