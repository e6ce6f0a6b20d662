/*
 * The checks every request passes before its op runs: the op and the
 * caller's role (ops_dispatch), and the arguments against the op's spec
 * (args_parse): unknown and invalid list names, lists arrays, required
 * and unknown arguments, limits, and list ownership for agencies. Every
 * message quoting a peer's string must stay valid UTF-8, since it goes
 * back on the wire (regressions for fuzz_request findings).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "op.h"
#include "ops.h"
#include "store.h"
#include "subject.h"
#include "utf8.h"
#include "testlib.h"

#define USCC	"91350100M000100Y43"	/* a valid code */

/* Small limits, so that the bounds are cheap to reach. */
static const char conf_head[] =
    "[server]\nca = a\ncert = b\nkey = c\n"
    "[limits]\nmax_batch = 5\nmax_limit = 7\nmax_text = 16\n";

static const char conf_principals[] =
    "[principal bureau-a]\nrole = agency\nwrites = l0\n"
    "[principal bureau-b]\nrole = agency\nwrites = l1, l2\n"
    "[principal regulator]\nrole = regulator\n"
    "[principal platform]\nrole = platform\n"
    "[principal admin]\nrole = admin\n";

/* A request being built, then unpacked. */
/* A checked request: the req, its fault, its caller. */
struct run {
	struct req	 q;
	struct fault	 f;
	struct caller	 who;
};

static struct config	*cfg;		/* lists l0, l1, l2 */
static struct config	*cfg32;		/* lists l0 .. l31 */
/* An empty store, for the ops that run (no writer: no write gets far). */
static char		 dir[256];
static struct store	 st;
static struct ops_env	 env;

static int	 load(struct config **, int);
static int	 setup(void **);
static int	 teardown(void **);
static void	 mp_begin(struct tl_mp *, const char *, uint32_t);
static void	 mp_uint(struct tl_mp *, const char *, uint64_t);
static void	 mp_strs(struct tl_mp *, const char *, const char *const *,
		    const size_t *, uint32_t);
static void	 caller(struct caller *, const struct config *,
		    const char *);
static int	 parse(struct run *, const struct config *, const char *,
		    struct tl_mp *);
static void	 expect_ok(struct run *, const struct config *,
		    const char *, struct tl_mp *);
static void	 expect_fail(const struct config *, const char *,
		    struct tl_mp *, enum qc_err, const char *);
static enum op_status dispatch(const char *, struct tl_mp *, struct fault *);
static void	 expect_refused(const char *, struct tl_mp *, enum qc_err,
		    const char *);

