/*
 * Counters for /metrics (PROTOCOL.md 9): requests by op and result,
 * their latency by op, connections, handshake failures by reason, the
 * writer's batches and commits, and per principal the subjects checked
 * and the requests held by quota. Counters are process-wide atomics that
 * any thread bumps; metrics_render writes them in the Prometheus text
 * format. What the store knows (entries, cases, map use) is written by
 * the ops layer at scrape time.
 */
#ifndef QCD_METRICS_H
#define QCD_METRICS_H

#include <msgpack.h>
#include <stdint.h>

#include "errors.h"

#define METRICS_OPS_MAX	64

enum handshake_failure {
	HS_TIMEOUT = 0,		/* the handshake deadline passed */
	HS_CERTIFICATE,		/* the client's certificate was refused */
	HS_NO_CN,		/* a certificate without a usable CN */
	HS_CLOSED,		/* the peer went away */
	HS_PROTOCOL,		/* anything else OpenSSL refused */
	HS_COUNT
};

/* A request to op (its index in the op table; -1: no op) answered code. */
void	 metrics_request(int op, enum qc_err code, uint64_t usec);
void	 metrics_conn_refused(void);
void	 metrics_handshake_failed(enum handshake_failure);
/* A committed batch of n writes whose commit took usec. */
void	 metrics_batch(unsigned n, uint64_t usec);
/* A principal's check of n subjects. */
void	 metrics_checks(const char *principal, uint64_t n);
/* A principal's request held by its quota. */
void	 metrics_rate_limited(const char *principal);
/* Monotonic microseconds, for the latencies above. */
uint64_t metrics_now_usec(void);
/*
 * Appends the counters in the Prometheus text format (0.0.4); names[i]
 * is the name of op i, nops of them. 0, or -1 out of memory.
 */
int	 metrics_render(msgpack_sbuffer *, const char *const *names, int nops);
/* printf into a buffer: 0, or -1 out of memory. */
int	 metrics_printf(msgpack_sbuffer *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
