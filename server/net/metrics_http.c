/*
 * /healthz and /metrics (metrics_http.h). Requests are rare and small:
 * the main thread answers them with a read snapshot of its own.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "net.h"

struct metrics_http {
	struct evhttp	*mh_http;
	struct server	*mh_srv;
	struct ops_env	 mh_ops;
	time_t		 mh_started;
};

static void	 metrics_http_cb(struct evhttp_request *, void *);
static int	 healthz(struct metrics_http *, struct evbuffer *);
static int	 metrics(struct metrics_http *, struct evbuffer *);

static int
healthz(struct metrics_http *mh, struct evbuffer *out)
{
	struct ops_health	 h;

	if (ops_health(&mh->mh_ops, &h) == -1)
		return -1;
	return evbuffer_add_printf(out, "{\"ok\":true,\"role\":\"%s\","
	    "\"head\":%llu,\"uptime\":%lld,\"map_used\":%llu,"
	    "\"map_size\":%llu}\n", h.oh_replica ? "replica" : "primary",
	    (unsigned long long)h.oh_head,
	    (long long)(time(NULL) - mh->mh_started),
	    (unsigned long long)h.oh_map_used,
	    (unsigned long long)h.oh_map_size) < 0 ? -1 : 0;
}

static int
metrics(struct metrics_http *mh, struct evbuffer *out)
{
	const char	*names[METRICS_OPS_MAX];
	msgpack_sbuffer	 sb;
	int		 i, n = ops_count(), rc;

	for (i = 0; i < n && i < METRICS_OPS_MAX; i++)
		names[i] = ops_name_at(i);
	msgpack_sbuffer_init(&sb);
	rc = metrics_render(&sb, names, i) == -1 ||
	    metrics_printf(&sb, "# HELP qcreg_connections_open Client "
	    "connections open.\n# TYPE qcreg_connections_open gauge\n"
	    "qcreg_connections_open %u\n", atomic_load(
	    &mh->mh_srv->s_nconns)) == -1 ||
	    metrics_printf(&sb, "# HELP qcreg_uptime_seconds Since start.\n"
	    "# TYPE qcreg_uptime_seconds gauge\nqcreg_uptime_seconds %lld\n",
	    (long long)(time(NULL) - mh->mh_started)) == -1 ||
	    ops_metrics_render(&mh->mh_ops, &sb) == -1 ||
	    evbuffer_add(out, sb.data, sb.size) == -1 ? -1 : 0;
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static void
metrics_http_cb(struct evhttp_request *req, void *arg)
{
	struct metrics_http	*mh = arg;
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	const char		*path = evhttp_request_get_uri(req);
	int			 rc;

	if (strcmp(path, "/healthz") != 0 && strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "/healthz or /metrics");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(hdr, "Allow", "GET");
		evhttp_send_error(req, 405, "GET only");
		return;
	}
	if (path[1] == 'h') {
		evhttp_add_header(hdr, "Content-Type", "application/json");
		rc = healthz(mh, out);
	} else {
		evhttp_add_header(hdr, "Content-Type",
		    "text/plain; version=0.0.4; charset=utf-8");
		rc = metrics(mh, out);
	}
	if (rc == -1) {
		log_warnx("metrics: %s could not be answered", path);
		evhttp_send_error(req, HTTP_INTERNAL, "the store cannot say");
		return;
	}
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

struct metrics_http *
metrics_http_start(struct event_base *base, struct server *srv)
{
	const struct config	*cfg = srv->s_cfg;
	struct metrics_http	*mh;
	char			*end;
	unsigned long		 port = strtoul(cfg->metrics_port, &end, 10);

	if ((mh = calloc(1, sizeof(*mh))) == NULL)
		return NULL;
	mh->mh_srv = srv;
	mh->mh_started = time(NULL);
	if (ops_env_init(&mh->mh_ops, cfg, srv->s_store, srv->s_writer,
	    srv->s_replica) == -1 || (mh->mh_http = evhttp_new(base)) == NULL ||
	    *end != '\0' || port > 65535 ||
	    evhttp_bind_socket(mh->mh_http, cfg->metrics_host,
	    (uint16_t)port) == -1) {
		log_warnx("metrics_listen %s:%s: cannot listen",
		    cfg->metrics_host, cfg->metrics_port);
		metrics_http_free(mh);
		return NULL;
	}
	evhttp_set_allowed_methods(mh->mh_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE);
	evhttp_set_max_headers_size(mh->mh_http, 8192);
	evhttp_set_max_body_size(mh->mh_http, 0);
	evhttp_set_timeout(mh->mh_http, 10);
	evhttp_set_gencb(mh->mh_http, metrics_http_cb, mh);
	log_info("metrics on http://%s:%s/metrics and /healthz",
	    cfg->metrics_host, cfg->metrics_port);
	return mh;
}

void
metrics_http_free(struct metrics_http *mh)
{
	if (mh == NULL)
		return;
	if (mh->mh_http != NULL)
		evhttp_free(mh->mh_http);
	if (mh->mh_ops.oe_reader != NULL)
		ops_env_free(&mh->mh_ops);
	free(mh);
}
