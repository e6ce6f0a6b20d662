/*
 * The network side of qcregd: the server as its workers see it, the I/O
 * workers (one event_base and listener each) and their connections.
 * Nothing here knows LMDB: requests go to the ops layer (ops.h), whose
 * store and writer are opaque pointers to this layer.
 */
#ifndef QCD_NET_H
#define QCD_NET_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <msgpack.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "ops.h"
#include "slots.h"

#define FRAMES_PER_WAKEUP	64	/* fairness between connections */
#define CONN_BUSY_REQS		8	/* a tick's requests that keep buffers */

/* One thing a reload replaced; exactly one member is set. */
struct retired {
	struct calendar	*r_calendar;
	struct signer	*r_signer;
};

struct server {
	struct config	*s_cfg;
	struct store	*s_store;
	struct writer	*s_writer;
	struct replica	*s_replica;	/* NULL: a primary */
	SSL_CTX		*s_ssl;
	struct worker	*s_workers;
	int		 s_nworkers;
	atomic_uint	 s_nconns;	/* open connections, all workers */
	/* SIGHUP swaps s_ssl and the principals under this lock. */
	pthread_mutex_t	 s_reload_mtx;
	struct principal *s_retired;	/* old principals, still referenced */
	/* Old calendars and signing keys, read by other threads until exit. */
	struct retired	*s_old;
	size_t		 s_nold;
};

struct conn {
	struct worker		*c_worker;
	uint64_t		 c_id;		/* slot | generation << 32 */
	evutil_socket_t		 c_fd;
	SSL			*c_ssl;
	struct event		*c_rev;		/* readable, persistent */
	struct event		*c_wev;		/* writable, only while blocked */
	struct event		*c_deadline;	/* handshake, absolute */
	struct event		*c_turn;	/* work no socket announces */
	struct evbuffer		*c_in;		/* decrypted, not yet handled */
	struct evbuffer		*c_out;		/* answers not yet encrypted */
	struct slots		 c_slots;	/* answers owed, in order */
	unsigned		 c_writes;	/* writes at the writer */
	uint64_t		 c_req_start;	/* the request's start (metrics) */
	unsigned		 c_reqs;	/* requests this sweep tick */
	time_t			 c_last;	/* last progress, worker clock */
	int			 c_wlen;	/* length of a blocked SSL_write */
	char			 c_peer[INET6_ADDRSTRLEN + 8]; /* address:port */
	char			 c_principal[CFG_NAME_MAX];
	struct caller		 c_caller;
	unsigned		 c_ready:1;	/* handshake done */
	unsigned		 c_closing:1;	/* flush, then close */
	unsigned		 c_out_full:1;	/* unsent answers over the cap */
	unsigned		 c_more:1;	/* OpenSSL may hold more records */
	unsigned		 c_backlog:1;	/* frames left for the next turn */
	unsigned		 c_wev_on:1;	/* c_wev added */
	unsigned		 c_answered:1;	/* write results to send */
	/* A parked long poll (conn_wait.c); c_wait_req NULL when none. */
	msgpack_sbuffer		*c_wait_req;	/* the request, packed */
	int			 c_wait_slot;	/* its reply slot */
	uint64_t		 c_wait_since;	/* answered once the log passes */
	uint64_t		 c_wait_until;	/* ... or then (monotonic ms) */
};

struct worker {
	struct server		*w_srv;
	int			 w_index;
	pthread_t		 w_thread;
	struct event_base	*w_base;
	struct evconnlistener	*w_listener;
	struct event		*w_reply_ev;	/* write results ready */
	struct event		*w_stop_ev;
	struct event		*w_sweep_ev;	/* idle connections, 1 Hz */
	time_t			 w_now;		/* monotonic seconds, 1 Hz */
	pthread_mutex_t		 w_reply_mtx;
	struct write_result	*w_results;	/* FIFO, under w_reply_mtx */
	struct write_result	**w_results_tail;
	/* Connections by slot; ids carry a generation against reuse. */
	struct conn		**w_conns;
	uint32_t		*w_gens;
	uint32_t		 w_nslots;
	uint32_t		*w_free;
	uint32_t		 w_nfree;
	struct ops_env		 w_ops;		/* this worker's read snapshot */
	msgpack_sbuffer		 w_out;		/* the answer being packed */
	msgpack_sbuffer		 w_scratch;	/* answers the slots pack */
	msgpack_zone		 w_zone;	/* the request being handled */
	/*
	 * Connections with a parked long poll, and the event that checks
	 * them: on a tick for their deadlines, and when the writer commits.
	 * w_parked publishes w_nwaiting to the writer's thread.
	 */
	uint64_t		*w_waiting;
	uint32_t		 w_nwaiting;
	uint32_t		 w_waiting_cap;
	struct event		*w_wait_ev;
	atomic_uint		 w_parked;
};

