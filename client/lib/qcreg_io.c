/*
 * libqcreg: the socket, the output queue and the read-ahead buffer.
 *
 * The socket is non-blocking and every wait is a poll(2) bounded by the
 * connection's timeout, so writing many pipelined requests can read the
 * answers that arrive meanwhile instead of deadlocking against a server
 * that stops reading until its answers are taken.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "frame.h"
#include "qcreg_int.h"

static int	 poll_fd(int, short, int, int, short *);
static int	 io_fill(struct qcreg *);
static int	 in_reserve(struct qcreg *);
static int	 scan_frames(struct qcreg *);

/*
 * Waits until fd has one of events or timeout_ms (< 0: forever) passes,
 * or stop_fd (-1: none) is readable. Returns 0 (revents set), 1 on
 * timeout, 2 when stopped, -1 with errno on failure.
 */
static int
poll_fd(int fd, short events, int stop_fd, int timeout_ms, short *revents)
{
	struct pollfd	 pfd[2];
	struct timespec	 now, end;
	long		 left;
	int		 n;

	clock_gettime(CLOCK_MONOTONIC, &end);
	if (timeout_ms > 0) {
		end.tv_sec += timeout_ms / 1000;
		end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
	}
	for (;;) {
		left = -1;
		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (long)(end.tv_sec - now.tv_sec) * 1000L +
			    (end.tv_nsec - now.tv_nsec) / 1000000L;
			if (left < 0)
				left = 0;
		}
		pfd[0].fd = fd;
		pfd[0].events = events;
		pfd[1].fd = stop_fd;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		n = poll(pfd, stop_fd >= 0 ? 2 : 1, (int)left);
		if (n > 0 && pfd[1].revents != 0)
			return 2;
		if (n > 0) {
			if (revents != NULL)
				*revents = pfd[0].revents;
			return 0;
		}
		if (n == 0)
			return 1;
		if (errno != EINTR)
			return -1;
	}
}

/* Waits for events on the connection; a timeout or a stop kills it. */
int
qcreg_io_wait(struct qcreg *c, short events, short *revents)
{
	int	 r;

	if ((r = poll_fd(c->fd, events, c->stop_fd, c->timeout_ms,
	    revents)) == 0)
		return 0;
	if (r == 1)
		return qcreg_die(c, QCREG_E_TIMEOUT,
		    "timed out after %d ms waiting for the server",
		    c->timeout_ms);
	if (r == 2)
		return qcreg_die(c, QCREG_E_STOPPED, "stopped while waiting "
		    "for the server");
	return qcreg_die(c, QCREG_E_IO, "poll: %s", strerror(errno));
}

/* Watches fd (-1: none) in every later wait: readable, it stops them. */
void
qcreg_io_stop_fd(struct qcreg *c, int fd)
{
	c->stop_fd = fd;
}

/* Opens a TCP connection to the first address of host that answers. */
int
qcreg_io_connect(struct qcreg *c, const char *host, unsigned port)
{
	struct addrinfo	 hints, *res, *ai;
	char		 portstr[16];
	socklen_t	 len;
	short		 rev;
	int		 fd, r, err = 0, soerr, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((r = getaddrinfo(host, portstr, &hints, &res)) != 0)
		return qcreg_die(c, QCREG_E_IO, "cannot resolve %s: %s", host,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			c->fd = fd;
			break;
		}
		if (errno == EINPROGRESS) {
			r = poll_fd(fd, POLLOUT, -1, c->timeout_ms, &rev);
			len = sizeof(soerr);
			if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &soerr, &len) == 0) {
				if (soerr == 0) {
					c->fd = fd;
					break;
				}
				err = soerr;
			} else
				err = r == 1 ? ETIMEDOUT : errno;
		} else
			err = errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (c->fd == -1)
		return qcreg_die(c, QCREG_E_IO, "cannot connect to %s port %u: "
		    "%s", host, port, strerror(err != 0 ? err : ENOENT));
	/* Small requests must leave at once: the hot path waits on them. */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		return qcreg_die(c, QCREG_E_IO, "TCP_NODELAY: %s",
		    strerror(errno));
	return 0;
}

/* Makes room for one TLS record at the end of the input buffer. */
static int
in_reserve(struct qcreg *c)
{
	uint8_t	*p;
	size_t	 cap;

	if (c->in_cap - c->in_len >= QCREG_IN_CHUNK)
		return 0;
	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_scan -= c->in_off;
		c->in_off = 0;
		if (c->in_cap - c->in_len >= QCREG_IN_CHUNK)
			return 0;
	}
	cap = c->in_cap < 4 * QCREG_IN_CHUNK ? 4 * QCREG_IN_CHUNK :
	    c->in_cap * 2;
	if ((p = realloc(c->in, cap)) == NULL)
		return qcreg_die(c, QCREG_E_NOMEM, "out of memory reading "
		    "answers");
	c->in = p;
	c->in_cap = cap;
	return 0;
}

