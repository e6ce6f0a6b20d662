/*
 * The workers' listeners: one SO_REUSEPORT socket per worker on the
 * same address, so the kernel spreads connections across them.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

static int	 write_port_file(const char *, const char *);
static int	 net_bind(struct server *, struct evutil_addrinfo *);

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

/* Binds every worker's listener; the first bind fixes a ":0" port. */
static int
net_bind(struct server *srv, struct evutil_addrinfo *ai)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	evutil_socket_t		 fd;
	int			 i;

	for (i = 0; i < srv->s_nworkers; i++) {
		if (worker_start(srv, &srv->s_workers[i], i, ai) == -1)
			return -1;
		if (i > 0)
			continue;
		fd = evconnlistener_get_fd(srv->s_workers[0].w_listener);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
			log_warn("getsockname");
			return -1;
		}
		/* Later workers bind the port the first one got. */
		memcpy(ai->ai_addr, &ss, ai->ai_addrlen);
		snprintf(srv->s_cfg->listen_port,
		    sizeof(srv->s_cfg->listen_port), "%u",
		    ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port));
	}
	return 0;
}

int
net_workers(const struct config *cfg)
{
	long	 ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	return cfg->workers > 0 ? cfg->workers : ncpu > 0 ? (int)ncpu : 1;
}

int
net_start(struct server *srv, const char *port_file)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	int			 i, rc;

	srv->s_nworkers = net_workers(srv->s_cfg);
	if ((srv->s_workers = calloc((size_t)srv->s_nworkers,
	    sizeof(*srv->s_workers))) == NULL) {
		log_warn("calloc");
		return -1;
	}
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
	rc = net_bind(srv, ai);
	evutil_freeaddrinfo(ai);
	if (rc == -1)
		return -1;
	if (port_file != NULL &&
	    write_port_file(port_file, srv->s_cfg->listen_port) == -1) {
		log_warn("port file %s", port_file);
		return -1;
	}
	/* The HTTPS listener's port beside it, as PORT_FILE.http. */
	if (port_file != NULL && srv->s_cfg->http_host[0] != '\0') {
		char	 path[1100];

		if ((size_t)snprintf(path, sizeof(path), "%s.http",
		    port_file) >= sizeof(path) || write_port_file(path,
		    srv->s_cfg->http_port) == -1) {
			log_warn("port file %s.http", port_file);
			return -1;
		}
	}
	for (i = 0; i < srv->s_nworkers; i++)
		if (worker_run(&srv->s_workers[i]) == -1)
			return -1;
	return 0;
}

void
net_stop(struct server *srv)
{
	int	 i;

	for (i = 0; i < srv->s_nworkers; i++)
		if (srv->s_workers[i].w_base != NULL &&
		    srv->s_workers[i].w_thread != 0) {
			worker_stop(&srv->s_workers[i]);
			worker_join(&srv->s_workers[i]);
		}
}

void
net_free(struct server *srv)
{
	int	 i;

	for (i = 0; i < srv->s_nworkers; i++)
		worker_free(&srv->s_workers[i]);
	free(srv->s_workers);
	srv->s_workers = NULL;
}
