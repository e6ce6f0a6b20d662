/*
 * The HTTPS front of a worker: its listener (SO_REUSEPORT on http_listen,
 * as the msgpack one), TLS through the server's context (the same CA, CRL
 * and reloads), the connection limit shared with the msgpack listener,
 * the routes, and the headers and defences of every answer (PROTOCOL.md
 * 10): no CORS, JSON bodies only, the console's own origin only.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "http_int.h"
#include "log.h"
#include "tls.h"

/* The SSL's ex_data slot whose free callback counts a connection gone. */
static int	 conn_slot = -1;
static pthread_once_t conn_slot_once = PTHREAD_ONCE_INIT;

static int	 http_start(struct worker *);
static void	 http_stop(struct worker *);
static struct bufferevent *http_bev(struct event_base *, void *);
static void	 http_request(struct evhttp_request *, void *);
static int	 http_caller(struct http_front *, struct evhttp_request *,
		    struct caller *, char *, size_t);
static int	 http_same_origin(struct evhttp_request *);
static void	 http_post_op(struct http_front *, struct evhttp_request *,
		    const struct caller *, const char *);
static void	 http_get_route(struct http_front *, struct evhttp_request *,
		    const struct caller *, const char *);

const struct front_ops http_front_ops = { http_start, http_stop };

static const struct {
	enum qc_err	 code;
	int		 status;
} statuses[] = {
	{ QC_E_BAD_FRAME, 400 }, { QC_E_BAD_REQUEST, 400 },
	{ QC_E_UNKNOWN_OP, 400 }, { QC_E_INVALID_SUBJECT, 400 },
	{ QC_E_UNKNOWN_LIST, 400 }, { QC_E_FORBIDDEN, 403 },
	{ QC_E_NOT_FOUND, 404 }, { QC_E_CONFLICT, 409 },
	{ QC_E_TOO_LARGE, 413 }, { QC_E_RATE_LIMITED, 429 },
	{ QC_E_UNAVAILABLE, 503 }, { QC_E_READ_ONLY, 503 },
	{ QC_E_INTERNAL, 500 },
};

/* A connection's SSL is freed with it: one fewer connection open. */
static void
conn_gone(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ptr != NULL)
		atomic_fetch_sub(&((struct server *)ptr)->s_nconns, 1);
}

static void
conn_slot_init(void)
{
	conn_slot = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_gone);
}

void
http_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	http_forget(arg, evcon);
}

void
http_headers(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", "default-src 'self'; "
	    "frame-ancestors 'none'");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cache-Control", "no-store");
}

void
http_reply_json(struct evhttp_request *req, int status, json_t *v)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);
	char		*s;

	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	http_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; charset=utf-8");
	if (s == NULL) {
		evhttp_send_reply(req, 500, "Internal Server Error", NULL);
		return;
	}
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	free(s);
	evhttp_send_reply(req, status, NULL, NULL);
}

void
http_reply_method(struct evhttp_request *req, const char *allow)
{
	char	 msg[32];

	snprintf(msg, sizeof(msg), "%s only", allow);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    allow);
	http_reply_json(req, 405, json_pack("{s:b, s:{s:s, s:s}}", "ok", 0,
	    "error", "code", "bad_request", "message", msg));
}

void
http_reply_error(struct evhttp_request *req, enum qc_err code,
    const char *msg)
{
	json_t		*v;
	unsigned	 wait;
	size_t		 i;
	int		 status = 500;
	const char	*retry;
	char		 secs[16];

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == code)
			status = statuses[i].status;
	/* rate_limited says the seconds to wait: also as Retry-After. */
	if (code == QC_E_RATE_LIMITED && (retry = strstr(msg,
	    "retry in ")) != NULL && sscanf(retry, "retry in %u s",
	    &wait) == 1) {
		snprintf(secs, sizeof(secs), "%u", wait);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", secs);
	}
	v = json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code",
	    qc_err_name(code), "message", msg);
	if (v == NULL) {
		http_headers(req);
		evhttp_send_reply(req, 500, "Internal Server Error", NULL);
		return;
	}
	http_reply_json(req, status, v);
}

