/*
 * A connection's traffic: decrypting into c_in, handling the frames in
 * it, encrypting answers from c_out; backpressure in both directions.
 */
#include <errno.h>
#include <openssl/err.h>
#include <string.h>

#include "dispatch.h"
#include "frame.h"
#include "log.h"

#define CONN_READ_CHUNK		16384	/* one TLS record's worth */
#define CONN_WRITE_CHUNK	16384

static int	 conn_fill(struct conn *);
static void	 conn_process(struct conn *);
static void	 conn_bad_frame(struct conn *, const char *);
static void	 conn_hangup(struct conn *, int, int);
static size_t	 conn_in_cap(const struct conn *);

static size_t
conn_in_cap(const struct conn *c)
{
	return QC_FRAME_HDR + (size_t)c->c_worker->w_srv->s_cfg->limits.max_frame;
}

/*
 * The peer is gone. A clean hang-up (close_notify, or EOF with
 * everything framed) keeps its TLS session resumable: OpenSSL drops a
 * session freed without a shutdown from its cache.
 */
static void
conn_hangup(struct conn *c, int err, int clean)
{
	if (clean)
		SSL_set_shutdown(c->c_ssl, SSL_SENT_SHUTDOWN |
		    SSL_RECEIVED_SHUTDOWN);
	else
		log_debug("%s (%s): connection error %d", c->c_peer,
		    c->c_principal, err);
	log_debug("%s (%s): closed", c->c_peer, c->c_principal);
	conn_free(c);
}

/*
 * Decrypts what the socket has into c_in, up to about one frame beyond
 * what is unhandled. One read per call in the usual case: OpenSSL reads
 * ahead, and once its buffer is empty the socket is left for the next
 * readiness event rather than read until EAGAIN. Returns -1 if the
 * connection was freed.
 */
static int
conn_fill(struct conn *c)
{
	struct evbuffer_iovec	 v;
	int			 n, err;

	/* Stopping at the cap may leave records inside OpenSSL. */
	c->c_more = 1;
	while (evbuffer_get_length(c->c_in) < conn_in_cap(c)) {
		if (evbuffer_reserve_space(c->c_in, CONN_READ_CHUNK, &v,
		    1) < 1)
			return 0;
		ERR_clear_error();
		n = SSL_read(c->c_ssl, v.iov_base, (int)v.iov_len);
		if (n > 0) {
			v.iov_len = (size_t)n;
			evbuffer_commit_space(c->c_in, &v, 1);
			c->c_last = c->c_worker->w_now;
			if (SSL_has_pending(c->c_ssl))
				continue;
			c->c_more = 0;
			return 0;
		}
		c->c_more = 0;
		switch ((err = SSL_get_error(c->c_ssl, n))) {
		case SSL_ERROR_WANT_READ:
			return 0;
		case SSL_ERROR_WANT_WRITE:
			if (!c->c_wev_on && event_add(c->c_wev, NULL) == 0)
				c->c_wev_on = 1;
			return 0;
		case SSL_ERROR_ZERO_RETURN:
			conn_hangup(c, err, 1);
			return -1;
		default:
			/* EOF without close_notify: frames carry their length. */
			conn_hangup(c, err, err == SSL_ERROR_SYSCALL &&
			    ERR_peek_error() == 0 && errno == 0);
			return -1;
		}
	}
	return 0;
}

/*
 * Encrypts and sends c_out. A blocked write waits for c_wev and is
 * retried with the same length, as OpenSSL requires. Returns -1 if the
 * connection was freed (a finished close, or an error).
 */
int
conn_flush(struct conn *c)
{
	size_t		 len;
	void		*p;
	int		 n, err;

	while ((len = evbuffer_get_length(c->c_out)) > 0) {
		if (c->c_wlen == 0)
			c->c_wlen = len > CONN_WRITE_CHUNK ? CONN_WRITE_CHUNK :
			    (int)len;
		if ((p = evbuffer_pullup(c->c_out, c->c_wlen)) == NULL)
			return 0;
		ERR_clear_error();
		n = SSL_write(c->c_ssl, p, c->c_wlen);
		if (n > 0) {
			evbuffer_drain(c->c_out, (size_t)n);
			c->c_wlen = 0;
			c->c_last = c->c_worker->w_now;
			continue;
		}
		err = SSL_get_error(c->c_ssl, n);
		if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
			if (!c->c_wev_on && event_add(c->c_wev, NULL) == 0)
				c->c_wev_on = 1;
			return 0;
		}
		conn_hangup(c, err, 0);
		return -1;
	}
	if (c->c_wev_on) {
		event_del(c->c_wev);
		c->c_wev_on = 0;
	}
	if (c->c_closing) {
		conn_close(c);
		return -1;
	}
	/* The client took its answers: requests waiting behind them go on. */
	if (c->c_out_full) {
		c->c_out_full = 0;
		event_active(c->c_rev, EV_READ, 1);
	}
	return 0;
}

/*
 * Backpressure: read from the client only while its unsent answers are
 * under the cap, its writes at the writer under CONN_MAX_INFLIGHT, and
 * its unhandled input under one frame. The read event's registration is
 * taken from libevent, not from a flag of ours: a load of a million
 * pipelined puts showed it lost in rare cases (cause not found), which
 * stalled the connection until its idle timeout.
 */