/* A config with nlists lists l0, l1, ... and the principals. */
static int
load(struct config **out, int nlists)
{
	const char	*t = getenv("TMPDIR");
	char		 path[512], err[1024];
	FILE		*f;
	int		 fd, i;

	snprintf(path, sizeof(path), "%s/qcreg-test-dispatch.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	fputs(conf_head, f);
	for (i = 0; i < nlists; i++)
		fprintf(f, "[list l%d]\nkinds = uscc\nfield = f text\n", i);
	fputs(conf_principals, f);
	if (fclose(f) != 0)
		return -1;
	*out = config_load(path, err, sizeof(err));
	unlink(path);
	if (*out == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	if (load(&cfg, 3) == -1 || load(&cfg32, CFG_MAX_LISTS) == -1)
		return -1;
	snprintf(dir, sizeof(dir), "%s/qcreg-test-dispatch.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL ||
	    store_open(&st, dir, 16 * 1024 * 1024, 8) == -1)
		return -1;
	return ops_env_init(&env, cfg, &st, NULL, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	ops_env_free(&env);
	store_close(&st);
	(void)tl_rmstore(dir);
	config_free(cfg);
	config_free(cfg32);
	return 0;
}

/* Starts {id: 1, op: op, ...n more pairs} (op NULL: no op key). */
static void
mp_begin(struct tl_mp *m, const char *op, uint32_t n)
{
	tl_mp_init(m);
	assert_int_equal(msgpack_pack_map(&m->pk, n + 1 + (op != NULL)), 0);
	mp_uint(m, "id", 1);
	if (op != NULL)
		tl_mp_str(m, "op", op);
}

static void
mp_uint(struct tl_mp *m, const char *k, uint64_t v)
{
	tl_mp_key(m, k);
	assert_int_equal(msgpack_pack_uint64(&m->pk, v), 0);
}

/* k: an array of the n strings (lens NULL: strlen). */
static void
mp_strs(struct tl_mp *m, const char *k, const char *const *v,
    const size_t *lens, uint32_t n)
{
	uint32_t	 i;

	tl_mp_key(m, k);
	assert_int_equal(msgpack_pack_array(&m->pk, n), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(msgpack_pack_str_with_body(&m->pk, v[i],
		    lens != NULL ? lens[i] : strlen(v[i])), 0);
}

/* The caller as net/conn.c makes it from a certificate's CN. */
static void
caller(struct caller *who, const struct config *c, const char *name)
{
	who->cl_name = name;
	who->cl_prin = config_principal(c, name);
	who->cl_role = who->cl_prin != NULL ? who->cl_prin->p_role :
	    ROLE_NONE;
}

/* args_parse on the request in m, as ops_dispatch sets it up. */
static int
parse(struct run *r, const struct config *c, const char *name,
    struct tl_mp *m)
{
	memset(r, 0, sizeof(*r));
	caller(&r->who, c, name);
	r->q.q_cfg = c;
	r->q.q_who = &r->who;
	r->q.q_msg = tl_mp_obj(m);
	r->q.q_fault = &r->f;
	assert_non_null(r->q.q_op = ops_find(r->q.q_msg));
	return args_parse(&r->q);
}

/* The arguments pass; m stays alive for the caller to look at q_args. */
static void
expect_ok(struct run *r, const struct config *c, const char *name,
    struct tl_mp *m)
{
	if (parse(r, c, name, m) != 0)
		fail_msg("refused: %s", r->f.f_msg);
	assert_int_equal(r->f.f_code, QC_OK);
}

/* The arguments are refused with code and exactly msg (m freed). */
static void
expect_fail(const struct config *c, const char *name, struct tl_mp *m,
    enum qc_err code, const char *msg)
{
	struct run	 r;

	if (parse(&r, c, name, m) != -1)
		fail_msg("accepted, expected: %s", msg);
	assert_int_equal(r.f.f_code, code);
	assert_string_equal(r.f.f_msg, msg);
	assert_true(qc_utf8_valid(r.f.f_msg, strlen(r.f.f_msg)));
	tl_mp_free(m);
}

/*
 * ops_dispatch over the empty store. There is no writer: a write that
 * passed its checks would be a test bug (a crash).
 */
static enum op_status
dispatch(const char *name, struct tl_mp *m, struct fault *f)
{
	struct caller		 who;
	struct write_route	 route;
	const msgpack_object	*msg;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	enum op_status		 rc;

	memset(&route, 0, sizeof(route));
	caller(&who, cfg, name);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	memset(f, 0xa5, sizeof(*f));
	msg = tl_mp_obj(m);
	rc = ops_dispatch(&env, &who, ops_find(msg), msg, &route, &pk, f);
	ops_burst_end(&env);
	msgpack_sbuffer_destroy(&sb);
	tl_mp_free(m);
	return rc;
}

static void
expect_refused(const char *name, struct tl_mp *m, enum qc_err code,
    const char *msg)
{
	struct fault	 f;

	assert_int_equal(dispatch(name, m, &f), OP_ERROR);
	assert_int_equal(f.f_code, code);
	assert_string_equal(f.f_msg, msg);
}

/* Absent "lists" means every list, also when there are 32 of them. */
static void
test_lists_all(void **state)
{
	const char	*l31[] = { "l31" }, *l02[] = { "l2", "l0", "l2" };
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	mp_begin(&m, "check", 1);
	mp_strs(&m, "subjects", (const char *[]){ USCC }, NULL, 1);
	expect_ok(&r, cfg, "platform", &m);
	assert_int_equal(r.q.q_args.a_lists, 0x7u);
	assert_false(ARG_HAS(&r.q, ARG_LISTS));
	assert_true(ARG_HAS(&r.q, ARG_SUBJECTS));
	expect_ok(&r, cfg32, "platform", &m);
	assert_int_equal(r.q.q_args.a_lists, 0xffffffffu);
	tl_mp_free(&m);

	mp_begin(&m, "check", 2);
	mp_strs(&m, "subjects", (const char *[]){ USCC }, NULL, 1);
	mp_strs(&m, "lists", l31, NULL, 1);
	expect_ok(&r, cfg32, "platform", &m);
	assert_int_equal(r.q.q_args.a_lists, 0x80000000u);
	assert_true(ARG_HAS(&r.q, ARG_LISTS));
	tl_mp_free(&m);

	/* A name given twice counts once. */
	mp_begin(&m, "get", 2);
	tl_mp_str(&m, "subject", USCC);
	mp_strs(&m, "lists", l02, NULL, 3);
	expect_ok(&r, cfg, "regulator", &m);
	assert_int_equal(r.q.q_args.a_lists, 0x5u);
	assert_string_equal(r.q.q_args.a_subject, "uscc:" USCC);
	tl_mp_free(&m);
}

/* lists: an array of at least one string, each a configured list. */
static void
test_lists_refused(void **state)
{
	const char	*bad[] = { "l0", "nope" };
	struct tl_mp	 m;

	(void)state;
	mp_begin(&m, "get", 2);
	tl_mp_str(&m, "subject", USCC);
	tl_mp_str(&m, "lists", "l0");
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "lists: expected a non-empty array of list names");

	mp_begin(&m, "get", 2);
	tl_mp_str(&m, "subject", USCC);
	mp_strs(&m, "lists", NULL, NULL, 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "lists: expected a non-empty array of list names");

	mp_begin(&m, "get", 2);
	tl_mp_str(&m, "subject", USCC);
	tl_mp_key(&m, "lists");
	assert_int_equal(msgpack_pack_array(&m.pk, 1), 0);
	assert_int_equal(msgpack_pack_uint8(&m.pk, 0), 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "lists: expected a string");

	mp_begin(&m, "get", 2);
	tl_mp_str(&m, "subject", USCC);
	mp_strs(&m, "lists", bad, NULL, 2);
	expect_fail(cfg, "platform", &m, QC_E_UNKNOWN_LIST,
	    "lists: no list 'nope'");

	/* A list that exists in the 32-list config only. */
	mp_begin(&m, "check", 2);
	mp_strs(&m, "subjects", (const char *[]){ USCC }, NULL, 1);
	mp_strs(&m, "lists", (const char *[]){ "l3" }, NULL, 1);
	expect_fail(cfg, "platform", &m, QC_E_UNKNOWN_LIST,
	    "lists: no list 'l3'");

	mp_begin(&m, "scan", 1);
	tl_mp_str(&m, "list", "L0");
	expect_fail(cfg, "platform", &m, QC_E_UNKNOWN_LIST,
	    "list: no list 'L0'");

	mp_begin(&m, "scan", 1);
	mp_uint(&m, "list", 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "list: expected a string");
}

/* A list name that is not UTF-8 is refused, not echoed. */
static void
test_lists_not_utf8(void **state)
{
	const char	*bad[] = { "crbdi\xa3" };
	const size_t	 lens[] = { 6 };
	struct tl_mp	 m;

	(void)state;
	mp_begin(&m, "check", 2);
	mp_strs(&m, "subjects", (const char *[]){ USCC }, NULL, 1);
	mp_strs(&m, "lists", bad, lens, 1);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "lists: not valid UTF-8");

	mp_begin(&m, "scan", 1);
	tl_mp_strn(&m, "list", bad[0], lens[0]);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "list: not valid UTF-8");
}

/* An unknown long name is quoted cut between characters, not inside. */
static void
test_unknown_quoted_whole(void **state)
{
	char		 name[3 * 30 + 1], want[128];
	const char	*names[] = { name };
	const size_t	 lens[] = { 90 };
	struct tl_mp	 m;
	int		 i;

	(void)state;
	/* 30 three-byte characters: byte 64 falls inside the 22nd. */
	for (i = 0; i < 30; i++)
		memcpy(name + 3 * i, "\xe5\x90\x8d", 3);	/* 名 */
	name[90] = '\0';
	assert_int_equal(args_quote_len(name, 90), 63);
	/* 21 whole characters (63 bytes) are quoted. */
	snprintf(want, sizeof(want), "lists: no list '%.63s'", name);

	mp_begin(&m, "check", 2);
	mp_strs(&m, "subjects", (const char *[]){ USCC }, NULL, 1);
	mp_strs(&m, "lists", names, lens, 1);
	expect_fail(cfg, "platform", &m, QC_E_UNKNOWN_LIST, want);

	snprintf(want, sizeof(want), "list: no list '%.63s'", name);
	mp_begin(&m, "scan", 1);
	tl_mp_strn(&m, "list", name, 90);
	expect_fail(cfg, "platform", &m, QC_E_UNKNOWN_LIST, want);
}

/* The cut of a quoted string: at most 64 bytes, never inside a character. */
static void
test_quote_len(void **state)
{
	char	 s[200];

	(void)state;
	memset(s, 'a', sizeof(s));
	assert_int_equal(args_quote_len(s, 0), 0);
	assert_int_equal(args_quote_len(s, 10), 10);
	assert_int_equal(args_quote_len(s, 64), 64);
	assert_int_equal(args_quote_len(s, 65), 64);
	assert_int_equal(args_quote_len(s, 200), 64);
	/* A two-byte character at bytes 63..64: cut before it. */
	memcpy(s + 63, "\xc3\xa9", 2);
	assert_int_equal(args_quote_len(s, 200), 63);
	/* Ending exactly at 64: kept. */
	memset(s, 'a', sizeof(s));
	memcpy(s + 62, "\xc3\xa9", 2);
	assert_int_equal(args_quote_len(s, 200), 64);
	/* A four-byte character over the cut. */
	memset(s, 'a', sizeof(s));
	memcpy(s + 61, "\xf0\x9f\x98\x80", 4);
	assert_int_equal(args_quote_len(s, 200), 61);
}

/* Required arguments, reported in spec order. */
static void
test_required(void **state)
{
	struct tl_mp	 m;

	(void)state;
	mp_begin(&m, "get", 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "subject: required");

	mp_begin(&m, "check", 1);
	mp_strs(&m, "lists", (const char *[]){ "l0" }, NULL, 1);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "subjects: required");

	mp_begin(&m, "put", 0);
	expect_fail(cfg, "bureau-a", &m, QC_E_BAD_REQUEST, "list: required");

	mp_begin(&m, "put", 2);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "subject", USCC);
	expect_fail(cfg, "bureau-a", &m, QC_E_BAD_REQUEST,
	    "fields: required");

	mp_begin(&m, "remove", 2);
	tl_mp_str(&m, "subject", USCC);
	tl_mp_str(&m, "list", "l0");
	expect_fail(cfg, "bureau-a", &m, QC_E_BAD_REQUEST,
	    "reason: required");

	mp_begin(&m, "scan", 1);
	mp_uint(&m, "limit", 2);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST, "list: required");
}

