/*
 * INI configuration: [server], [limits], [list NAME] and [principal CN]
 * sections, parsed with inih, then checked as a whole.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "signer.h"
#include "config_parse.h"
#include "regions.h"
#include "date.h"
#include "subject.h"
#include "utf8.h"

static int	 config_handler(void *, const char *, const char *,
		    const char *);
static int	 parse_server(struct parse_state *, const char *,
		    const char *);
static int	 parse_limits(struct parse_state *, const char *,
		    const char *);
static int	 parse_principal(struct parse_state *, struct principal *,
		    const char *, const char *);
static int	 config_check(struct config *, char *, size_t);
static void	 config_defaults(struct config *);

static const char *role_names[] = {
	"none", "platform", "agency", "regulator", "admin", "replica"
};
static const char *field_type_names[] = { "text", "enum", "int", "date" };

unsigned
config_all_lists(const struct config *cfg)
{
	/* A shift by 32 is undefined. */
	return cfg->nlists >= 32 ? ~0u : (1u << cfg->nlists) - 1;
}

const char *
config_role_name(enum role r)
{
	return role_names[r];
}

/*
 * HOST:PORT ([HOST]:PORT for an IPv6 address) into host and port, each
 * NUL-terminated: 0, or -1 if s is not one or a part is too long.
 */