void
conn_reading(struct conn *c)
{
	int	 want, pending;

	want = !c->c_closing && !c->c_out_full &&
	    c->c_inflight < CONN_MAX_INFLIGHT &&
	    evbuffer_get_length(c->c_in) < conn_in_cap(c);
	pending = event_pending(c->c_rev, EV_READ, NULL) != 0;
	if (want && !pending)
		event_add(c->c_rev, NULL);
	else if (!want && pending)
		event_del(c->c_rev);
	c->c_read_off = !want;
	/* Records OpenSSL already holds would not wake the loop. */
	if (want && c->c_more)
		event_active(c->c_rev, EV_READ, 1);
}

void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	if (!c->c_ready) {
		conn_handshake(c);
		return;
	}
	conn_run(c);
}

void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	if (!c->c_ready) {
		conn_handshake(c);
		return;
	}
	conn_flush(c);
}

void
conn_run(struct conn *c)
{
	if (!c->c_read_off && conn_fill(c) == -1)
		return;
	conn_process(c);
	conn_flush(c);
}

int
conn_send_frame(struct conn *c, const void *data, size_t len)
{
	if (evbuffer_add(c->c_out, data, len) == -1) {
		log_warnx("%s: out of memory queueing an answer", c->c_peer);
		return -1;
	}
	/* Stop handling requests until the client takes its answers. */
	if (evbuffer_get_length(c->c_out) >
	    c->c_worker->w_srv->s_cfg->limits.output_cap)
		c->c_out_full = 1;
	return 0;
}

void
conn_write_done(struct conn *c, const void *frame, size_t len)
{
	conn_send_frame(c, frame, len);
	c->c_inflight--;
	/* Requests held behind writes, or by the in-flight limit, go on. */
	if (!c->c_closing && (c->c_inflight == 0 ||
	    c->c_inflight == CONN_MAX_INFLIGHT / 2))
		conn_process(c);
}

/* Answers bad_frame with a nil id; the connection closes once it is sent. */
static void
conn_bad_frame(struct conn *c, const char *why)
{
	msgpack_sbuffer	*sb = &c->c_worker->w_out;

	log_info("%s (%s): bad frame: %s", c->c_peer, c->c_principal, why);
	if (dispatch_pack_error(sb, 0, 0, QC_E_BAD_FRAME, why) == 0)
		conn_send_frame(c, sb->data, sb->size);
	c->c_closing = 1;
}

/*
 * Handles the complete frames in c_in, at most FRAMES_PER_WAKEUP at a
 * time so that one client cannot starve the others on this worker.
 */
static void
conn_process(struct conn *c)
{
	struct worker		*w = c->c_worker;
	struct evbuffer		*in = c->c_in;
	uint32_t		 max = w->w_srv->s_cfg->limits.max_frame;
	uint8_t			 hdr[QC_FRAME_HDR], *body;
	msgpack_object		 msg;
	enum qc_frame_status	 fs;
	enum dispatch_result	 dr;
	uint32_t		 len;
	size_t			 off;
	int			 n, rc;

	for (n = 0; n < FRAMES_PER_WAKEUP; n++) {
		if (c->c_closing || c->c_out_full ||
		    c->c_inflight >= CONN_MAX_INFLIGHT ||
		    evbuffer_copyout(in, hdr, sizeof(hdr)) != sizeof(hdr))
			goto held;
		len = qc_frame_get_len(hdr);
		if ((fs = qc_frame_check_len(len, max)) != QC_FRAME_OK) {
			conn_bad_frame(c, qc_frame_strerror(fs));
			goto held;
		}
		if (evbuffer_get_length(in) < QC_FRAME_HDR + (size_t)len)
			goto held;
		body = evbuffer_pullup(in, QC_FRAME_HDR + (ssize_t)len);
		if (body == NULL) {
			conn_bad_frame(c, "out of memory");
			goto held;
		}
		body += QC_FRAME_HDR;
		if ((fs = qc_frame_validate(body, len)) != QC_FRAME_OK) {
			conn_bad_frame(c, qc_frame_strerror(fs));
			goto held;
		}
		/* The worker's zone is cleared, not freed, between frames. */
		off = 0;
		rc = msgpack_unpack((const char *)body, len, &off, &w->w_zone,
		    &msg);
		if (rc != MSGPACK_UNPACK_SUCCESS || off != len) {
			msgpack_zone_clear(&w->w_zone);
			conn_bad_frame(c, "not a msgpack map");
			goto held;
		}
		dr = dispatch_frame(w, c, &msg);
		msgpack_zone_clear(&w->w_zone);
		if (dr == DISPATCH_WAIT)
			goto held;
		evbuffer_drain(in, QC_FRAME_HDR + (size_t)len);
	}
	/* More may be buffered: come back after the others had a turn. */
	if (evbuffer_get_length(in) >= QC_FRAME_HDR)
		event_active(c->c_rev, EV_READ, 1);
held:
	conn_reading(c);
	/* One read snapshot per burst of frames. */
	worker_rtxn_release(w);
}