/*
 * Counts the complete frames that arrived. Each length is checked against
 * our limit before its body is buffered, and the server may send only as
 * many frames as there are requests in flight: together they bound the
 * read-ahead buffer.
 */
static int
scan_frames(struct qcreg *c)
{
	enum qc_frame_status	 st;
	uint32_t		 len;

	while (c->in_len > c->in_scan) {
		if (c->in_frames >= c->pq_count)
			return qcreg_die(c, QCREG_E_PROTO,
			    "server sent data that answers no request");
		if (c->in_len - c->in_scan < QC_FRAME_HDR)
			break;
		len = qc_frame_get_len(c->in + c->in_scan);
		if ((st = qc_frame_check_len(len, c->max_recv)) != QC_FRAME_OK)
			return qcreg_die(c, QCREG_E_PROTO, "server sent a bad "
			    "frame: %s (length %lu, limit %lu)",
			    qc_frame_strerror(st), (unsigned long)len,
			    (unsigned long)c->max_recv);
		if (c->in_len - c->in_scan - QC_FRAME_HDR < len)
			break;
		c->in_scan += QC_FRAME_HDR + (size_t)len;
		c->in_frames++;
	}
	return 0;
}

/* Reads everything the socket has now, without blocking. */
static int
io_fill(struct qcreg *c)
{
	size_t	 n;
	int	 e, rc;

	c->read_wants_write = 0;
	for (;;) {
		if ((rc = in_reserve(c)) != 0)
			return rc;
		ERR_clear_error();
		if (SSL_read_ex(c->ssl, c->in + c->in_len,
		    c->in_cap - c->in_len, &n) == 1) {
			c->in_len += n;
			if ((rc = scan_frames(c)) != 0)
				return rc;
			continue;
		}
		e = SSL_get_error(c->ssl, 0);
		if (e == SSL_ERROR_WANT_READ)
			return 0;
		if (e == SSL_ERROR_WANT_WRITE) {
			c->read_wants_write = 1;
			return 0;
		}
		return qcreg_tls_error(c, e, "read");
	}
}

/*
 * Writes every queued request, reading answers that arrive meanwhile.
 */
int
qcreg_io_flush(struct qcreg *c)
{
	size_t	 n;
	short	 rev;
	int	 e, rc;

	if (c->dead)
		return qcreg_dead(c);
	while (c->out_off < c->out.size) {
		ERR_clear_error();
		if (SSL_write_ex(c->ssl, c->out.data + c->out_off,
		    c->out.size - c->out_off, &n) == 1) {
			c->out_off += n;
			continue;
		}
		e = SSL_get_error(c->ssl, 0);
		if (e == SSL_ERROR_WANT_WRITE) {
			if ((rc = qcreg_io_wait(c, POLLOUT | POLLIN, &rev)) != 0)
				return rc;
			if ((rev & POLLIN) && (rc = io_fill(c)) != 0)
				return rc;
		} else if (e == SSL_ERROR_WANT_READ) {
			if ((rc = qcreg_io_wait(c, POLLIN, &rev)) != 0 ||
			    (rc = io_fill(c)) != 0)
				return rc;
		} else
			return qcreg_tls_error(c, e, "write");
	}
	c->out.size = 0;
	c->out_off = 0;
	if (c->out.alloc > QCREG_BUF_KEEP) {
		msgpack_sbuffer_destroy(&c->out);
		msgpack_sbuffer_init(&c->out);
	}
	return 0;
}

/*
 * Flushes, then waits until a complete answer frame is buffered and points
 * *body / *len at it (valid until qcreg_io_consume). Frames that arrived
 * before the connection died are still returned.
 */
int
qcreg_io_frame(struct qcreg *c, const uint8_t **body, uint32_t *len)
{
	short	 ev;
	int	 rc;

	(void)qcreg_io_flush(c);
	while (c->in_frames == 0) {
		if (c->dead)
			return qcreg_dead(c);
		if ((rc = io_fill(c)) != 0 || c->in_frames > 0)
			continue;
		ev = POLLIN | (c->read_wants_write ? POLLOUT : 0);
		if ((rc = qcreg_io_wait(c, ev, NULL)) != 0)
			return rc;
	}
	*len = qc_frame_get_len(c->in + c->in_off);
	*body = c->in + c->in_off + QC_FRAME_HDR;
	return 0;
}

/* Drops the frame of len body bytes at the head of the input. */
void
qcreg_io_consume(struct qcreg *c, uint32_t len)
{
	c->in_off += QC_FRAME_HDR + (size_t)len;
	c->in_frames--;
	if (c->in_off == c->in_len) {
		c->in_off = c->in_len = c->in_scan = 0;
		if (c->in_cap > QCREG_BUF_KEEP) {
			free(c->in);
			c->in = NULL;
			c->in_cap = 0;
		}
	}
}