/* An argument the op does not take is refused, and named if printable. */
static void
test_unknown_argument(void **state)
{
	char		 key[65];
	struct tl_mp	 m;

	(void)state;
	mp_begin(&m, "get", 2);
	tl_mp_str(&m, "subject", USCC);
	tl_mp_str(&m, "bogus", "x");
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "get: unknown argument 'bogus'");

	/* An argument of another op. */
	mp_begin(&m, "get", 2);
	tl_mp_str(&m, "subject", USCC);
	mp_uint(&m, "limit", 1);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "get: unknown argument 'limit'");

	mp_begin(&m, "hello", 1);
	tl_mp_str(&m, "list", "l0");
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "hello: unknown argument 'list'");

	/* Not UTF-8, a NUL inside, too long, not a string: '?'. */
	mp_begin(&m, "get", 1);
	tl_mp_strn(&m, "na\xffme", "x", 1);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "get: unknown argument '?'");

	mp_begin(&m, "get", 1);
	assert_int_equal(msgpack_pack_str_with_body(&m.pk, "a\0b", 3), 0);
	assert_int_equal(msgpack_pack_nil(&m.pk), 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "get: unknown argument '?'");

	memset(key, 'k', 64);
	key[64] = '\0';
	mp_begin(&m, "get", 1);
	tl_mp_str(&m, key, "x");
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "get: unknown argument '?'");
	key[63] = '\0';
	mp_begin(&m, "get", 1);
	tl_mp_str(&m, key, "x");
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "get: unknown argument 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	    "kkkkkkkkkkkkkkkkkkkkk'");

	mp_begin(&m, "get", 1);
	assert_int_equal(msgpack_pack_uint8(&m.pk, 7), 0);
	assert_int_equal(msgpack_pack_nil(&m.pk), 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "get: unknown argument '?'");
}

