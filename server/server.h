/*
 * The daemon's shared state and the structures that cross files: the
 * server, its I/O workers and their connections.
 */
#ifndef QCD_SERVER_H
#define QCD_SERVER_H

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <lmdb.h>
#include <msgpack.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define QCD_VERSION	"qcregd 0.1.0"
#define FRAMES_PER_WAKEUP	64	/* fairness between connections */
#define CONN_MAX_INFLIGHT	128	/* writes at the writer per connection */

struct writer;
struct write_reply;

struct server {
	struct config	*s_cfg;
	struct store	 s_store;
	struct writer	*s_writer;
	SSL_CTX		*s_ssl;
	struct worker	*s_workers;
	int		 s_nworkers;
	atomic_uint	 s_nconns;	/* open connections, all workers */
	/* SIGHUP swaps s_ssl and the principals under this lock. */
	pthread_mutex_t	 s_reload_mtx;
	struct principal *s_retired;	/* old principals, still referenced */
};

/* reload.c */
void	 server_reload_init(struct server *);
/* A new SSL for an accepted connection, from the current context. */
SSL	*server_ssl_new(struct server *);
const struct principal *server_principal(struct server *, const char *);
/*
 * Rereads the config file: a new TLS context (certificates, CA, CRL) and
 * the principals replace the old ones if everything loads; otherwise the
 * old ones stay. Open connections keep the identity they had.
 */
void	 server_reload(struct server *, const char *path);
void	 server_reload_free(struct server *);

struct conn {
	struct worker		*c_worker;
	uint64_t		 c_id;		/* slot | generation << 32 */
	evutil_socket_t		 c_fd;
	SSL			*c_ssl;
	struct event		*c_rev;		/* readable, persistent */
	struct event		*c_wev;		/* writable, only while blocked */
	struct event		*c_deadline;	/* handshake, absolute */
	struct evbuffer		*c_in;		/* decrypted, not yet handled */
	struct evbuffer		*c_out;		/* answers not yet encrypted */
	time_t			 c_last;	/* last progress, worker clock */
	int			 c_wlen;	/* length of a blocked SSL_write */
	char			 c_peer[INET6_ADDRSTRLEN + 8]; /* address:port */
	char			 c_principal[CFG_NAME_MAX];
	const struct principal	*c_prin;	/* NULL: not configured */
	enum role		 c_role;
	unsigned		 c_ready:1;	/* handshake done */
	unsigned		 c_closing:1;	/* flush, then close */
	unsigned		 c_out_full:1;	/* unsent answers over the cap */
	unsigned		 c_read_off:1;	/* c_rev deleted by us */
	unsigned		 c_wev_on:1;	/* c_wev added */
	unsigned		 c_more:1;	/* reading stopped at the input cap */
	unsigned		 c_inflight;	/* writes at the writer */
};

struct worker {
	struct server		*w_srv;
	int			 w_index;
	pthread_t		 w_thread;
	struct event_base	*w_base;
	struct evconnlistener	*w_listener;
	struct event		*w_reply_ev;	/* writer answers ready */
	struct event		*w_stop_ev;
	struct event		*w_sweep_ev;	/* idle connections, 1 Hz */
	time_t			 w_now;		/* monotonic seconds, 1 Hz */
	pthread_mutex_t		 w_reply_mtx;
	struct write_reply	*w_replies;	/* FIFO, under w_reply_mtx */
	struct write_reply	**w_replies_tail;
	/* Connections by slot; ids carry a generation against reuse. */
	struct conn		**w_conns;
	uint32_t		*w_gens;
	uint32_t		 w_nslots;
	uint32_t		*w_free;
	uint32_t		 w_nfree;
	/* Per-request scratch, reused. */
	MDB_txn			*w_rtxn;	/* reset between bursts */
	int			 w_rtxn_live;
	msgpack_sbuffer		 w_out;
	msgpack_zone		 w_zone;	/* the request being handled */
};

/* worker.c */
int	 worker_start(struct server *, struct worker *, int index,
	    struct evutil_addrinfo *);
int	 worker_run(struct worker *);
void	 worker_stop(struct worker *);
void	 worker_join(struct worker *);
void	 worker_free(struct worker *);
/* Called from the writer thread: hands an answer to its worker. */
void	 worker_post_reply(struct worker *, struct write_reply *);
struct conn *worker_conn_lookup(struct worker *, uint64_t id);
int	 worker_conn_add(struct worker *, struct conn *);
void	 worker_conn_remove(struct worker *, struct conn *);
/* The worker's read transaction, renewed on first use in a burst. */
MDB_txn	*worker_rtxn(struct worker *);
void	 worker_rtxn_release(struct worker *);

/* conn.c */
void	 conn_accept(struct worker *, evutil_socket_t,
	    const struct sockaddr *, int);
/* Closes a connection idle since before now - idle_timeout. */
void	 conn_sweep(struct conn *, time_t now);
/* Drives the TLS handshake; on completion identifies the peer. */
void	 conn_handshake(struct conn *);
/* Sends close_notify (if the handshake was done), then frees. */
void	 conn_close(struct conn *);
void	 conn_free(struct conn *);

/* conn_io.c */
void	 conn_read_cb(evutil_socket_t, short, void *);
void	 conn_write_cb(evutil_socket_t, short, void *);
/* Reads, handles and answers what the connection has; may free it. */
void	 conn_run(struct conn *);
/* Reads from the connection only while backpressure allows. */
void	 conn_reading(struct conn *);
/* Queues a complete answer frame (prefix included). */
int	 conn_send_frame(struct conn *, const void *, size_t);
/*
 * A write answer arrived from the writer: queue it and handle requests
 * that waited for it. No I/O: conn_flush sends.
 */
void	 conn_write_done(struct conn *, const void *, size_t);
/* Encrypts and sends queued answers; -1 if the connection was freed. */
int	 conn_flush(struct conn *);

#endif