/* Every connection is TLS; past the connection limit its handshake fails. */
static struct bufferevent *
http_bev(struct event_base *base, void *arg)
{
	struct http_front	*hf = arg;
	struct server		*srv = hf->hf_w->w_srv;
	SSL			*ssl;

	if ((ssl = server_ssl_new(srv)) == NULL)
		return NULL;
	if (atomic_fetch_add(&srv->s_nconns, 1) >=
	    srv->s_cfg->limits.max_connections) {
		atomic_fetch_sub(&srv->s_nconns, 1);
		log_warnx("connection limit of %u reached: refusing an HTTPS "
		    "client", srv->s_cfg->limits.max_connections);
		/* No certificate to offer: the handshake fails at once. */
		SSL_set_cipher_list(ssl, "NULL");
		SSL_set_ciphersuites(ssl, "");
	} else
		SSL_set_ex_data(ssl, conn_slot, srv);
	/*
	 * libevent 2.1's TLS bufferevent looks at the socket, not at what
	 * OpenSSL holds, once the handshake is done: a request that came with
	 * the client's last handshake flight (TLS 1.3) and was read ahead
	 * into OpenSSL would wait for ever. Records are read one at a time.
	 */
	SSL_set_read_ahead(ssl, 0);
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

/* The principal of the connection's certificate; -1 when it has none. */
static int
http_caller(struct http_front *hf, struct evhttp_request *req,
    struct caller *who, char *name, size_t size)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent	*bev;
	SSL			*ssl;

	if (evcon == NULL || (bev = evhttp_connection_get_bufferevent(
	    evcon)) == NULL || (ssl = bufferevent_openssl_get_ssl(bev)) ==
	    NULL || tls_peer_cn(ssl, name, size) == -1)
		return -1;
	who->cl_name = name;
	who->cl_prin = server_principal(hf->hf_w->w_srv, name);
	who->cl_role = who->cl_prin != NULL ? who->cl_prin->p_role :
	    ROLE_NONE;
	return 0;
}

/*
 * A browser sends its client certificate to any page's request: a POST
 * from another site must not pass. Origin, when sent, must be this
 * server's; Sec-Fetch-Site, when sent, same-origin or none.
 */
static int
http_same_origin(struct evhttp_request *req)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	const char		*origin = evhttp_find_header(h, "Origin");
	const char		*site = evhttp_find_header(h, "Sec-Fetch-Site");
	const char		*host = evhttp_find_header(h, "Host");
	char			 own[300];

	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0)
		return 0;
	if (origin == NULL)
		return 1;
	if (host == NULL || (size_t)snprintf(own, sizeof(own), "https://%s",
	    host) >= sizeof(own))
		return 0;
	return strcmp(origin, own) == 0;
}

/* POST /v1/{op}: the body is a JSON object of the op's arguments. */
static void
http_post_op(struct http_front *hf, struct evhttp_request *req,
    const struct caller *who, const char *op)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	const char		*ct = evhttp_find_header(h, "Content-Type");
	size_t			 len = evbuffer_get_length(in), n;
	json_error_t		 e;
	json_t			*args;
	char			*body, msg[300];

	n = ct != NULL ? strcspn(ct, "; ") : 0;
	if (ct == NULL || n != strlen("application/json") ||
	    strncasecmp(ct, "application/json", n) != 0) {
		http_reply_json(req, 415, json_pack("{s:b, s:{s:s, s:s}}",
		    "ok", 0, "error", "code", "bad_request", "message",
		    "Content-Type: application/json only"));
		return;
	}
	if (len > hf->hf_w->w_srv->s_cfg->limits.max_frame) {
		http_reply_error(req, QC_E_TOO_LARGE, "the body exceeds "
		    "max_frame");
		return;
	}
	if ((body = (char *)evbuffer_pullup(in, -1)) == NULL && len > 0) {
		http_reply_error(req, QC_E_INTERNAL, "out of memory");
		return;
	}
	args = len == 0 ? json_object() : json_loadb(body, len,
	    JSON_REJECT_DUPLICATES, &e);
	if (args == NULL || !json_is_object(args)) {
		if (args == NULL)
			snprintf(msg, sizeof(msg), "JSON: %s (line %d, column "
			    "%d)", e.text, e.line, e.column);
		else
			snprintf(msg, sizeof(msg), "the body must be a JSON "
			    "object of the op's arguments");
		json_decref(args);
		http_reply_error(req, QC_E_BAD_REQUEST, msg);
		return;
	}
	http_run_op(hf, req, who, op, args);
	json_decref(args);
}