/* Types and values of the scalar arguments. */
static void
test_types(void **state)
{
	char		 want[QC_SUBJECT_MAX + 64];
	const char	*why = NULL;
	char		 canon[QC_SUBJECT_MAX];
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	assert_int_equal(qc_subject_canon("uscc:123", 8, canon, &why), -1);
	assert_non_null(why);
	snprintf(want, sizeof(want), "subject: %s", why);
	mp_begin(&m, "get", 1);
	tl_mp_str(&m, "subject", "uscc:123");
	expect_fail(cfg, "platform", &m, QC_E_INVALID_SUBJECT, want);
	snprintf(want, sizeof(want), "after: %s", why);
	mp_begin(&m, "scan", 2);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "after", "uscc:123");
	expect_fail(cfg, "platform", &m, QC_E_INVALID_SUBJECT, want);

	mp_begin(&m, "get", 1);
	mp_uint(&m, "subject", 5);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "subject: expected a string");
	mp_begin(&m, "get", 1);
	tl_mp_strn(&m, "subject", "\xc0\xaf", 2);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "subject: not valid UTF-8");

	mp_begin(&m, "changes", 1);
	tl_mp_key(&m, "since");
	assert_int_equal(msgpack_pack_int64(&m.pk, -1), 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "since: expected a non-negative integer");
	mp_begin(&m, "put", 4);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_key(&m, "fields");
	assert_int_equal(msgpack_pack_map(&m.pk, 0), 0);
	tl_mp_str(&m, "if_version", "1");
	expect_fail(cfg, "bureau-a", &m, QC_E_BAD_REQUEST,
	    "if_version: expected a non-negative integer");
	mp_begin(&m, "put", 3);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "subject", USCC);
	mp_strs(&m, "fields", NULL, NULL, 0);
	expect_fail(cfg, "bureau-a", &m, QC_E_BAD_REQUEST,
	    "fields: expected a map");

	mp_begin(&m, "scan", 2);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "state", "gone");
	expect_fail(cfg, "regulator", &m, QC_E_BAD_REQUEST,
	    "state: expected active, pending, expired or removed");

	/* Good values land in q_args. */
	mp_begin(&m, "scan", 3);
	tl_mp_str(&m, "list", "l2");
	tl_mp_str(&m, "state", "removed");
	tl_mp_str(&m, "after", USCC);
	expect_ok(&r, cfg, "regulator", &m);
	assert_int_equal(r.q.q_args.a_list, 2);
	assert_int_equal(r.q.q_args.a_state, ST_REMOVED);
	assert_string_equal(r.q.q_args.a_after, "uscc:" USCC);
	assert_int_equal(r.q.q_args.a_limit, 100);	/* the op's default */
	tl_mp_free(&m);

	mp_begin(&m, "changes", 1);
	mp_uint(&m, "since", UINT64_MAX);
	expect_ok(&r, cfg, "platform", &m);
	assert_true(r.q.q_args.a_since == UINT64_MAX);
	assert_int_equal(r.q.q_args.a_state, -1);
	assert_int_equal(r.q.q_args.a_list, -1);
	tl_mp_free(&m);
}

