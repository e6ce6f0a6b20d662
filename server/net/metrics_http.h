/*
 * The operators' listener (metrics_listen): plain HTTP on a loopback
 * address, run by the main thread's event loop. GET /healthz answers a
 * line of JSON (ok, role, head seq, uptime, map use); GET /metrics the
 * counters in the Prometheus text format (PROTOCOL.md 9).
 */
#ifndef QCD_METRICS_HTTP_H
#define QCD_METRICS_HTTP_H

#include <event2/event.h>

struct server;
struct metrics_http;

/* Listens on the config's metrics_listen; NULL (logged) on failure. */
struct metrics_http *metrics_http_start(struct event_base *,
		    struct server *);
void		 metrics_http_free(struct metrics_http *);

#endif
