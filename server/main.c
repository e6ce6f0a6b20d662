/*
 * qcregd: start-up, signals and orderly shutdown.
 *
 * The parts, in the order they start: the config (common/), the store
 * and the writer thread (db/), the TLS context and the I/O workers
 * (net/), which hand requests to the ops (ops/).
 */
#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "date.h"
#include "follower.h"
#include "log.h"
#include "audit.h"
#include "http.h"
#include "metrics_http.h"
#include "migrate.h"
#include "names.h"
#include "restore.h"
#include "net.h"
#include "replica.h"
#include "store.h"
#include "tls.h"
#include "writer.h"

struct options {
	const char	*cfg_path;
	const char	*listen;
	const char	*http_listen;
	const char	*data;
	const char	*port_file;
	const char	*replica_of;
	int		 check_only;
	int		 migrate;
	int		 reindex;
	const char	*restore;
	int		 force;
	int		 debug;
};

struct hup_arg {
	struct server	*srv;
	const char	*path;
};

static void	 usage(void) __attribute__((noreturn));
static void	 parse_options(int, char *[], struct options *);
static struct config *load_config(const struct options *);
static int	 migrate(const struct options *);
static int	 reindex(const char *, uint64_t, uint64_t);
static int	 start(struct server *, struct store *, const char *,
		    sigset_t *, struct follower **);
static void	 serve(struct server *, const char *, const sigset_t *);
static void	 signal_cb(evutil_socket_t, short, void *);
static void	 hup_cb(evutil_socket_t, short, void *);

static void
usage(void)
{
	fprintf(stderr, "usage: qcregd --config FILE [--listen HOST:PORT] "
	    "[--http-listen HOST:PORT] [--data DIR]\n"
	    "              [--replica-of HOST:PORT] [--port-file FILE]\n"
	    "              [--check-config] [--debug]\n"
	    "       qcregd --migrate --data DIR [--config FILE] [--debug]\n"
	    "       qcregd --reindex --data DIR [--config FILE] [--debug]\n"
	    "       qcregd --restore FILE --data DIR [--config FILE] [--force] "
	    "[--debug]\n");
	exit(2);
}

static void
parse_options(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "http-listen", required_argument, NULL, 'H' },
		{ "data", required_argument, NULL, 'd' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "migrate", no_argument, NULL, 'M' },
		{ "reindex", no_argument, NULL, 'I' },
		{ "restore", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "replica-of", required_argument, NULL, 'R' },
		{ "debug", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "c:l:H:d:p:nMIr:fDR:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': o->cfg_path = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'H': o->http_listen = optarg; break;
		case 'd': o->data = optarg; break;
		case 'p': o->port_file = optarg; break;
		case 'n': o->check_only = 1; break;
		case 'M': o->migrate = 1; break;
		case 'I': o->reindex = 1; break;
		case 'r': o->restore = optarg; break;
		case 'f': o->force = 1; break;
		case 'R': o->replica_of = optarg; break;
		case 'D': o->debug = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	/*
	 * --migrate, --reindex and --restore take the directory from --data
	 * or the config; --force goes with --restore only.
	 */
	if (o->migrate + o->reindex + (o->restore != NULL) > 1 ||
	    (o->force && o->restore == NULL))
		usage();
	if (o->migrate || o->reindex || o->restore != NULL ? o->check_only || o->listen != NULL ||
	    o->port_file != NULL || (o->data == NULL && o->cfg_path == NULL) :
	    o->cfg_path == NULL)
		usage();
}

/* The working-day calendar loaded with the config: its holes are worth a warning. */
static void
check_calendar(const struct config *cfg)
{
	const struct calendar *cal = config_calendar(cfg);
	char		 date[QC_DATE_LEN + 1];
	int32_t		 today = qc_date_today(time(NULL), cfg->utc_offset);

	if (cal == NULL)
		return;
	qc_date_format(today, date);
	if (!calendar_covers(cal, atoi(date)))
		log_warnx("calendar %s does not cover this year: deadlines "
		    "count weekdays only", cfg->calendar_file);
	else if (calendar_next_year_missing(cal, today))
		log_warnx("calendar %s does not cover next year yet",
		    cfg->calendar_file);
}