static int
hostport_split(const char *s, char *host, size_t hcap, char *port,
    size_t pcap)
{
	const char	*colon;
	size_t		 hlen;

	if (*s == '[') {
		colon = strstr(s, "]:");
		if (colon == NULL)
			return -1;
		s++;
		hlen = (size_t)(colon - s);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= hcap ||
	    strlen(colon + 1) == 0 || strlen(colon + 1) >= pcap ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strtoul(colon + 1, NULL, 10) > 65535)
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

int
config_set_replica_of(struct config *cfg, const char *hostport)
{
	if (strlen(hostport) >= sizeof(cfg->replica_of) ||
	    hostport_split(hostport, cfg->replica_host,
	    sizeof(cfg->replica_host), cfg->replica_port,
	    sizeof(cfg->replica_port)) == -1 ||
	    strtoul(cfg->replica_port, NULL, 10) == 0)
		return -1;
	strcpy(cfg->replica_of, hostport);
	return 0;
}

const char *
config_field_type_name(enum field_type t)
{
	return field_type_names[t];
}

/* Records the first error; inih reports the line of the first failure. */
int
config_fail(struct parse_state *ps, const char *fmt, ...)
{
	va_list	 ap;

	if (!ps->err_set) {
		va_start(ap, fmt);
		vsnprintf(ps->err, sizeof(ps->err), fmt, ap);
		va_end(ap);
		ps->err_set = 1;
	}
	return 0;
}

int
config_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
config_parse_i64(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	if (*s != '-' && !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Names are 1..63 of [a-z0-9_.-] (lists, fields, CNs). */
int
config_copy_name(char *dst, const char *src)
{
	size_t	 i, n = strlen(src);

	if (n == 0 || n >= CFG_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (!islower((unsigned char)src[i]) &&
		    !isdigit((unsigned char)src[i]) &&
		    strchr("_.-", src[i]) == NULL)
			return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

/* A directory of the config, or the data directory with suffix. */
static const char *
dir_or_data(const struct config *cfg, const char *dir, const char *suffix,
    char *out, size_t len)
{
	if (dir[0] != '\0')
		snprintf(out, len, "%s", dir);
	else
		snprintf(out, len, "%s%s", cfg->data_dir, suffix);
	return out;
}

const char *
config_audit_dir(const struct config *cfg, char *out, size_t len)
{
	return dir_or_data(cfg, cfg->audit_dir, "/audit", out, len);
}

const char *
config_backup_dir(const struct config *cfg, char *out, size_t len)
{
	return dir_or_data(cfg, cfg->backup_dir, "-backups", out, len);
}

int
config_set_http_listen(struct config *cfg, const char *s)
{
	return hostport_split(s, cfg->http_host, sizeof(cfg->http_host),
	    cfg->http_port, sizeof(cfg->http_port));
}

int
config_set_listen(struct config *cfg, const char *s)
{
	return hostport_split(s, cfg->listen_host, sizeof(cfg->listen_host),
	    cfg->listen_port, sizeof(cfg->listen_port));
}

#define PATH_KEY(k, field)						\
	if (strcmp(name, k) == 0) {					\
		if (strlen(value) >= sizeof(cfg->field))		\
			return config_fail(ps, "%s: path too long", name);	\
		strcpy(cfg->field, value);				\
		return 1;						\
	}

static int
parse_server(struct parse_state *ps, const char *name, const char *value)
{
	struct config	*cfg = ps->cfg;
	uint64_t	 v;

	PATH_KEY("data", data_dir);
	PATH_KEY("backup_dir", backup_dir);
	PATH_KEY("audit_dir", audit_dir);
	PATH_KEY("console", console_dir);
	if (strcmp(name, "audit_days") == 0) {
		if (config_parse_u64(value, 180, 36500, &v) == -1)
			return config_fail(ps, "audit_days: 180 (six months, "
			    "the least the law allows) to 36500");
		cfg->audit_days = (uint32_t)v;
		return 1;
	}
	PATH_KEY("ca", ca_file);
	PATH_KEY("cert", cert_file);
	PATH_KEY("key", key_file);
	PATH_KEY("crl", crl_file);
	PATH_KEY("calendar", calendar_file);
	PATH_KEY("regions", regions_file);
	PATH_KEY("signing_key", signing_key_file);
	PATH_KEY("replica_cert", replica_cert);
	PATH_KEY("replica_key", replica_key);
	if (strcmp(name, "replica_of") == 0) {
		if (config_set_replica_of(cfg, value) == -1)
			return config_fail(ps, "replica_of: expected HOST:PORT");
		return 1;
	}
	if (strcmp(name, "signing_key_id") == 0 ||
	    strcmp(name, "origin") == 0) {
		char	*to = name[0] == 'o' ? cfg->origin :
			    cfg->signing_key_id;
		size_t	 max = name[0] == 'o' ? QC_ORIGIN_MAX : QC_KEY_ID_MAX;

		/* Both are part of signed text: one line of UTF-8. */
		if (value[0] == '\0' || strlen(value) > max ||
		    strchr(value, '\n') != NULL ||
		    !qc_utf8_valid(value, strlen(value)))
			return config_fail(ps, "%s: 1 to %zu bytes of UTF-8 "
			    "on one line", name, max);
		strcpy(to, value);
		return 1;
	}
	if (strcmp(name, "http_listen") == 0) {
		if (config_set_http_listen(cfg, value) == -1)
			return config_fail(ps, "http_listen: expected "
			    "HOST:PORT");
		return 1;
	}
	if (strcmp(name, "metrics_listen") == 0) {
		if (hostport_split(value, cfg->metrics_host,
		    sizeof(cfg->metrics_host), cfg->metrics_port,
		    sizeof(cfg->metrics_port)) == -1)
			return config_fail(ps, "metrics_listen: expected "
			    "HOST:PORT");
		/* Plain HTTP without authentication: this host only. */
		if (strncmp(cfg->metrics_host, "127.", 4) != 0 &&
		    strcmp(cfg->metrics_host, "::1") != 0 &&
		    strcmp(cfg->metrics_host, "localhost") != 0)
			return config_fail(ps, "metrics_listen: a loopback "
			    "address only (127.x.x.x, ::1 or localhost)");
		return 1;
	}
	if (strcmp(name, "listen") == 0) {
		if (config_set_listen(cfg, value) == -1)
			return config_fail(ps, "listen: expected HOST:PORT");
		return 1;
	}
	if (strcmp(name, "timezone") == 0) {
		if (qc_tz_parse(value, &cfg->utc_offset) == -1)
			return config_fail(ps, "timezone: expected an offset "
			    "like +08:00");
		return 1;
	}
	if (strcmp(name, "workers") == 0) {
		if (config_parse_u64(value, 0, 256, &v) == -1)
			return config_fail(ps, "workers: expected 0..256");
		cfg->workers = (int)v;
		return 1;
	}
	if (strcmp(name, "map_size_mb") == 0 ||
	    strcmp(name, "map_max_mb") == 0) {
		if (config_parse_u64(value, 1, 1024 * 1024, &v) == -1)
			return config_fail(ps, "%s: expected 1..1048576", name);
		if (name[4] == 's')
			cfg->map_size = v * 1024 * 1024;
		else
			cfg->map_max = v * 1024 * 1024;
		return 1;
	}
	return config_fail(ps, "unknown key '%s' in [server]", name);
}

#undef PATH_KEY

static int
parse_limits(struct parse_state *ps, const char *name, const char *value)
{
	struct limits	*lim = &ps->cfg->limits;
	uint64_t	 v;
	const struct {
		const char	*name;
		uint64_t	 min, max;
	} keys[] = {
		{ "max_frame", 64, 64 * 1024 * 1024 },
		{ "max_batch", 1, 100000 },
		{ "max_limit", 1, 100000 },
		{ "max_connections", 1, 1000000 },
		{ "handshake_timeout", 1, 3600 },
		{ "idle_timeout", 1, 86400 },
		{ "output_cap", 65536, 1024 * 1024 * 1024 },
		{ "max_text", 16, 65536 },
	};
	size_t		 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(name, keys[i].name) != 0)
			continue;
		if (config_parse_u64(value, keys[i].min, keys[i].max, &v) == -1)
			return config_fail(ps, "%s: expected %llu..%llu", name,
			    (unsigned long long)keys[i].min,
			    (unsigned long long)keys[i].max);
		switch (i) {
		case 0: lim->max_frame = (uint32_t)v; break;
		case 1: lim->max_batch = (uint32_t)v; break;
		case 2: lim->max_limit = (uint32_t)v; break;
		case 3: lim->max_connections = (uint32_t)v; break;
		case 4: lim->handshake_timeout = (uint32_t)v; break;
		case 5: lim->idle_timeout = (uint32_t)v; break;
		case 6: lim->output_cap = v; break;
		default: lim->max_text = v; break;
		}
		return 1;
	}
	return config_fail(ps, "unknown key '%s' in [limits]", name);
}

static int
parse_principal(struct parse_state *ps, struct principal *p,
    const char *name, const char *value)
{
	char	 buf[1024], *tok, *save = NULL;
	int	 r, li;

	if (strcmp(name, "role") == 0) {
		for (r = ROLE_PLATFORM; r <= ROLE_REPLICA; r++)
			if (strcmp(value, role_names[r]) == 0)
				break;
		if (r > ROLE_REPLICA)
			return config_fail(ps, "role: expected platform, agency, "
			    "regulator, admin or replica");
		p->p_role = (enum role)r;
		return 1;
	}
	if (strcmp(name, "writes") == 0) {
		if (strlen(value) >= sizeof(buf))
			return config_fail(ps, "writes: too long");
		strcpy(buf, value);
		for (tok = strtok_r(buf, " ,", &save); tok != NULL;
		    tok = strtok_r(NULL, " ,", &save)) {
			li = config_list_index(ps->cfg, tok, strlen(tok));
			if (li == -1)
				return config_fail(ps, "writes: no list '%s' "
				    "defined above", tok);
			p->p_writes |= 1u << li;
		}
		return 1;
	}
	if (strcmp(name, "requests_per_second") == 0 ||
	    strcmp(name, "subjects_per_second") == 0 ||
	    strcmp(name, "burst_seconds") == 0) {
		uint64_t	 v;

		if (config_parse_u64(value, name[0] == 'b' ? 1 : 0,
		    name[0] == 'b' ? 3600 : 100000000, &v) == -1)
			return config_fail(ps, "%s: expected %s", name,
			    name[0] == 'b' ? "1 to 3600 seconds" :
			    "0 (no quota) to 100000000");
		if (name[0] == 'r')
			p->p_req_rate = (uint32_t)v;
		else if (name[0] == 's')
			p->p_subj_rate = (uint32_t)v;
		else
			p->p_burst = (uint32_t)v;
		return 1;
	}
	return config_fail(ps, "unknown key '%s' in [principal %s]", name,
	    p->p_name);
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse_state *ps = user;
	struct config	*cfg = ps->cfg;
	struct list_def	*l;
	struct principal *p;
	const char	*arg;

	if (ps->err_set)
		return 0;
	if (strcmp(section, "server") == 0)
		return parse_server(ps, name, value);
	if (strcmp(section, "limits") == 0)
		return parse_limits(ps, name, value);
	if (strncmp(section, "list ", 5) == 0) {
		arg = section + 5;
		l = cfg->nlists > 0 ? &cfg->lists[cfg->nlists - 1] : NULL;
		if (l == NULL || strcmp(l->l_name, arg) != 0) {
			if (config_list_index(cfg, arg, strlen(arg)) != -1)
				return config_fail(ps, "list '%s' defined twice",
				    arg);
			if (cfg->nlists == CFG_MAX_LISTS)
				return config_fail(ps, "too many lists (max %d)",
				    CFG_MAX_LISTS);
			l = &cfg->lists[cfg->nlists];
			memset(l, 0, sizeof(*l));
			l->l_start = l->l_end = l->l_grade = -1;
			l->l_type = LT_BLACKLIST;
			if (config_copy_name(l->l_name, arg) == -1)
				return config_fail(ps, "list name '%s': expected "
				    "[a-z0-9_.-]", arg);
			cfg->nlists++;
		}
		return config_parse_list(ps, l, name, value);
	}
	if (strncmp(section, "principal ", 10) == 0) {
		arg = section + 10;
		p = cfg->principals;
		if (p == NULL || strcmp(p->p_name, arg) != 0) {
			if (config_principal(cfg, arg) != NULL)
				return config_fail(ps, "principal '%s' defined "
				    "twice", arg);
			if ((p = calloc(1, sizeof(*p))) == NULL)
				return config_fail(ps, "out of memory");
			if (strlen(arg) == 0 || strlen(arg) >= CFG_NAME_MAX) {
				free(p);
				return config_fail(ps, "principal name: 1..63 "
				    "bytes");
			}
			strcpy(p->p_name, arg);
			p->p_next = cfg->principals;
			cfg->principals = p;
		}
		return parse_principal(ps, p, name, value);
	}
	return config_fail(ps, "unknown section [%s]", section);
}

static void
config_defaults(struct config *cfg)
{
	strcpy(cfg->listen_host, "127.0.0.1");
	strcpy(cfg->listen_port, "7443");
	strcpy(cfg->data_dir, "data");
	cfg->utc_offset = 8 * 60;
	cfg->map_size = CFG_MAP_SIZE_DEFAULT;
	cfg->audit_days = 180;
	strcpy(cfg->console_dir, "server/console");
	cfg->map_max = CFG_MAP_MAX_DEFAULT;
	strcpy(cfg->origin, "qcreg");
	cfg->limits.max_frame = 1024 * 1024;
	cfg->limits.max_batch = 1000;
	cfg->limits.max_limit = 1000;
	cfg->limits.max_connections = 10000;
	cfg->limits.handshake_timeout = 10;
	cfg->limits.idle_timeout = 300;
	cfg->limits.output_cap = 4 * 1024 * 1024;
	cfg->limits.max_text = 1024;
}

/* Whole-config checks that no single line can decide. */
static int
config_check(struct config *cfg, char *err, size_t errlen)
{
	const struct principal	*p;
	int			 i;

	if (cfg->ca_file[0] == '\0' || cfg->cert_file[0] == '\0' ||
	    cfg->key_file[0] == '\0') {
		snprintf(err, errlen, "[server] needs ca, cert and key");
		return -1;
	}
	if (cfg->map_max < cfg->map_size) {
		snprintf(err, errlen, "map_max_mb is below map_size_mb");
		return -1;
	}
	if (cfg->nlists == 0) {
		snprintf(err, errlen, "no [list NAME] section");
		return -1;
	}
	for (i = 0; i < cfg->nlists; i++)
		if (config_check_list(cfg, &cfg->lists[i], err, errlen) == -1)
			return -1;
	for (p = cfg->principals; p != NULL; p = p->p_next) {
		if (p->p_role == ROLE_NONE) {
			snprintf(err, errlen, "principal %s: needs a role",
			    p->p_name);
			return -1;
		}
		if (p->p_writes != 0 && p->p_role != ROLE_AGENCY) {
			snprintf(err, errlen, "principal %s: only agencies "
			    "write lists", p->p_name);
			return -1;
		}
	}
	return 0;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct parse_state	 ps;
	int			 rc;

	memset(&ps, 0, sizeof(ps));
	if ((ps.cfg = calloc(1, sizeof(*ps.cfg))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	config_defaults(ps.cfg);
	/*
	 * Debian's inih: read lines of any length (the default cuts them
	 * at 199 bytes), and stop at the first error so that its line and
	 * our reason belong together.
	 */
	ini_use_stack = 0;
	ini_allow_realloc = 1;
	ini_max_line = 65536;
	ini_stop_on_first_error = 1;
	rc = ini_parse(path, config_handler, &ps);
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (rc > 0 && ps.err_set)
		snprintf(err, errlen, "%s:%d: %s", path, rc, ps.err);
	else if (rc > 0)
		snprintf(err, errlen, "%s:%d: syntax error", path, rc);
	else if (rc < 0)
		snprintf(err, errlen, "%s: cannot parse", path);
	else if (config_check(ps.cfg, ps.err, sizeof(ps.err)) != 0)
		snprintf(err, errlen, "%s: %s", path, ps.err);
	else if (ps.cfg->calendar_file[0] != '\0' &&
	    (ps.cfg->calendar = calendar_load(ps.cfg->calendar_file, ps.err,
	    sizeof(ps.err))) == NULL)
		snprintf(err, errlen, "calendar: %s", ps.err);
	else if (ps.cfg->regions_file[0] != '\0' &&
	    (ps.cfg->regions = regions_load(ps.cfg->regions_file, ps.err,
	    sizeof(ps.err))) == NULL)
		snprintf(err, errlen, "regions: %s", ps.err);
	else if ((ps.cfg->signing_key_file[0] != '\0') !=
	    (ps.cfg->signing_key_id[0] != '\0'))
		snprintf(err, errlen, "%s: signing_key and signing_key_id go "
		    "together", path);
	else if (ps.cfg->signing_key_file[0] != '\0' &&
	    (ps.cfg->signer = signer_load(ps.cfg->signing_key_file,
	    ps.cfg->signing_key_id, ps.err, sizeof(ps.err))) == NULL)
		snprintf(err, errlen, "signing_key: %s", ps.err);
	else
		return ps.cfg;
	config_free(ps.cfg);
	return NULL;
}

const struct calendar *
config_calendar(const struct config *cfg)
{
	return __atomic_load_n(&cfg->calendar, __ATOMIC_ACQUIRE);
}

struct calendar *
config_swap_calendar(struct config *cfg, struct calendar *cal)
{
	return __atomic_exchange_n(&cfg->calendar, cal, __ATOMIC_ACQ_REL);
}

const struct signer *
config_signer(const struct config *cfg)
{
	return __atomic_load_n(&cfg->signer, __ATOMIC_ACQUIRE);
}

struct signer *
config_swap_signer(struct config *cfg, struct signer *s)
{
	return __atomic_exchange_n(&cfg->signer, s, __ATOMIC_ACQ_REL);
}

void
config_free(struct config *cfg)
{
	struct principal	*p, *next;
	int			 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nlists; i++)
		config_free_list(&cfg->lists[i]);
	calendar_free(cfg->calendar);
	regions_free(cfg->regions);
	signer_free(cfg->signer);
	for (p = cfg->principals; p != NULL; p = next) {
		next = p->p_next;
		free(p);
	}
	free(cfg);
}

const struct principal *
config_principal(const struct config *cfg, const char *name)
{
	const struct principal	*p;

	for (p = cfg->principals; p != NULL; p = p->p_next)
		if (strcmp(p->p_name, name) == 0)
			return p;
	return NULL;
}

int
config_list_index(const struct config *cfg, const char *name, size_t len)
{
	int	 i;

	for (i = 0; i < cfg->nlists; i++)
		if (strlen(cfg->lists[i].l_name) == len &&
		    memcmp(cfg->lists[i].l_name, name, len) == 0)
			return i;
	return -1;
}

int
config_field_index(const struct list_def *l, const char *name, size_t len)
{
	int	 i;

	for (i = 0; i < l->l_nfields; i++)
		if (strlen(l->l_fields[i].f_name) == len &&
		    memcmp(l->l_fields[i].f_name, name, len) == 0)
			return i;
	return -1;
}
