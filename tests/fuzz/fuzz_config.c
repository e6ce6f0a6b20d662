/*
 * Fuzz target: the configuration parser. The input is written to a
 * temporary file and loaded with config_load. A refused file must come
 * with a message; an accepted one must satisfy everything the daemon
 * relies on without checking again (indexes in range, names unique and
 * terminated, roles and write masks valid, limits within their bounds),
 * and the hello answer built from it must be a valid frame body whose
 * every str is UTF-8.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "frame.h"
#include "msg.h"
#include "op.h"
#include "ops.h"
#include "store.h"
#include "subject.h"
#include "utf8.h"

#define FUZZ_MAX_LEN	16384

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 tmp_path[4096];
static int	 tmp_fd = -1;

static void	 tmp_remove(void);
static int	 tmp_open(void);
static int	 check_settings(const struct config *);
static int	 check_field(const struct list_def *, int);
static int	 check_list(const struct config *, int);
static int	 check_principal(const struct config *,
		    const struct principal *);
static void	 check_config(const struct config *);
static void	 check_name(const char *, size_t, const char *);
static void	 check_hello(const struct config *);
static struct store *hello_store(void);
static void	 check_strs(const msgpack_object *);

static void
tmp_remove(void)
{
	if (tmp_fd != -1) {
		close(tmp_fd);
		unlink(tmp_path);
		tmp_fd = -1;
	}
}

static int
tmp_open(void)
{
	const char	*dir = getenv("TMPDIR");

	if (tmp_fd != -1)
		return 0;
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(tmp_path, sizeof(tmp_path),
	    "%s/qcreg-fuzz-config.XXXXXX", dir) >= sizeof(tmp_path) ||
	    (tmp_fd = mkstemp(tmp_path)) == -1) {
		fprintf(stderr, "fuzz_config: mkstemp: %s\n",
		    strerror(errno));
		abort();
	}
	atexit(tmp_remove);
	return 0;
}

/* A NUL inside size bytes, and a non-empty string. */
static void
check_name(const char *s, size_t size, const char *what)
{
	if (memchr(s, '\0', size) == NULL || s[0] == '\0') {
		fprintf(stderr, "accepted config: bad %s\n", what);
		abort();
	}
}

/* The [server] settings and the limits; 1 if one is out of bounds. */
static int
check_settings(const struct config *cfg)
{
	const struct limits	*lim = &cfg->limits;
	int			 bad = 0;

	check_name(cfg->listen_host, sizeof(cfg->listen_host), "host");
	check_name(cfg->listen_port, sizeof(cfg->listen_port), "port");
	check_name(cfg->data_dir, sizeof(cfg->data_dir), "data dir");
	check_name(cfg->ca_file, sizeof(cfg->ca_file), "ca");
	check_name(cfg->cert_file, sizeof(cfg->cert_file), "cert");
	check_name(cfg->key_file, sizeof(cfg->key_file), "key");
	if (memchr(cfg->crl_file, '\0', sizeof(cfg->crl_file)) == NULL)
		bad = 1;
	if (strtoul(cfg->listen_port, NULL, 10) > 65535 ||
	    cfg->utc_offset < -14 * 60 || cfg->utc_offset > 14 * 60 ||
	    cfg->workers < 0 || cfg->workers > 256 ||
	    cfg->map_size == 0 || cfg->map_max < cfg->map_size)
		bad = 1;
	if (lim->max_frame < 64 || lim->max_batch == 0 ||
	    lim->max_limit == 0 || lim->max_connections == 0 ||
	    lim->handshake_timeout == 0 || lim->idle_timeout == 0 ||
	    lim->output_cap < 65536 || lim->max_text < 16)
		bad = 1;
	if (cfg->nlists < 1 || cfg->nlists > CFG_MAX_LISTS)
		bad = 1;
	return bad;
}

/* Field j of list l: its name, index, type and bounds; 1 if broken. */
static int
check_field(const struct list_def *l, int j)
{
	const struct field_def	*f = &l->l_fields[j];
	int			 k, bad = 0;

	check_name(f->f_name, sizeof(f->f_name), "field name");
	if (config_field_index(l, f->f_name, strlen(f->f_name)) != j ||
	    (unsigned)f->f_type > FT_DATE ||
	    (f->f_type == FT_TEXT && (f->f_max_len == 0 ||
	    f->f_max_len > 65536)) ||
	    (f->f_type == FT_ENUM && (f->f_nvalues < 1 ||
	    f->f_nvalues > CFG_MAX_VALUES)) ||
	    f->f_min > f->f_max)
		bad = 1;
	for (k = 0; k < f->f_nvalues && !bad; k++)
		if (memchr(f->f_values[k], '\0', CFG_NAME_MAX) == NULL)
			bad = 1;
	return bad;
}