/* The config file with the command line's overrides. */
static struct config *
load_config(const struct options *o)
{
	struct config	*cfg;
	char		 err[1024];

	if ((cfg = config_load(o->cfg_path, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (o->listen != NULL && config_set_listen(cfg, o->listen) == -1)
		fatalx("--listen: expected HOST:PORT");
	if (o->http_listen != NULL &&
	    config_set_http_listen(cfg, o->http_listen) == -1)
		fatalx("--http-listen: expected HOST:PORT");
	if (o->data != NULL) {
		if (strlen(o->data) >= sizeof(cfg->data_dir))
			fatalx("--data: path too long");
		strcpy(cfg->data_dir, o->data);
	}
	if (o->replica_of != NULL &&
	    config_set_replica_of(cfg, o->replica_of) == -1)
		fatalx("--replica-of: expected HOST:PORT");
	if (cfg->replica_of[0] != '\0' && (cfg->replica_cert[0] == '\0' ||
	    cfg->replica_key[0] == '\0'))
		fatalx("a replica needs replica_cert and replica_key in "
		    "[server]: the certificate it presents to its primary");
	check_calendar(cfg);
	return cfg;
}

/*
 * Builds the name index of the store in dir again (qcregd --reindex, and
 * after a migration). Returns 0 or -1 (logged).
 */
static int
reindex(const char *dir, uint64_t map_size, uint64_t map_max)
{
	struct store	 st;
	int		 rc;

	if (store_open(&st, dir, map_size, 8) == -1)
		return -1;
	rc = names_reindex(&st, map_max);
	store_close(&st);
	return rc;
}

/*
 * --migrate, --reindex and --restore: convert the data directory (--data,
 * else the config's) in place, build its name index again (a migration
 * builds it too), or put a backup in place. Without a config the map may
 * grow to map_max_mb's default. Returns the exit status.
 */
static int
migrate(const struct options *o)
{
	struct config	*cfg = NULL;
	const char	*dir = o->data;
	uint64_t	 map_size = CFG_MAP_SIZE_DEFAULT;
	uint64_t	 map_max = CFG_MAP_MAX_DEFAULT;
	int		 rc = 0;

	if (o->cfg_path != NULL) {
		cfg = load_config(o);
		dir = cfg->data_dir;
		map_size = cfg->map_size;
		map_max = cfg->map_max;
	}
	if (o->restore != NULL)
		rc = restore_run(o->restore, dir, o->force, map_size);
	else {
		if (o->migrate)
			rc = migrate_run(dir, map_max);
		if (rc == 0)
			rc = reindex(dir, map_size, map_max);
	}
	config_free(cfg);
	return rc == 0 ? 0 : 1;
}

/*
 * The store, the TLS context, the writer and the workers. Threads start
 * with every signal blocked: the main thread handles them, and keeps
 * them blocked (old gets the mask to restore) until serve has its
 * handlers: a SIGTERM as soon as the port file exists must stop cleanly.
 */
static int
start(struct server *srv, struct store *st, const char *port_file,
    sigset_t *old, struct follower **follower)
{
	sigset_t	 all;
	char		 err[512], dir[1100];
	int		 rc = -1;

	if (store_open(st, srv->s_cfg->data_dir, srv->s_cfg->map_size,
	    (unsigned)net_workers(srv->s_cfg) + 32) == -1)
		fatalx("cannot open the data directory %s",
		    srv->s_cfg->data_dir);
	srv->s_store = st;
	/* A replica signs nothing: it lists the primary's keys. */
	if (srv->s_cfg->replica_of[0] != '\0') {
		if ((srv->s_replica = replica_new(srv->s_cfg->replica_of)) ==
		    NULL)
			fatalx("out of memory");
	} else if (ops_keys_register(st, srv->s_cfg, err, sizeof(err)) != 0)
		fatalx("signing key: %s", err);
	if ((srv->s_ssl = tls_ctx_new(srv->s_cfg)) == NULL)
		fatalx("cannot set up TLS");
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	/* Its thread, as every other, starts with the signals blocked. */
	config_audit_dir(srv->s_cfg, dir, sizeof(dir));
	if ((st->s_audit = audit_open(dir, CFG_AUDIT_MAP_SIZE,
	    srv->s_cfg->map_max, srv->s_cfg->audit_days)) == NULL)
		fatalx("cannot open the audit store %s", dir);
	if ((srv->s_writer = writer_start(st, srv->s_cfg)) == NULL ||
	    net_start(srv, port_file) != 0)
		return -1;
	/* Long polls are answered as soon as the log grows. */
	writer_on_commit(srv->s_writer, net_log_grew, srv);
	if (srv->s_replica == NULL || (*follower = follower_start(srv->s_cfg,
	    st, srv->s_writer, srv->s_replica)) != NULL)
		rc = 0;
	return rc;
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(arg);
}

static void
hup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct hup_arg	*h = arg;

	(void)sig;
	(void)what;
	log_info("SIGHUP: reloading %s", h->path);
	server_reload(h->srv, h->path);
}

/* Runs until SIGTERM or SIGINT; SIGHUP reloads. */
static void
serve(struct server *srv, const char *cfg_path, const sigset_t *old)
{
	struct event_base	*base;
	struct event		*sigs[3];
	struct hup_arg		 hup = { srv, cfg_path };
	struct metrics_http	*mh = NULL;
	int			 i;

	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if (srv->s_cfg->metrics_host[0] != '\0' &&
	    (mh = metrics_http_start(base, srv)) == NULL)
		fatalx("metrics_listen: cannot serve /metrics");
	sigs[0] = evsignal_new(base, SIGTERM, signal_cb, base);
	sigs[1] = evsignal_new(base, SIGINT, signal_cb, base);
	sigs[2] = evsignal_new(base, SIGHUP, hup_cb, &hup);
	for (i = 0; i < 3; i++)
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
			fatalx("cannot set up signal handling");
	/* A signal that came during start-up is delivered now. */
	pthread_sigmask(SIG_SETMASK, old, NULL);
	log_info("listening on %s:%s with %d workers, data in %s",
	    srv->s_cfg->listen_host, srv->s_cfg->listen_port,
	    srv->s_nworkers, srv->s_cfg->data_dir);
	event_base_dispatch(base);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	metrics_http_free(mh);
	event_base_free(base);
}

int
main(int argc, char *argv[])
{
	struct options	 opt;
	struct server	 srv;
	struct store	 st;
	struct follower	*follower = NULL;
	sigset_t	 mask;
	int		 started;

	parse_options(argc, argv, &opt);
	log_init(opt.debug);
	if (opt.migrate || opt.reindex || opt.restore != NULL)
		return migrate(&opt);
	memset(&srv, 0, sizeof(srv));
	srv.s_cfg = load_config(&opt);
	if (opt.check_only) {
		printf("configuration OK\n");
		config_free(srv.s_cfg);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	server_reload_init(&srv);
	srv.s_front = &http_front_ops;
	if (evthread_use_pthreads() == -1)
		fatalx("libevent threads");
	if ((started = start(&srv, &st, opt.port_file, &mask,
	    &follower) == 0))
		serve(&srv, opt.cfg_path, &mask);
	else
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
	/*
	 * The follower stops applying; workers close their connections;
	 * the writer commits its queue.
	 */
	follower_stop(follower);
	if (srv.s_writer != NULL)
		writer_on_commit(srv.s_writer, NULL, NULL);
	net_stop(&srv);
	if (srv.s_writer != NULL)
		writer_stop(srv.s_writer);
	net_free(&srv);
	SSL_CTX_free(srv.s_ssl);
	/* Workers are gone: the audit commits what they queued. */
	audit_close(st.s_audit);
	store_close(&st);
	config_free(srv.s_cfg);
	server_reload_free(&srv);
	replica_free(srv.s_replica);
	libevent_global_shutdown();
	if (!started)
		fatalx("start-up failed");
	log_info("stopped");
	return 0;
}
