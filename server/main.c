/*
 * qcregd: start-up, signals and orderly shutdown.
 */
#include <errno.h>
#include <event2/thread.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "tls.h"
#include "writer.h"

static void	 usage(void) __attribute__((noreturn));
static int	 write_port_file(const char *, const char *);
static int	 start_workers(struct server *, const char *);
static void	 signal_cb(evutil_socket_t, short, void *);
static void	 hup_cb(evutil_socket_t, short, void *);

struct hup_arg {
	struct server	*srv;
	const char	*path;
};

static void
usage(void)
{
	fprintf(stderr, "usage: qcregd --config FILE [--listen HOST:PORT] "
	    "[--data DIR]\n"
	    "              [--port-file FILE] [--check-config] [--debug]\n");
	exit(2);
}

/* Writes the bound port to path atomically (tests listen on port 0). */
static int
write_port_file(const char *path, const char *port)
{
	char	 tmp[1100];
	FILE	*f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp) ||
	    (f = fopen(tmp, "w")) == NULL)
		return -1;
	if (fprintf(f, "%s\n", port) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) == -1)
		return -1;
	return 0;
}

/*
 * Binds one SO_REUSEPORT listener per worker on the same address (the
 * first bind fixes the port when it is 0), then starts their threads.
 */
static int
start_workers(struct server *srv, const char *port_file)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	evutil_socket_t		 fd;
	int			 i, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICSERV;
	if ((rc = evutil_getaddrinfo(srv->s_cfg->listen_host,
	    srv->s_cfg->listen_port, &hints, &ai)) != 0) {
		log_warnx("listen %s: %s", srv->s_cfg->listen_host,
		    evutil_gai_strerror(rc));
		return -1;
	}
	for (i = 0; i < srv->s_nworkers; i++) {
		if (worker_start(srv, &srv->s_workers[i], i, ai) == -1)
			goto fail;
		if (i == 0) {
			fd = evconnlistener_get_fd(
			    srv->s_workers[0].w_listener);
			if (getsockname(fd, (struct sockaddr *)&ss,
			    &len) == -1) {
				log_warn("getsockname");
				goto fail;
			}
			/* Later workers bind the port the first one got. */
			memcpy(ai->ai_addr, &ss, ai->ai_addrlen);
			snprintf(srv->s_cfg->listen_port,
			    sizeof(srv->s_cfg->listen_port), "%u",
			    ntohs(ss.ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)&ss)->sin6_port :
			    ((struct sockaddr_in *)&ss)->sin_port));
		}
	}
	evutil_freeaddrinfo(ai);
	if (port_file != NULL &&
	    write_port_file(port_file, srv->s_cfg->listen_port) == -1) {
		log_warn("port file %s", port_file);
		return -1;
	}
	for (i = 0; i < srv->s_nworkers; i++)
		if (worker_run(&srv->s_workers[i]) == -1)
			return -1;
	return 0;
fail:
	evutil_freeaddrinfo(ai);
	return -1;
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

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct server		 srv;
	struct event_base	*base;
	struct event		*sigs[3];
	struct hup_arg		 hup;
	const char		*cfg_path = NULL, *listen = NULL, *data = NULL;
	const char		*port_file = NULL;
	char			 err[1024];
	int			 ch, check_only = 0, debug = 0, i, started = 0;
	sigset_t		 all, old;
	long			 ncpu;

	while ((ch = getopt_long(argc, argv, "c:l:d:p:nD", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': cfg_path = optarg; break;
		case 'l': listen = optarg; break;
		case 'd': data = optarg; break;
		case 'p': port_file = optarg; break;
		case 'n': check_only = 1; break;
		case 'D': debug = 1; break;
		default: usage();
		}
	}
	if (cfg_path == NULL || optind != argc)
		usage();
	log_init(debug);
	memset(&srv, 0, sizeof(srv));
	if ((srv.s_cfg = config_load(cfg_path, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (listen != NULL && config_set_listen(srv.s_cfg, listen) == -1)
		fatalx("--listen: expected HOST:PORT");
	if (data != NULL) {
		if (strlen(data) >= sizeof(srv.s_cfg->data_dir))
			fatalx("--data: path too long");
		strcpy(srv.s_cfg->data_dir, data);
	}
	if (check_only) {
		printf("configuration OK\n");
		config_free(srv.s_cfg);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	server_reload_init(&srv);
	if (evthread_use_pthreads() == -1)
		fatalx("libevent threads");
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	srv.s_nworkers = srv.s_cfg->workers > 0 ? srv.s_cfg->workers :
	    ncpu > 0 ? (int)ncpu : 1;
	if (store_open(&srv.s_store, srv.s_cfg->data_dir, srv.s_cfg->map_size,
	    (unsigned)srv.s_nworkers + 32) == -1)
		fatalx("cannot open the data directory %s",
		    srv.s_cfg->data_dir);
	if ((srv.s_ssl = tls_ctx_new(srv.s_cfg)) == NULL)
		fatalx("cannot set up TLS");
	if ((srv.s_workers = calloc((size_t)srv.s_nworkers,
	    sizeof(*srv.s_workers))) == NULL)
		fatal("calloc");
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");

	/* Threads start with every signal blocked; main handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if ((srv.s_writer = writer_start(&srv)) != NULL &&
	    start_workers(&srv, port_file) == 0)
		started = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (started) {
		sigs[0] = evsignal_new(base, SIGTERM, signal_cb, base);
		sigs[1] = evsignal_new(base, SIGINT, signal_cb, base);
		hup.srv = &srv;
		hup.path = cfg_path;
		sigs[2] = evsignal_new(base, SIGHUP, hup_cb, &hup);
		for (i = 0; i < 3; i++)
			if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
				fatalx("cannot set up signal handling");
		log_info("listening on %s:%s with %d workers, data in %s",
		    srv.s_cfg->listen_host, srv.s_cfg->listen_port,
		    srv.s_nworkers, srv.s_cfg->data_dir);
		event_base_dispatch(base);
		for (i = 0; i < 3; i++)
			event_free(sigs[i]);
	}

	/*
	 * Stop the workers (they close their connections), then the writer
	 * (it commits what is queued), then free what they used.
	 */
	for (i = 0; i < srv.s_nworkers; i++)
		if (srv.s_workers[i].w_base != NULL &&
		    srv.s_workers[i].w_thread != 0) {
			worker_stop(&srv.s_workers[i]);
			worker_join(&srv.s_workers[i]);
		}
	if (srv.s_writer != NULL)
		writer_stop(srv.s_writer);
	for (i = 0; i < srv.s_nworkers; i++)
		worker_free(&srv.s_workers[i]);
	free(srv.s_workers);
	event_base_free(base);
	SSL_CTX_free(srv.s_ssl);
	store_close(&srv.s_store);
	config_free(srv.s_cfg);
	server_reload_free(&srv);
	libevent_global_shutdown();
	if (!started)
		fatalx("start-up failed");
	log_info("stopped");
	return 0;
}