/*
 * The GET shortcuts: /v1/subjects/{subject} (get), /v1/subjects/{subject}
 * /report (report), /v1/search?q=&limit=&after=&lists=a,b (search).
 */
static void
http_get_route(struct http_front *hf, struct evhttp_request *req,
    const struct caller *who, const char *path)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	 q;
	struct evkeyval		*kv;
	const char		*rest, *slash;
	char			*subject;
	json_t			*args, *lists;
	size_t			 n;
	int			 report = 0;

	if ((args = json_object()) == NULL) {
		http_reply_error(req, QC_E_INTERNAL, "out of memory");
		return;
	}
	if (strncmp(path, "/v1/subjects/", 13) == 0) {
		rest = path + 13;
		slash = strchr(rest, '/');
		if (slash != NULL && strcmp(slash, "/report") == 0)
			report = 1;
		else if (slash != NULL)
			goto unknown;
		n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
		if ((subject = evhttp_uridecode(rest, 0, NULL)) == NULL)
			goto nomem;
		subject[n < strlen(subject) ? n : strlen(subject)] = '\0';
		json_object_set_new(args, "subject", json_string(subject));
		free(subject);
		http_run_op(hf, req, who, report ? "report" : "get", args);
		json_decref(args);
		return;
	}
	if (strcmp(path, "/v1/search") != 0)
		goto unknown;
	TAILQ_INIT(&q);
	if (evhttp_uri_get_query(uri) != NULL &&
	    evhttp_parse_query_str(evhttp_uri_get_query(uri), &q) == -1) {
		json_decref(args);
		http_reply_error(req, QC_E_BAD_REQUEST, "a query that cannot "
		    "be read");
		return;
	}
	TAILQ_FOREACH(kv, &q, next) {
		if (strcmp(kv->key, "limit") == 0 && kv->value[0] != '\0' &&
		    strspn(kv->value, "0123456789") == strlen(kv->value))
			json_object_set_new(args, "limit",
			    json_integer(strtoll(kv->value, NULL, 10)));
		else if (strcmp(kv->key, "lists") == 0) {
			lists = json_array();
			for (rest = kv->value; lists != NULL && *rest != '\0';
			    rest += n + (rest[n] == ',')) {
				n = strcspn(rest, ",");
				json_array_append_new(lists,
				    json_stringn(rest, n));
			}
			json_object_set_new(args, "lists", lists);
		} else
			json_object_set_new(args, kv->key,
			    json_string(kv->value));
	}
	evhttp_clear_headers(&q);
	http_run_op(hf, req, who, "search", args);
	json_decref(args);
	return;
unknown:
	json_decref(args);
	http_reply_error(req, QC_E_NOT_FOUND, "no such path");
	return;
nomem:
	json_decref(args);
	http_reply_error(req, QC_E_INTERNAL, "out of memory");
}

static void
http_request(struct evhttp_request *req, void *arg)
{
	struct http_front	*hf = arg;
	struct caller		 who;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	const char		*path = evhttp_uri_get_path(
				    evhttp_request_get_evhttp_uri(req));
	char			 name[256];
	int			 post, get;

	if (http_caller(hf, req, &who, name, sizeof(name)) == -1) {
		http_reply_error(req, QC_E_FORBIDDEN, "no client certificate "
		    "with a usable CN");
		return;
	}
	if (path == NULL)
		path = "/";
	if (http_static(hf, req, path))
		return;
	/* /v1/search is the op (POST) and its shortcut (GET). */
	post = strncmp(path, "/v1/", 4) == 0 && strchr(path + 4, '/') == NULL &&
	    (strcmp(path, "/v1/search") != 0 || cmd != EVHTTP_REQ_GET);
	get = !post && (strncmp(path, "/v1/subjects/", 13) == 0 ||
	    strcmp(path, "/v1/search") == 0);
	if (!post && !get) {
		http_reply_error(req, QC_E_NOT_FOUND, "no such path");
		return;
	}
	if ((post && cmd != EVHTTP_REQ_POST) || (get && cmd != EVHTTP_REQ_GET)) {
		http_reply_method(req, post ? "POST" : "GET");
		return;
	}
	if (!http_same_origin(req)) {
		http_reply_error(req, QC_E_FORBIDDEN, "a request from another "
		    "site (Origin, Sec-Fetch-Site)");
		return;
	}
	if (post)
		http_post_op(hf, req, &who, path + 4);
	else
		http_get_route(hf, req, &who, path);
}