/*
 * List i: its name and index, type, kinds, the fields its dates and
 * grade name, then each field; 1 if broken.
 */
static int
check_list(const struct config *cfg, int i)
{
	const struct list_def	*l = &cfg->lists[i];
	int			 j, bad = 0;

	check_name(l->l_name, sizeof(l->l_name), "list name");
	if (memchr(l->l_title, '\0', sizeof(l->l_title)) == NULL ||
	    config_list_index(cfg, l->l_name, strlen(l->l_name)) != i ||
	    (l->l_type != LT_RATING && l->l_type != LT_BLACKLIST) ||
	    l->l_kinds == 0 || l->l_kinds >= 1u << QC_KIND_COUNT ||
	    l->l_nfields < 1 || l->l_nfields > CFG_MAX_FIELDS ||
	    l->l_start < -1 || l->l_start >= l->l_nfields ||
	    l->l_end < -1 || l->l_end >= l->l_nfields ||
	    l->l_grade < -1 || l->l_grade >= l->l_nfields ||
	    l->l_default_years < 0 || l->l_default_years > 100)
		return 1;
	if ((l->l_start != -1 &&
	    l->l_fields[l->l_start].f_type != FT_DATE) ||
	    (l->l_end != -1 &&
	    l->l_fields[l->l_end].f_type != FT_DATE) ||
	    (l->l_type == LT_RATING && (l->l_grade == -1 ||
	    l->l_fields[l->l_grade].f_type != FT_ENUM)))
		bad = 1;
	for (j = 0; j < l->l_nfields && !bad; j++)
		bad = check_field(l, j);
	return bad;
}

/* A principal: found by its name, a valid role, writes only its lists. */
static int
check_principal(const struct config *cfg, const struct principal *p)
{
	check_name(p->p_name, sizeof(p->p_name), "principal");
	return config_principal(cfg, p->p_name) != p ||
	    p->p_role < ROLE_PLATFORM || p->p_role > ROLE_ADMIN ||
	    (p->p_writes != 0 && p->p_role != ROLE_AGENCY) ||
	    (cfg->nlists < 32 && (p->p_writes >> cfg->nlists) != 0) ||
	    config_role_name(p->p_role) == NULL;
}

/* Everything the daemon relies on in an accepted config, in order. */
static void
check_config(const struct config *cfg)
{
	const struct principal	*p;
	int			 i, bad;

	bad = check_settings(cfg);
	for (i = 0; i < cfg->nlists && !bad; i++)
		bad = check_list(cfg, i);
	for (p = cfg->principals; p != NULL && !bad; p = p->p_next)
		bad = check_principal(cfg, p);
	if (bad) {
		fprintf(stderr, "accepted config breaks an invariant\n");
		abort();
	}
}

/* Every str of an answer must be valid UTF-8 (PROTOCOL.md section 2). */
static void
check_strs(const msgpack_object *o)
{
	uint32_t	 i;

	if (o->type == MSGPACK_OBJECT_STR &&
	    !qc_utf8_valid(o->via.str.ptr, o->via.str.size)) {
		fprintf(stderr, "accepted config: hello would send a str "
		    "that is not UTF-8: '%.*s'\n", (int)o->via.str.size,
		    o->via.str.ptr);
		abort();
	}
	if (o->type == MSGPACK_OBJECT_ARRAY)
		for (i = 0; i < o->via.array.size; i++)
			check_strs(&o->via.array.ptr[i]);
	if (o->type == MSGPACK_OBJECT_MAP)
		for (i = 0; i < o->via.map.size; i++) {
			check_strs(&o->via.map.ptr[i].key);
			check_strs(&o->via.map.ptr[i].val);
		}
}

/*
 * What the server derives from any config it accepted: the hello result
 * (every list, field and principal described), which must be a valid
 * frame body, and the default list mask of check and get. Hello goes
 * through ops_dispatch as a connection's would, on an empty store (it
 * lists the signing keys the store knows).
 */
static char	 store_dir[4096];