/* max_batch, max_limit and max_text (5, 7 and 16 here). */
static void
test_limits(void **state)
{
	const char	*subs[] = { USCC, "x", "site:a.cn", "y", "z", "w" };
	char		 reason[18];
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	mp_begin(&m, "check", 1);
	mp_strs(&m, "subjects", subs, NULL, 5);
	expect_ok(&r, cfg, "platform", &m);
	assert_int_equal(r.q.q_args.a_subjects->via.array.size, 5);
	tl_mp_free(&m);
	mp_begin(&m, "check", 1);
	mp_strs(&m, "subjects", subs, NULL, 6);
	expect_fail(cfg, "platform", &m, QC_E_TOO_LARGE,
	    "subjects: 6 given, at most 5 per check");
	mp_begin(&m, "check", 1);
	mp_strs(&m, "subjects", subs, NULL, 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "subjects: at least one subject");
	mp_begin(&m, "check", 1);
	tl_mp_str(&m, "subjects", USCC);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "subjects: expected an array of strings");
	mp_begin(&m, "check", 1);
	tl_mp_key(&m, "subjects");
	assert_int_equal(msgpack_pack_array(&m.pk, 2), 0);
	assert_int_equal(msgpack_pack_str_with_body(&m.pk, USCC, 18), 0);
	assert_int_equal(msgpack_pack_true(&m.pk), 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "subjects[1]: expected a string");
	mp_begin(&m, "check", 1);
	mp_strs(&m, "subjects", (const char *[]){ "a", "\xff" }, NULL, 2);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "subjects[1]: not valid UTF-8");

	mp_begin(&m, "changes", 1);
	mp_uint(&m, "limit", 7);
	expect_ok(&r, cfg, "platform", &m);
	assert_int_equal(r.q.q_args.a_limit, 7);
	tl_mp_free(&m);
	mp_begin(&m, "changes", 1);
	mp_uint(&m, "limit", 8);
	expect_fail(cfg, "platform", &m, QC_E_TOO_LARGE, "limit: at most 7");
	mp_begin(&m, "scan", 2);
	tl_mp_str(&m, "list", "l0");
	mp_uint(&m, "limit", 0);
	expect_fail(cfg, "platform", &m, QC_E_BAD_REQUEST,
	    "limit: must be at least 1");
	mp_begin(&m, "scan", 2);
	tl_mp_str(&m, "list", "l0");
	mp_uint(&m, "limit", UINT64_MAX);
	expect_fail(cfg, "platform", &m, QC_E_TOO_LARGE, "limit: at most 7");

	memset(reason, 'r', sizeof(reason));
	mp_begin(&m, "remove", 3);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_strn(&m, "reason", reason, 16);
	expect_ok(&r, cfg, "bureau-a", &m);
	assert_int_equal(r.q.q_args.a_reason_len, 16);
	tl_mp_free(&m);
	mp_begin(&m, "remove", 3);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_strn(&m, "reason", reason, 17);
	expect_fail(cfg, "bureau-a", &m, QC_E_BAD_REQUEST,
	    "reason: 1 to 16 bytes");
	mp_begin(&m, "remove", 3);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_strn(&m, "reason", reason, 0);
	expect_fail(cfg, "bureau-a", &m, QC_E_BAD_REQUEST,
	    "reason: 1 to 16 bytes");
}

