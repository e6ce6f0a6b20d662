/*
 * SIGHUP: certificates, CRL, principals, the calendar and the signing key
 * are reloaded without dropping connections (Redis style: build new,
 * then swap).
 */
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "signer.h"
#include "log.h"
#include "net.h"
#include "tls.h"

static int	 lists_equal(const struct config *, const struct config *);
static int	 retire_room(struct server *, size_t);
static void	 retire(struct server *, struct calendar *, struct signer *);
static void	 swap_calendar_and_key(struct server *, struct config *);

/*
 * Makes room to keep n more things a reload replaces until exit: threads
 * may still be reading them (a reload is rare, a calendar or a key
 * small). 0, or -1 when out of memory.
 */
static int
retire_room(struct server *srv, size_t n)
{
	struct retired	*old;

	if ((old = realloc(srv->s_old, (srv->s_nold + n) *
	    sizeof(*old))) == NULL)
		return -1;
	srv->s_old = old;
	return 0;
}

/* Keeps one replaced thing, in room made by retire_room(). */
static void
retire(struct server *srv, struct calendar *cal, struct signer *sig)
{
	srv->s_old[srv->s_nold].r_calendar = cal;
	srv->s_old[srv->s_nold++].r_signer = sig;
}

/*
 * Deadlines are computed when read, so a new calendar corrects every
 * provisional one at once; checkpoints and answers are signed with the
 * new key from now on (its public key was recorded first).
 */
static void
swap_calendar_and_key(struct server *srv, struct config *cfg)
{
	if (retire_room(srv, 2) == -1) {
		log_warnx("reload: out of memory; keeping the calendar and "
		    "the signing key");
		return;
	}
	retire(srv, config_swap_calendar(srv->s_cfg, cfg->calendar), NULL);
	retire(srv, NULL, config_swap_signer(srv->s_cfg, cfg->signer));
	cfg->calendar = NULL;
	cfg->signer = NULL;
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
	/* A replica signs nothing: its keys are its primary's. */
	if (srv->s_replica == NULL &&
	    ops_keys_register(srv->s_store, cfg, err, sizeof(err)) != 0) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		config_free(cfg);
		return;
	}
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
	swap_calendar_and_key(srv, cfg);
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
	log_info("reload: certificates, CRL, principals, calendar and "
	    "signing key reloaded");
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
	while (srv->s_nold > 0) {
		srv->s_nold--;
		calendar_free(srv->s_old[srv->s_nold].r_calendar);
		signer_free(srv->s_old[srv->s_nold].r_signer);
	}
	free(srv->s_old);
	srv->s_old = NULL;
	pthread_mutex_destroy(&srv->s_reload_mtx);
}
