/*
 * SIGHUP: certificates, CRL and principals are reloaded without
 * dropping connections (Redis style: build new, then swap).
 */
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "log.h"
#include "net.h"
#include "tls.h"

static int	 lists_equal(const struct config *, const struct config *);
static void	 swap_calendar(struct server *, struct config *);

/*
 * Deadlines are computed when read, so a new calendar corrects every
 * provisional one at once. Threads may be reading the old one: it is
 * kept until exit (a reload is rare, a calendar a few kilobytes).
 */
static void
swap_calendar(struct server *srv, struct config *cfg)
{
	struct calendar	**old;

	old = realloc(srv->s_old_cals, (srv->s_nold_cals + 1) *
	    sizeof(*old));
	if (old == NULL) {
		log_warnx("reload: out of memory; keeping the calendar");
		return;
	}
	srv->s_old_cals = old;
	old[srv->s_nold_cals++] = config_swap_calendar(srv->s_cfg,
	    cfg->calendar);
	cfg->calendar = NULL;
}

void
server_reload_init(struct server *srv)
{
	pthread_mutex_init(&srv->s_reload_mtx, NULL);
}

SSL *
server_ssl_new(struct server *srv)
{
	SSL	*ssl;

	pthread_mutex_lock(&srv->s_reload_mtx);
	ssl = SSL_new(srv->s_ssl);
	pthread_mutex_unlock(&srv->s_reload_mtx);
	return ssl;
}

const struct principal *
server_principal(struct server *srv, const char *name)
{
	const struct principal	*p;

	pthread_mutex_lock(&srv->s_reload_mtx);
	p = config_principal(srv->s_cfg, name);
	pthread_mutex_unlock(&srv->s_reload_mtx);
	return p;
}

/* Lists are baked into stored data and requests in flight: not reloaded. */
static int
lists_equal(const struct config *a, const struct config *b)
{
	int	 i;

	if (a->nlists != b->nlists)
		return 0;
	for (i = 0; i < a->nlists; i++)
		if (!config_list_equal(&a->lists[i], &b->lists[i]))
			return 0;
	return 1;
}

void
server_reload(struct server *srv, const char *path)
{
	struct config		*cfg;
	struct principal	*old, *last;
	SSL_CTX			*ctx, *old_ctx;
	char			 err[1024];

	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		return;
	}
	if (!lists_equal(cfg, srv->s_cfg))
		log_warnx("reload: list definitions changed; they take "
		    "effect only after a restart");
	if ((ctx = tls_ctx_new(cfg)) == NULL) {
		log_warnx("reload: TLS set-up failed; keeping the running "
		    "configuration");
		config_free(cfg);
		return;
	}
	pthread_mutex_lock(&srv->s_reload_mtx);
	old_ctx = srv->s_ssl;
	srv->s_ssl = ctx;
	old = srv->s_cfg->principals;
	srv->s_cfg->principals = cfg->principals;
	cfg->principals = NULL;
	memcpy(srv->s_cfg->ca_file, cfg->ca_file, sizeof(cfg->ca_file));
	memcpy(srv->s_cfg->cert_file, cfg->cert_file, sizeof(cfg->cert_file));
	memcpy(srv->s_cfg->key_file, cfg->key_file, sizeof(cfg->key_file));
	memcpy(srv->s_cfg->crl_file, cfg->crl_file, sizeof(cfg->crl_file));
	memcpy(srv->s_cfg->calendar_file, cfg->calendar_file,
	    sizeof(cfg->calendar_file));
	swap_calendar(srv, cfg);
	/* Connections still point at the old principals: retire them. */
	if (old != NULL) {
		for (last = old; last->p_next != NULL; last = last->p_next)
			;
		last->p_next = srv->s_retired;
		srv->s_retired = old;
	}
	pthread_mutex_unlock(&srv->s_reload_mtx);
	SSL_CTX_free(old_ctx);
	config_free(cfg);
	log_info("reload: certificates, CRL, principals and calendar "
	    "reloaded");
}

void
server_reload_free(struct server *srv)
{
	struct principal	*p, *next;

	for (p = srv->s_retired; p != NULL; p = next) {
		next = p->p_next;
		free(p);
	}
	srv->s_retired = NULL;
	while (srv->s_nold_cals > 0)
		calendar_free(srv->s_old_cals[--srv->s_nold_cals]);
	free(srv->s_old_cals);
	srv->s_old_cals = NULL;
	pthread_mutex_destroy(&srv->s_reload_mtx);
}