/* ARG_OWN_LIST: an agency writes, and sees history of, its lists only. */
static void
test_own_list(void **state)
{
	struct tl_mp	 m;
	struct run	 r;

	(void)state;
	mp_begin(&m, "remove", 3);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_str(&m, "reason", "why");
	expect_ok(&r, cfg, "bureau-a", &m);
	assert_int_equal(r.q.q_args.a_list, 0);
	tl_mp_free(&m);

	mp_begin(&m, "remove", 3);
	tl_mp_str(&m, "list", "l1");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_str(&m, "reason", "why");
	expect_fail(cfg, "bureau-a", &m, QC_E_FORBIDDEN,
	    "remove: bureau-a does not write list l1");

	mp_begin(&m, "put", 3);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_key(&m, "fields");
	assert_int_equal(msgpack_pack_map(&m.pk, 0), 0);
	expect_fail(cfg, "bureau-b", &m, QC_E_FORBIDDEN,
	    "put: bureau-b does not write list l0");
	mp_begin(&m, "put", 3);
	tl_mp_str(&m, "list", "l2");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_key(&m, "fields");
	assert_int_equal(msgpack_pack_map(&m.pk, 0), 0);
	expect_ok(&r, cfg, "bureau-b", &m);
	assert_int_equal(r.q.q_args.a_list, 2);
	tl_mp_free(&m);

	/* history: the list is optional; a regulator reads every list. */
	mp_begin(&m, "history", 2);
	tl_mp_str(&m, "subject", USCC);
	tl_mp_str(&m, "list", "l2");
	expect_fail(cfg, "bureau-a", &m, QC_E_FORBIDDEN,
	    "history: bureau-a does not write list l2");
	mp_begin(&m, "history", 2);
	tl_mp_str(&m, "subject", USCC);
	tl_mp_str(&m, "list", "l2");
	expect_ok(&r, cfg, "regulator", &m);
	tl_mp_free(&m);
	mp_begin(&m, "history", 1);
	tl_mp_str(&m, "subject", USCC);
	expect_ok(&r, cfg, "bureau-a", &m);
	assert_int_equal(r.q.q_args.a_list, -1);
	tl_mp_free(&m);

	/* Reading a list is not owning it. */
	mp_begin(&m, "scan", 1);
	tl_mp_str(&m, "list", "l2");
	expect_ok(&r, cfg, "bureau-a", &m);
	tl_mp_free(&m);
}

/* "active only": a scan of another state is forbidden. */
static void
test_dispatch_active_only(void **state)
{
	struct fault	 f;
	struct tl_mp	 m;

	(void)state;
	mp_begin(&m, "scan", 2);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "state", "expired");
	expect_refused("platform", &m, QC_E_FORBIDDEN,
	    "scan: role platform sees active entries only");
	mp_begin(&m, "scan", 2);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "state", "removed");
	expect_refused("bureau-a", &m, QC_E_FORBIDDEN,
	    "scan: role agency sees active entries only");
	mp_begin(&m, "scan", 2);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "state", "active");
	assert_int_equal(dispatch("platform", &m, &f), OP_DONE);
	mp_begin(&m, "scan", 2);
	tl_mp_str(&m, "list", "l0");
	tl_mp_str(&m, "state", "removed");
	assert_int_equal(dispatch("regulator", &m, &f), OP_DONE);
}