/* listen.c */
/* How many workers the config asks for (0: one per core). */
int	 net_workers(const struct config *);
/*
 * Binds one SO_REUSEPORT listener per worker (the first bind fixes the
 * port when it is 0), writes port_file if given, starts the threads.
 */
int	 net_start(struct server *, const char *port_file);
/* Stops every worker (they close their connections) and joins it. */
void	 net_stop(struct server *);
/* Frees the stopped workers and any write results still queued. */
void	 net_free(struct server *);

/* conn_wait.c */
/*
 * The log grew (called on the writer's thread after a commit, arg the
 * server): every worker with a parked poll looks at it now.
 */
void	 net_log_grew(void *);

/* worker.c */
int	 worker_start(struct server *, struct worker *, int index,
	    struct evutil_addrinfo *);
int	 worker_run(struct worker *);
void	 worker_stop(struct worker *);
void	 worker_join(struct worker *);
void	 worker_free(struct worker *);
struct conn *worker_conn_lookup(struct worker *, uint64_t id);
/* The writer's route back: queues a result for its worker (any thread). */
void	 worker_post_result(struct write_result *);
/* Wakes the worker (arg) to answer the results posted to it. */
void	 worker_wake(void *);
/* Takes every queued result, oldest first (the worker's thread). */
struct write_result *worker_take_results(struct worker *);
int	 worker_conn_add(struct worker *, struct conn *);
void	 worker_conn_remove(struct worker *, struct conn *);

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
void	 conn_turn_cb(evutil_socket_t, short, void *);
void	 conn_write_cb(evutil_socket_t, short, void *);
/* Reads, handles and answers what the connection has; may free it. */
void	 conn_run(struct conn *);
/* Arms or disarms reading as backpressure allows. */
void	 conn_reading(struct conn *);
/* Waits for the socket to take more (on), or stops waiting. */
void	 conn_writable_wait(struct conn *, int on);
/* Queues a complete answer frame (prefix included); -1 out of memory. */
int	 conn_send_frame(struct conn *, const void *, size_t);
/* Encrypts and sends queued answers; -1 if the connection was freed. */
int	 conn_flush(struct conn *);

/* conn_req.c: requests and answers, no socket I/O (call conn_reading
 * and conn_flush after these). */
/* Handles the complete frames in c_in while backpressure allows. */
void	 conn_process(struct conn *);
/* A write's result arrived: answer its slot, resume held requests. */
void	 conn_write_result(struct conn *, const struct write_result *);
/* Runs op for msg; the answer is packed in the worker's w_out. */
enum op_status conn_run_op(struct conn *, const struct op_entry *,
	    const msgpack_object *, uint64_t id, int slot, struct fault *);
/* Sends the packed answer, or the error f, for slot (-1: none taken). */
void	 conn_answer(struct conn *, int slot, msgpack_sbuffer *);
void	 conn_answer_error(struct conn *, int slot, int has_id, uint64_t id,
	    const struct fault *);

/*
 * conn_wait.c: long polls. conn_park keeps a request that answered
 * OP_WAIT (taking a reply slot if it has none): 0, or -1 if the
 * connection has one parked already (or out of memory), and then the
 * caller answers it at once. worker_wait_tick answers the parked ones
 * whose log has grown or whose time is up, or all of them (force: the
 * server stops).
 */
int	 conn_park(struct conn *, const msgpack_object *, uint64_t id,
	    int *slot);
void	 worker_wait_tick(struct worker *, int force);
void	 conn_wait_free(struct conn *);
enum conn_drain {
	DRAIN_IDLE = 0,	/* nothing more to do */
	DRAIN_RESUMED,	/* held requests went on: c_out may hold answers */
	DRAIN_CLOSE	/* closing, and nothing is owed: close it */
};
/* Every queued answer has left c_out: what follows. */
enum conn_drain conn_drained(struct conn *);
/* Decrypted input is buffered up to about one frame (the input cap). */
size_t	 conn_input_cap(const struct conn *);
/*
 * Whether the connection may take more input: not closing, its answers
 * under the output cap, room for owed answers, input under its cap.
 */
int	 conn_wants_input(const struct conn *);

#endif