static void
store_remove(void)
{
	char	 path[4096 + 16];

	snprintf(path, sizeof(path), "%s/data.mdb", store_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", store_dir);
	unlink(path);
	rmdir(store_dir);
}

/* One empty store for every input, made at the first and gone at exit. */
static struct store *
hello_store(void)
{
	static struct store	 st;
	static int		 open;
	const char		*t = getenv("TMPDIR");

	if (open)
		return &st;
	snprintf(store_dir, sizeof(store_dir), "%s/fuzz-config.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(store_dir) == NULL ||
	    store_open(&st, store_dir, 4 * 1024 * 1024, 8) != 0)
		abort();
	atexit(store_remove);
	open = 1;
	return &st;
}

static void
check_hello(const struct config *cfg)
{
	struct ops_env		 env;
	struct caller		 who;
	struct write_route	 route;
	struct fault		 f;
	struct req		 q;
	msgpack_sbuffer		 req, sb;
	msgpack_packer		 rpk, pk;
	msgpack_unpacked	 rup, up;
	unsigned		 want;
	size_t			 off = 0;

	memset(&route, 0, sizeof(route));
	if (ops_env_init(&env, cfg, hello_store(), NULL, NULL) != 0)
		abort();
	/* The name hello sends is the certificate's CN, not the config's. */
	who.cl_name = "someone";
	who.cl_prin = cfg->principals;
	who.cl_role = who.cl_prin != NULL ? who.cl_prin->p_role : ROLE_NONE;

	/* {"id": 1, "op": "hello"}, then {"op": "check", "subjects": ["x"]} */
	msgpack_sbuffer_init(&req);
	msgpack_packer_init(&rpk, &req, msgpack_sbuffer_write);
	msgpack_unpacked_init(&rup);
	if (msgpack_pack_map(&rpk, 2) != 0 ||
	    qc_pack_kv_uint(&rpk, "id", 1) != 0 ||
	    qc_pack_kv_str(&rpk, "op", "hello") != 0 ||
	    msgpack_unpack_next(&rup, req.data, req.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS)
		abort();
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (ops_dispatch(&env, &who, ops_find(&rup.data), &rup.data, &route,
	    &pk, &f) != OP_DONE || qc_frame_validate((const uint8_t *)sb.data,
	    sb.size) != QC_FRAME_OK) {
		fprintf(stderr, "accepted config: no valid hello\n");
		abort();
	}
	msgpack_unpacked_init(&up);
	off = 0;
	if (msgpack_unpack_next(&up, sb.data, sb.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS)
		abort();
	check_strs(&up.data);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	msgpack_sbuffer_clear(&req);
	off = 0;
	if (msgpack_pack_map(&rpk, 2) != 0 ||
	    qc_pack_kv_str(&rpk, "op", "check") != 0 ||
	    qc_pack_cstr(&rpk, "subjects") != 0 ||
	    msgpack_pack_array(&rpk, 1) != 0 ||
	    qc_pack_cstr(&rpk, "x") != 0 ||
	    msgpack_unpack_next(&rup, req.data, req.size, &off) !=
	    MSGPACK_UNPACK_SUCCESS)
		abort();
	memset(&q, 0, sizeof(q));
	q.q_op = ops_find(&rup.data);
	q.q_cfg = cfg;
	q.q_who = &who;
	q.q_msg = &rup.data;
	q.q_fault = &f;
	want = cfg->nlists >= 32 ? ~0u : (1u << cfg->nlists) - 1;
	if (q.q_op == NULL || args_parse(&q) != 0 ||
	    q.q_args.a_lists != want) {
		fprintf(stderr, "accepted config: default list mask wrong\n");
		abort();
	}
	msgpack_unpacked_destroy(&rup);
	msgpack_sbuffer_destroy(&req);
	ops_burst_end(&env);
	ops_env_free(&env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg;
	char		 err[1024];

	if (size > FUZZ_MAX_LEN)
		return 0;
	tmp_open();
	if (ftruncate(tmp_fd, 0) == -1 ||
	    pwrite(tmp_fd, data, size, 0) != (ssize_t)size) {
		fprintf(stderr, "fuzz_config: write: %s\n", strerror(errno));
		abort();
	}
	err[0] = '\0';
	if ((cfg = config_load(tmp_path, err, sizeof(err))) == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL) {
			fprintf(stderr, "refused config without a reason\n");
			abort();
		}
		return 0;
	}
	check_config(cfg);
	check_hello(cfg);
	config_free(cfg);
	return 0;
}