/* ops_dispatch: the op, then the role, then the arguments. */
static void
test_dispatch_op_role(void **state)
{
	struct fault	 f;
	struct tl_mp	 m;

	(void)state;
	mp_begin(&m, NULL, 0);
	expect_refused("platform", &m, QC_E_BAD_REQUEST,
	    "op: required, a string");
	mp_begin(&m, NULL, 1);
	mp_uint(&m, "op", 3);
	expect_refused("platform", &m, QC_E_BAD_REQUEST,
	    "op: required, a string");
	mp_begin(&m, "launch", 0);
	expect_refused("platform", &m, QC_E_UNKNOWN_OP, "unknown op");
	/* Op names are exact. */
	mp_begin(&m, "HELLO", 0);
	expect_refused("platform", &m, QC_E_UNKNOWN_OP, "unknown op");

	mp_begin(&m, "put", 0);
	expect_refused("platform", &m, QC_E_FORBIDDEN,
	    "put: not allowed for role platform");
	mp_begin(&m, "remove", 0);
	expect_refused("regulator", &m, QC_E_FORBIDDEN,
	    "remove: not allowed for role regulator");
	mp_begin(&m, "check", 0);
	expect_refused("admin", &m, QC_E_FORBIDDEN,
	    "check: not allowed for role admin");
	mp_begin(&m, "stats", 0);
	expect_refused("platform", &m, QC_E_FORBIDDEN,
	    "stats: not allowed for role platform");
	mp_begin(&m, "history", 1);
	tl_mp_str(&m, "subject", USCC);
	expect_refused("platform", &m, QC_E_FORBIDDEN,
	    "history: not allowed for role platform");
	mp_begin(&m, "get", 1);
	tl_mp_str(&m, "subject", USCC);
	expect_refused("stranger", &m, QC_E_FORBIDDEN,
	    "get: principal 'stranger' is not configured");

	/* The role is checked before the arguments. */
	mp_begin(&m, "put", 1);
	tl_mp_str(&m, "bogus", "x");
	expect_refused("admin", &m, QC_E_FORBIDDEN,
	    "put: not allowed for role admin");
	/* Then the arguments, before the op runs (it has no store here). */
	mp_begin(&m, "get", 1);
	tl_mp_str(&m, "bogus", "x");
	expect_refused("platform", &m, QC_E_BAD_REQUEST,
	    "get: unknown argument 'bogus'");
	mp_begin(&m, "put", 3);
	tl_mp_str(&m, "list", "l1");
	tl_mp_str(&m, "subject", USCC);
	tl_mp_key(&m, "fields");
	assert_int_equal(msgpack_pack_map(&m.pk, 0), 0);
	expect_refused("bureau-a", &m, QC_E_FORBIDDEN,
	    "put: bureau-a does not write list l1");

	/* Anyone may say hello, configured or not. */
	mp_begin(&m, "hello", 0);
	assert_int_equal(dispatch("stranger", &m, &f), OP_DONE);
	assert_int_equal(f.f_code, QC_OK);
	mp_begin(&m, "hello", 0);
	assert_int_equal(dispatch("admin", &m, &f), OP_DONE);
	assert_int_equal(f.f_code, QC_OK);
}

/*
 * The cell of PROTOCOL.md section 6 for op and column, read from the
 * document itself (no second copy of the table here): "no" forbids.
 */