/* Listens on http_listen (the first worker fixes a ":0" port for all). */
static int
http_start(struct worker *w)
{
	struct server		*srv = w->w_srv;
	struct config		*cfg = srv->s_cfg;
	struct http_front	*hf;
	struct evhttp_bound_socket *bound;
	struct evconnlistener	*l;
	struct evutil_addrinfo	 hints, *ai = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	int			 rc;

	if (cfg->http_host[0] == '\0')
		return 0;
	pthread_once(&conn_slot_once, conn_slot_init);
	if (conn_slot < 0 || (hf = calloc(1, sizeof(*hf))) == NULL)
		return -1;
	w->w_front = hf;
	hf->hf_w = w;
	hf->hf_tail = &hf->hf_results;
	if (pthread_mutex_init(&hf->hf_mtx, NULL) != 0 ||
	    (hf->hf_result_ev = event_new(w->w_base, -1, 0, http_results,
	    hf)) == NULL || (hf->hf_http = evhttp_new(w->w_base)) == NULL)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICSERV;
	if ((rc = evutil_getaddrinfo(cfg->http_host, cfg->http_port, &hints,
	    &ai)) != 0) {
		log_warnx("http_listen %s: %s", cfg->http_host,
		    evutil_gai_strerror(rc));
		return -1;
	}
	l = evconnlistener_new_bind(w->w_base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT |
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024, ai->ai_addr,
	    (int)ai->ai_addrlen);
	evutil_freeaddrinfo(ai);
	if (l == NULL || (bound = evhttp_bind_listener(hf->hf_http, l)) ==
	    NULL) {
		log_warn("worker %d: cannot listen on http_listen",
		    w->w_index);
		if (l != NULL)
			evconnlistener_free(l);
		return -1;
	}
	/*
	 * Accepted sockets inherit it (Linux): an answer leaves as two TLS
	 * records, head and body, and Nagle would hold the second until the
	 * first is acknowledged (40 ms of delayed ACK).
	 */
	if (setsockopt(evhttp_bound_socket_get_fd(bound), IPPROTO_TCP,
	    TCP_NODELAY, &(int){ 1 }, sizeof(int)) == -1)
		log_warn("http_listen: TCP_NODELAY");
	if (getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&ss, &len) == 0)
		snprintf(cfg->http_port, sizeof(cfg->http_port), "%u",
		    ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port));
	evhttp_set_bevcb(hf->hf_http, http_bev, hf);
	evhttp_set_gencb(hf->hf_http, http_request, hf);
	evhttp_set_max_body_size(hf->hf_http, cfg->limits.max_frame);
	evhttp_set_max_headers_size(hf->hf_http, 16384);
	evhttp_set_timeout(hf->hf_http, (int)cfg->limits.handshake_timeout);
	evhttp_set_allowed_methods(hf->hf_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	if (w->w_index == 0)
		log_info("HTTPS API on %s:%s", cfg->http_host, cfg->http_port);
	return 0;
}

static void
http_stop(struct worker *w)
{
	struct http_front	*hf = w->w_front;
	struct write_result	*res, *next;

	if (hf == NULL)
		return;
	if (hf->hf_http != NULL)
		evhttp_free(hf->hf_http);
	if (hf->hf_result_ev != NULL)
		event_free(hf->hf_result_ev);
	for (res = hf->hf_results; res != NULL; res = next) {
		next = res->wres_next;
		write_result_free(res);
	}
	pthread_mutex_destroy(&hf->hf_mtx);
	free(hf->hf_pend);
	free(hf);
	w->w_front = NULL;
}
