/*
 * A connection's traffic: decrypting into c_in, handling the frames in
 * it, encrypting answers from c_out; backpressure in both directions.
 *
 * SSL_get_error needs OpenSSL's error queue empty before the call it
 * explains. Clearing it before every SSL_read and SSL_write cost 7% of a
 * small request's instructions (OpenSSL 3), so the queue is kept empty
 * instead: it is cleared when a handshake completes and after every
 * failed call on a connection that stays open.
 */
#include <errno.h>
#include <openssl/err.h>
#include <string.h>

#include "frame.h"
#include "log.h"
#include "net.h"

#define CONN_READ_CHUNK		16384	/* one TLS record's worth */
#define CONN_WRITE_CHUNK	16384

static int	 conn_fill(struct conn *);
static void	 conn_hangup(struct conn *, int, int);

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
	while (evbuffer_get_length(c->c_in) < conn_input_cap(c)) {
		if (evbuffer_reserve_space(c->c_in, CONN_READ_CHUNK, &v,
		    1) < 1)
			return 0;
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
		err = SSL_get_error(c->c_ssl, n);
		switch (err) {
		case SSL_ERROR_WANT_READ:
			ERR_clear_error();
			return 0;
		case SSL_ERROR_WANT_WRITE:
			ERR_clear_error();
			conn_writable_wait(c, 1);
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

again:
	while ((len = evbuffer_get_length(c->c_out)) > 0) {
		if (c->c_wlen == 0)
			c->c_wlen = len > CONN_WRITE_CHUNK ? CONN_WRITE_CHUNK :
			    (int)len;
		if ((p = evbuffer_pullup(c->c_out, c->c_wlen)) == NULL)
			return 0;
		n = SSL_write(c->c_ssl, p, c->c_wlen);
		if (n > 0) {
			evbuffer_drain(c->c_out, (size_t)n);
			c->c_wlen = 0;
			c->c_last = c->c_worker->w_now;
			continue;
		}
		err = SSL_get_error(c->c_ssl, n);
		if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
			ERR_clear_error();
			conn_writable_wait(c, 1);
			return 0;
		}
		conn_hangup(c, err, 0);
		return -1;
	}
	conn_writable_wait(c, 0);
	switch (conn_drained(c)) {
	case DRAIN_CLOSE:
		conn_close(c);
		return -1;
	case DRAIN_RESUMED:
		/* Send what the resumed requests answered (found by fuzzing). */
		conn_reading(c);
		goto again;
	case DRAIN_IDLE:
		break;
	}
	return 0;
}

void
conn_writable_wait(struct conn *c, int on)
{
	if (on && !c->c_wev_on && event_add(c->c_wev, NULL) == 0)
		c->c_wev_on = 1;
	else if (!on && c->c_wev_on) {
		event_del(c->c_wev);
		c->c_wev_on = 0;
	}
}

/*
 * Backpressure: read from the client only while its unsent answers are
 * under the cap, it has room for more owed answers, and its unhandled
 * input is under one frame. Every change that can lift a hold calls this
 * after conn_process: answers drained, a write's result, requests
 * handled.
 *
 * c_rev is only ever added and deleted, never activated by hand, so
 * event_pending tells exactly whether it is registered. Work that no
 * socket event would announce -- frames left in c_in for the next turn,
 * records already inside OpenSSL -- goes to c_turn instead. Activating
 * c_rev itself lost connections two ways (docs/BENCH.md, "the stall"):
 * libevent ignores event_add on an event that is active but not added,
 * and event_del cancels a pending activation.
 */
void
conn_reading(struct conn *c)
{
	int	 want, added;

	want = conn_wants_input(c);
	added = event_pending(c->c_rev, EV_READ, NULL) != 0;
	if (want && !added)
		event_add(c->c_rev, NULL);
	else if (!want && added)
		event_del(c->c_rev);
	if (c->c_backlog || (want && c->c_more))
		event_active(c->c_turn, 0, 0);
}

/* A turn for work already inside the process: c_in, OpenSSL. */
void
conn_turn_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_run(arg);
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
	if (evbuffer_get_length(c->c_in) < conn_input_cap(c) &&
	    conn_fill(c) == -1)
		return;
	conn_process(c);
	conn_reading(c);
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