static int
protocol_allows(const char *op, const char *column)
{
	static const char *const paths[] = {
		"proto/PROTOCOL.md", "../proto/PROTOCOL.md",
		"../../proto/PROTOCOL.md", "../../../proto/PROTOCOL.md",
	};
	char	 line[512], cell[64], *p, *bar;
	int	 in = 0, col = -1, k, allows = -1;
	size_t	 i;
	FILE	*f = NULL;

	for (i = 0; f == NULL && i < sizeof(paths) / sizeof(paths[0]); i++)
		f = fopen(paths[i], "r");
	if (f == NULL)
		fail_msg("proto/PROTOCOL.md not found (run from the repository)");
	while (allows == -1 && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "## ", 3) == 0)
			in = strncmp(line, "## 6. Roles", 11) == 0;
		if (!in || line[0] != '|')
			continue;
		/* Cells between bars, trimmed; cell 0 is the op. */
		for (k = 0, p = line + 1; (bar = strchr(p, '|')) != NULL;
		    k++, p = bar + 1) {
			snprintf(cell, sizeof(cell), "%.*s", (int)(bar - p), p);
			memmove(cell, cell + strspn(cell, " `"), strlen(cell) + 1);
			cell[strcspn(cell, " `")] = '\0';
			if (strcmp(cell, "op") == 0 && k == 0)
				col = -2;	/* the header row */
			else if (col == -2 && strcmp(cell, column) == 0)
				col = k;
			else if (k == 0 && strcmp(cell, op) != 0)
				break;
			else if (k > 0 && k == col)
				allows = strcmp(cell, "no") != 0;
		}
		if (col == -2)
			fail_msg("PROTOCOL.md section 6: no column %s", column);
	}
	fclose(f);
	if (allows == -1)
		fail_msg("PROTOCOL.md section 6: no row for %s", op);
	return allows;
}

/* Every op for every role, against PROTOCOL.md section 6. */
static void
test_role_matrix(void **state)
{
	static const struct {
		const char	*name;
		const char	*column;
	} roles[] = {
		{ "stranger", "none" },
		{ "platform", "platform" },
		{ "bureau-a", "agency" },
		{ "regulator", "regulator" },
		{ "admin", "admin" },
	};
	char		 want[128];
	struct fault	 f;
	struct tl_mp	 m;
	enum op_status	 rc;
	size_t		 r;
	int		 i, allowed;

	(void)state;
	for (r = 0; r < sizeof(roles) / sizeof(roles[0]); r++) {
		for (i = 0; i < op_table_len; i++) {
			allowed = protocol_allows(op_table[i].op_name,
			    roles[r].column);
			mp_begin(&m, op_table[i].op_name, 0);
			rc = dispatch(roles[r].name, &m, &f);
			if (allowed && f.f_code == QC_E_FORBIDDEN)
				fail_msg("%s may call %s: %s", roles[r].name,
				    op_table[i].op_name, f.f_msg);
			if (allowed)
				continue;
			if (rc != OP_ERROR || f.f_code != QC_E_FORBIDDEN)
				fail_msg("%s may not call %s, but got %s",
				    roles[r].name, op_table[i].op_name,
				    rc == OP_ERROR ? f.f_msg : "an answer");
			if (strcmp(roles[r].name, "stranger") == 0)
				snprintf(want, sizeof(want), "%s: principal "
				    "'stranger' is not configured",
				    op_table[i].op_name);
			else
				snprintf(want, sizeof(want), "%s: not allowed "
				    "for role %s", op_table[i].op_name,
				    config_role_name(config_principal(cfg,
				    roles[r].name)->p_role));
			assert_string_equal(f.f_msg, want);
		}
	}
}

/* ops_find and the table's answers to the I/O layer. */
static void
test_find(void **state)
{
	const struct op_entry	*op;
	struct tl_mp		 m;
	int			 i;

	(void)state;
	for (i = 0; i < op_table_len; i++) {
		mp_begin(&m, op_table[i].op_name, 0);
		assert_ptr_equal(op = ops_find(tl_mp_obj(&m)), &op_table[i]);
		assert_string_equal(ops_name(op), op_table[i].op_name);
		assert_int_equal(ops_writes(op),
		    strcmp(ops_name(op), "put") == 0 ||
		    strcmp(ops_name(op), "remove") == 0 ||
		    strcmp(ops_name(op), "case_open") == 0 ||
		    strcmp(ops_name(op), "case_close") == 0 ||
		    strcmp(ops_name(op), "escalation_dismiss") == 0);
		tl_mp_free(&m);
	}
	mp_begin(&m, "nope", 0);
	assert_null(ops_find(tl_mp_obj(&m)));
	tl_mp_free(&m);
	mp_begin(&m, NULL, 0);
	assert_null(ops_find(tl_mp_obj(&m)));
	tl_mp_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_all),
		cmocka_unit_test(test_lists_refused),
		cmocka_unit_test(test_lists_not_utf8),
		cmocka_unit_test(test_unknown_quoted_whole),
		cmocka_unit_test(test_quote_len),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_unknown_argument),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_own_list),
		cmocka_unit_test(test_dispatch_op_role),
		cmocka_unit_test(test_dispatch_active_only),
		cmocka_unit_test(test_role_matrix),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
