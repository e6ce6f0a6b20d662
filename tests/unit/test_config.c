/*
 * Configuration: the shipped file, a list added purely in config, every
 * error with its file:line and reason, and listen address forms.
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

#include "calendar.h"
#include "config.h"
#include "testlib.h"

static char	 tmpdir[256];
static int	 nfile;

/* Minimal valid parts: [server] is lines 1-4, the list lines 5-7. */
#define SERVER	"[server]\nca = ca.crt\ncert = s.crt\nkey = s.key\n"
#define LIST	"[list l]\nkinds = uscc\nfield = name text required\n"

static int	 setup(void **);
static int	 teardown(void **);
static void	 write_file(const char *, char *, size_t);
static struct config *load(const char *, char *, size_t, char *, size_t);
static void	 expect_err(const char *, int, const char *);
static const char *shipped_path(void);
static void	 test_err_not_utf8(void **);

static int
setup(void **state)
{
	(void)state;
	return tl_tmpdir(tmpdir, sizeof(tmpdir), "config");
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

/* Writes text to a new file in tmpdir; its path goes to path. */
static void
write_file(const char *text, char *path, size_t size)
{
	FILE	*f;

	snprintf(path, size, "%s/c%d.conf", tmpdir, nfile++);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Loads text as a config file; the file is gone afterwards. */
static struct config *
load(const char *text, char *err, size_t errlen, char *path, size_t size)
{
	struct config	*cfg;

	write_file(text, path, size);
	err[0] = '\0';
	cfg = config_load(path, err, errlen);
	assert_int_equal(unlink(path), 0);
	return cfg;
}

/*
 * The load fails with exactly "path:line: reason", or "path: reason" for
 * errors that belong to no single line (line 0).
 */
static void
expect_err(const char *text, int line, const char *reason)
{
	char		 err[1024], path[512], want[2048];
	struct config	*cfg;

	cfg = load(text, err, sizeof(err), path, sizeof(path));
	if (cfg != NULL) {
		config_free(cfg);
		fail_msg("accepted, expected: %s", reason);
	}
	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, reason);
	else
		snprintf(want, sizeof(want), "%s: %s", path, reason);
	assert_string_equal(err, want);
}

/* The shipped file, found from the repository root or the test dir. */
static const char *
shipped_path(void)
{
	static const char *const cands[] = {
		"server/qcregd.conf",
		"../server/qcregd.conf",
		"../../server/qcregd.conf",
		"../../../server/qcregd.conf",
	};
	size_t	 i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], R_OK) == 0)
			return cands[i];
	fail_msg("server/qcregd.conf not found (run from the repository)");
	return NULL;
}

/* The shipped [server] and [limits]. */
static void
shipped_server(const struct config *cfg)
{
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_string_equal(cfg->listen_port, "7443");
	assert_string_equal(cfg->data_dir, "data");
	assert_string_equal(cfg->ca_file, "certs/dev/ca.crt");
	assert_string_equal(cfg->cert_file, "certs/dev/server.crt");
	assert_string_equal(cfg->key_file, "certs/dev/server.key");
	assert_string_equal(cfg->crl_file, "certs/dev/ca.crl");
	assert_string_equal(cfg->calendar_file, "server/calendar/dev.cal");
	assert_non_null(config_calendar(cfg));
	assert_true(calendar_covers(config_calendar(cfg), 2026));
	assert_int_equal(cfg->utc_offset, 480);
	assert_int_equal(cfg->workers, 0);
	assert_true(cfg->map_size > 0 && cfg->map_size % (1024 * 1024) == 0);
	assert_int_equal(cfg->limits.max_frame, 1048576);
	assert_int_equal(cfg->limits.max_batch, 1000);
	assert_int_equal(cfg->limits.max_limit, 1000);
	assert_int_equal(cfg->limits.max_connections, 10000);
	assert_int_equal(cfg->limits.handshake_timeout, 10);
	assert_int_equal(cfg->limits.idle_timeout, 300);
	assert_int_equal(cfg->limits.output_cap, 4194304);
	assert_int_equal(cfg->limits.max_text, 1024);
}

/* The shipped credit list: a rating with dates and a grade. */
static void
shipped_credit(const struct config *cfg)
{
	const struct list_def	*l;

	assert_int_equal(cfg->nlists, 4);
	assert_int_equal(config_list_index(cfg, "credit", 6), 0);
	assert_int_equal(config_list_index(cfg, "tourism", 7), 1);
	assert_int_equal(config_list_index(cfg, "advertising", 11), 2);
	assert_int_equal(config_list_index(cfg, "creditx", 6), 0);
	assert_int_equal(config_list_index(cfg, "cred", 4), -1);
	assert_int_equal(config_list_index(cfg, "water", 5), -1);

	l = &cfg->lists[0];
	assert_string_equal(l->l_title, "企业质量信用评价");
	assert_int_equal(l->l_type, LT_RATING);
	assert_int_equal(l->l_kinds, 1u << 0);
	assert_int_equal(l->l_nfields, 6);
	assert_string_equal(l->l_fields[0].f_name, "name");
	assert_int_equal(l->l_fields[0].f_type, FT_TEXT);
	assert_int_equal(l->l_fields[0].f_required, 1);
	assert_int_equal(l->l_fields[0].f_max_len, 256);
	assert_int_equal(l->l_fields[1].f_type, FT_ENUM);
	assert_int_equal(l->l_fields[1].f_nvalues, 4);
	assert_string_equal(l->l_fields[1].f_values[0], "A");
	assert_string_equal(l->l_fields[1].f_values[3], "D");
	assert_int_equal(l->l_fields[2].f_type, FT_INT);
	assert_int_equal(l->l_fields[2].f_required, 0);
	assert_true(l->l_fields[2].f_min == 0 && l->l_fields[2].f_max == 100);
	assert_int_equal(l->l_fields[3].f_max_len, 64);
	assert_int_equal(l->l_fields[4].f_type, FT_DATE);
	assert_int_equal(l->l_start, 4);
	assert_int_equal(l->l_end, 5);
	assert_int_equal(l->l_grade, 1);
	assert_int_equal(l->l_default_years, 0);
	assert_int_equal(config_field_index(l, "score", 5), 2);
	assert_int_equal(config_field_index(l, "scor", 4), -1);
	assert_int_equal(config_entry_verdict(l, "A", 1), VERDICT_CLEAR);
	assert_int_equal(config_entry_verdict(l, "B", 1), VERDICT_CLEAR);
	assert_int_equal(config_entry_verdict(l, "C", 1), VERDICT_CAUTION);
	assert_int_equal(config_entry_verdict(l, "D", 1), VERDICT_LISTED);
	assert_string_equal(l->l_fields[1].f_labels[2], "失信");
	assert_null(l->l_fields[0].f_labels[0]);
}

/* The shipped tourism and advertising blacklists. */
static void
shipped_blacklists(const struct config *cfg)
{
	const struct list_def	*l;

	l = &cfg->lists[1];
	assert_int_equal(l->l_type, LT_BLACKLIST);
	assert_int_equal(l->l_kinds, 0xfu);
	assert_int_equal(l->l_nfields, 6);
	assert_int_equal(l->l_fields[1].f_nvalues, 5);
	assert_string_equal(l->l_fields[1].f_values[4], "other");
	/* reason has no max_len: the [limits] max_text applies */
	assert_int_equal(l->l_fields[2].f_max_len, 1024);
	assert_int_equal(l->l_fields[4].f_required, 1);
	assert_int_equal(l->l_start, 4);
	assert_int_equal(l->l_end, 5);
	assert_int_equal(l->l_grade, -1);
	assert_int_equal(l->l_default_years, 3);

	assert_string_equal(l->l_fields[1].f_labels[1], "未经许可从事导游活动");
	assert_int_equal(config_entry_verdict(l, NULL, 0), VERDICT_LISTED);
	assert_int_equal(l->l_escalate_to, -1);
	/* procedures: default periods, repair and publication set */
	assert_int_equal(l->l_case_days[CASE_NOTICE], 10);
	assert_int_equal(l->l_case_days[CASE_OBJECTION], 20);
	assert_int_equal(l->l_case_days[CASE_REPAIR], 15);
	assert_int_equal(l->l_repair_after, 365);
	assert_int_equal(l->l_publish_days, 1825);

	l = &cfg->lists[2];
	assert_int_equal(l->l_kinds, (1u << 0) | (1u << 2));
	assert_int_equal(l->l_nfields, 5);
	assert_int_equal(l->l_default_years, 0);

	/* the watch list escalates to tourism */
	l = &cfg->lists[3];
	assert_string_equal(l->l_name, "tourism-watch");
	assert_int_equal(l->l_type, LT_WATCH);
	assert_int_equal(config_entry_verdict(l, NULL, 0), VERDICT_CAUTION);
	assert_int_equal(l->l_escalate_to, 1);
	assert_int_equal(l->l_escalate_after, 2);
	assert_int_equal(l->l_escalate_window, 365);
	assert_int_equal(l->l_start, 4);
}

/* The shipped principals, their roles and the lists they write. */
static void
shipped_principals(const struct config *cfg)
{
	const struct principal	*p;
	int			 n;

	for (n = 0, p = cfg->principals; p != NULL; p = p->p_next)
		n++;
	assert_int_equal(n, 7);
	assert_non_null(p = config_principal(cfg, "market-regulator"));
	assert_int_equal(p->p_role, ROLE_REGULATOR);
	assert_int_equal(p->p_writes, 0);
	assert_non_null(p = config_principal(cfg, "quality-bureau"));
	assert_int_equal(p->p_role, ROLE_AGENCY);
	assert_int_equal(p->p_writes, 1u << 0);
	assert_non_null(p = config_principal(cfg, "tourism-bureau"));
	assert_int_equal(p->p_writes, (1u << 1) | (1u << 3));
	assert_non_null(p = config_principal(cfg, "commerce-bureau"));
	assert_int_equal(p->p_writes, 1u << 2);
	assert_non_null(p = config_principal(cfg, "shop-platform"));
	assert_int_equal(p->p_role, ROLE_PLATFORM);
	assert_non_null(p = config_principal(cfg, "ops-admin"));
	assert_int_equal(p->p_role, ROLE_ADMIN);
	assert_non_null(p = config_principal(cfg, "replica-1"));
	assert_int_equal(p->p_role, ROLE_REPLICA);
	assert_null(config_principal(cfg, "nobody"));
}

static void
test_shipped(void **state)
{
	struct config		*cfg, *again;
	char			 err[1024], *label;
	int			 i;

	(void)state;
	cfg = config_load(shipped_path(), err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	shipped_server(cfg);
	shipped_credit(cfg);
	shipped_blacklists(cfg);
	shipped_principals(cfg);
	/* a second load defines the same lists; a changed label does not */
	again = config_load(shipped_path(), err, sizeof(err));
	assert_non_null(again);
	for (i = 0; i < cfg->nlists; i++)
		assert_true(config_list_equal(&cfg->lists[i], &again->lists[i]));
	label = again->lists[0].l_fields[1].f_labels[0];
	label[0] ^= 1;
	assert_false(config_list_equal(&cfg->lists[0], &again->lists[0]));
	config_free(again);
	config_free(cfg);
}

/* A fourth list is a config change only. */
static void
test_fourth_list(void **state)
{
	struct config		*cfg;
	const struct list_def	*l;
	const struct principal	*p;
	char			 err[1024], path[512];
	static const char	 text[] =
	    SERVER
	    "workers = 4\n"
	    "map_size_mb = 64\n"
	    "map_max_mb = 128\n"
	    "timezone = -05:30\n"
	    "crl = ca.crl\n"
	    "[list credit]\n"
	    "type = rating\n"
	    "kinds = uscc\n"
	    "field = name text required max_len=256\n"
	    "field = grade enum required values=A,B,C,D\n"
	    "grade = grade\n"
	    "[list water]\n"
	    "title = 供水企业信用评价\n"
	    "type = rating\n"
	    "kinds = uscc, site\n"
	    "field = name text required\n"
	    "field = level enum required values=AAA,AA,A,B\n"
	    "field = leaks int min=-5 max=1000\n"
	    "field = permit text max_len=32\n"
	    "field = rated_on date required\n"
	    "field = rated_until date\n"
	    "start = rated_on\n"
	    "end = rated_until\n"
	    "grade = level\n"
	    "verdict = AAA clear\n"
	    "verdict = AA clear\n"
	    "verdict = A caution\n"
	    "default_years = 2\n"
	    "[limits]\n"
	    "max_text = 500\n"
	    "[principal water-bureau]\n"
	    "role = agency\n"
	    "writes = water credit\n";

	(void)state;
	cfg = load(text, err, sizeof(err), path, sizeof(path));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(cfg->workers, 4);
	assert_true(cfg->map_size == (uint64_t)64 * 1024 * 1024);
	assert_true(cfg->map_max == (uint64_t)128 * 1024 * 1024);
	assert_int_equal(cfg->utc_offset, -330);
	assert_string_equal(cfg->crl_file, "ca.crl");
	assert_string_equal(cfg->calendar_file, "");
	assert_null(config_calendar(cfg));
	assert_int_equal(cfg->nlists, 2);
	assert_int_equal(config_list_index(cfg, "water", 5), 1);
	l = &cfg->lists[1];
	assert_string_equal(l->l_name, "water");
	assert_string_equal(l->l_title, "供水企业信用评价");
	assert_int_equal(l->l_type, LT_RATING);
	assert_int_equal(l->l_kinds, (1u << 0) | (1u << 2));
	assert_int_equal(l->l_nfields, 6);
	assert_int_equal(l->l_grade, 1);
	assert_int_equal(l->l_start, 4);
	assert_int_equal(l->l_end, 5);
	assert_int_equal(l->l_default_years, 2);
	assert_int_equal(l->l_fields[1].f_nvalues, 4);
	assert_string_equal(l->l_fields[1].f_values[0], "AAA");
	/* given verdicts, and B's default */
	assert_int_equal(config_entry_verdict(l, "AA", 2), VERDICT_CLEAR);
	assert_int_equal(config_entry_verdict(l, "A", 1), VERDICT_CAUTION);
	assert_int_equal(config_entry_verdict(l, "B", 1), VERDICT_CLEAR);
	assert_true(l->l_fields[2].f_min == -5 && l->l_fields[2].f_max == 1000);
	/* [limits] after the list still sets its text default */
	assert_int_equal(l->l_fields[0].f_max_len, 500);
	assert_int_equal(l->l_fields[3].f_max_len, 32);
	/* the int field without bounds keeps the whole int64 range */
	assert_true(cfg->lists[0].l_fields[1].f_min == INT64_MIN);
	assert_non_null(p = config_principal(cfg, "water-bureau"));
	assert_int_equal(p->p_writes, (1u << 0) | (1u << 1));
	config_free(cfg);
}

static void
test_minimal_defaults(void **state)
{
	struct config	*cfg;
	char		 err[1024], path[512];

	(void)state;
	cfg = load(SERVER LIST, err, sizeof(err), path, sizeof(path));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_string_equal(cfg->listen_port, "7443");
	assert_int_equal(cfg->utc_offset, 480);
	/* no calendar: deadlines on weekdays only */
	assert_string_equal(cfg->calendar_file, "");
	assert_int_equal(cfg->limits.max_frame, 1024 * 1024);
	assert_int_equal(cfg->limits.max_text, 1024);
	assert_int_equal(cfg->lists[0].l_type, LT_BLACKLIST);
	assert_int_equal(cfg->lists[0].l_fields[0].f_max_len, 1024);
	assert_null(cfg->principals);
	config_free(cfg);
}

static void
test_missing_file(void **state)
{
	char	 err[1024], path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", tmpdir);
	assert_null(config_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
}

static void
test_err_sections_keys(void **state)
{
	(void)state;
	expect_err(SERVER "[serverx]\nx = 1\n" LIST, 6,
	    "unknown section [serverx]");
	expect_err(SERVER "[List l]\nkinds = uscc\n", 6,
	    "unknown section [List l]");
	expect_err(SERVER "bogus = 1\n" LIST, 5,
	    "unknown key 'bogus' in [server]");
	expect_err(SERVER "[limits]\nmax_frames = 100\n" LIST, 6,
	    "unknown key 'max_frames' in [limits]");
	expect_err(SERVER LIST "colour = red\n", 8,
	    "unknown key 'colour' in [list l]");
	expect_err(SERVER LIST "[principal p]\nrole = agency\nwrite = l\n",
	    10, "unknown key 'write' in [principal p]");
	/* an inih syntax error (no '=') */
	expect_err(SERVER "just words\n" LIST, 5, "syntax error");
	/* only the first error is reported */
	expect_err(SERVER "a = 1\nb = 2\n" LIST, 5,
	    "unknown key 'a' in [server]");
}

static void
test_err_server(void **state)
{
	(void)state;
	expect_err(SERVER "listen = 7443\n" LIST, 5,
	    "listen: expected HOST:PORT");
	expect_err(SERVER "timezone = +15:00\n" LIST, 5,
	    "timezone: expected an offset like +08:00");
	expect_err(SERVER "timezone = Asia/Shanghai\n" LIST, 5,
	    "timezone: expected an offset like +08:00");
	expect_err(SERVER "workers = 257\n" LIST, 5,
	    "workers: expected 0..256");
	expect_err(SERVER "workers = -1\n" LIST, 5,
	    "workers: expected 0..256");
	expect_err(SERVER "map_size_mb = 0\n" LIST, 5,
	    "map_size_mb: expected 1..1048576");
	expect_err(SERVER "map_max_mb = 1048577\n" LIST, 5,
	    "map_max_mb: expected 1..1048576");
}

/*
 * The calendar key: a path like the others, up to 1023 bytes; the file
 * must load with the config.
 */
static void
test_calendar_key(void **state)
{
	struct config	*cfg;
	char		 text[2048], err[1024], path[512];
	int		 n;

	(void)state;
	n = snprintf(text, sizeof(text), SERVER "calendar = ");
	memset(text + n, 'c', 1023);
	snprintf(text + n + 1023, sizeof(text) - (size_t)n - 1023, "\n" LIST);
	cfg = load(text, err, sizeof(err), path, sizeof(path));
	assert_null(cfg);
	assert_non_null(strstr(err, "calendar: cccc"));
	memset(text + n, 'c', 1024);
	snprintf(text + n + 1024, sizeof(text) - (size_t)n - 1024, "\n" LIST);
	expect_err(text, 5, "calendar: path too long");
	/* the file is loaded with the config: a missing one refuses it */
	cfg = load(SERVER "calendar = no/such/file.cal\n" LIST, err,
	    sizeof(err), path, sizeof(path));
	assert_null(cfg);
	assert_string_equal(err, "calendar: no/such/file.cal: No such file "
	    "or directory");
}

static void
test_err_limits(void **state)
{
	(void)state;
	expect_err(SERVER "[limits]\nmax_batch = 0\n" LIST, 6,
	    "max_batch: expected 1..100000");
	expect_err(SERVER "[limits]\nmax_batch = 100001\n" LIST, 6,
	    "max_batch: expected 1..100000");
	expect_err(SERVER "[limits]\nmax_frame = 63\n" LIST, 6,
	    "max_frame: expected 64..67108864");
	expect_err(SERVER "[limits]\nmax_frame = 67108865\n" LIST, 6,
	    "max_frame: expected 64..67108864");
	expect_err(SERVER "[limits]\nmax_limit = ten\n" LIST, 6,
	    "max_limit: expected 1..100000");
	expect_err(SERVER "[limits]\nmax_limit = 10k\n" LIST, 6,
	    "max_limit: expected 1..100000");
	expect_err(SERVER "[limits]\nmax_limit = +10\n" LIST, 6,
	    "max_limit: expected 1..100000");
	expect_err(SERVER "[limits]\nmax_limit = -10\n" LIST, 6,
	    "max_limit: expected 1..100000");
	expect_err(SERVER "[limits]\nmax_limit =\n" LIST, 6,
	    "max_limit: expected 1..100000");
	expect_err(SERVER "[limits]\nidle_timeout = "
	    "99999999999999999999999\n" LIST, 6,
	    "idle_timeout: expected 1..86400");
	expect_err(SERVER "[limits]\noutput_cap = 65535\n" LIST, 6,
	    "output_cap: expected 65536..1073741824");
	expect_err(SERVER "[limits]\nmax_text = 15\n" LIST, 6,
	    "max_text: expected 16..65536");
	expect_err(SERVER "[limits]\nhandshake_timeout = 3601\n" LIST, 6,
	    "handshake_timeout: expected 1..3600");
	expect_err(SERVER "[limits]\nmax_connections = 0\n" LIST, 6,
	    "max_connections: expected 1..1000000");
}

static void
test_limits_bounds(void **state)
{
	struct config	*cfg;
	char		 err[1024], path[512];

	(void)state;
	cfg = load(SERVER "[limits]\nmax_frame = 64\nmax_batch = 100000\n"
	    "output_cap = 1073741824\nmax_text = 16\n" LIST,
	    err, sizeof(err), path, sizeof(path));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(cfg->limits.max_frame, 64);
	assert_int_equal(cfg->limits.max_batch, 100000);
	assert_int_equal(cfg->limits.output_cap, 1073741824);
	assert_int_equal(cfg->limits.max_text, 16);
	config_free(cfg);
}

static void
test_err_fields(void **state)
{
	(void)state;
	expect_err(SERVER LIST "field = x blob\n", 8,
	    "field x: unknown type 'blob'");
	expect_err(SERVER LIST "field = x\n", 8, "field x: missing type");
	expect_err(SERVER LIST "field = x enum required\n", 8,
	    "field x: enum needs values=");
	expect_err(SERVER LIST "field = x enum values=\n", 8,
	    "field x: enum needs values=");
	expect_err(SERVER LIST "field = x enum values=,,\n", 8,
	    "field x: enum needs values=");
	expect_err(SERVER LIST "field = name date\n", 8,
	    "field 'name' defined twice");
	expect_err(SERVER LIST "field = Name text\n", 8,
	    "field: expected a name of [a-z0-9_.-]");
	expect_err(SERVER LIST "field = a:b text\n", 8,
	    "field: expected a name of [a-z0-9_.-]");
	expect_err(SERVER LIST "field = x text optional\n", 8,
	    "field x: bad option 'optional'");
	expect_err(SERVER LIST "field = x int max_len=5\n", 8,
	    "field x: bad option 'max_len'");
	expect_err(SERVER LIST "field = x text max_len=0\n", 8,
	    "field x: bad option 'max_len'");
	expect_err(SERVER LIST "field = x text min=1\n", 8,
	    "field x: bad option 'min'");
	expect_err(SERVER LIST "field = x text values=a\n", 8,
	    "field x: bad option 'values'");
	expect_err(SERVER LIST "field = x int min=5 max=4\n", 8,
	    "field x: min above max");
	expect_err(SERVER LIST "field = x enum values="
	    "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\n", 8,
	    "field x: too many or too long values");
	expect_err(SERVER "[list l]\nkinds = uscc fish\n", 6,
	    "kinds: unknown kind 'fish'");
	expect_err(SERVER "[list l]\ntype = ranking\n", 6,
	    "type: expected rating, blacklist or watch");
	expect_err(SERVER "[list L]\nkinds = uscc\n", 6,
	    "list name 'L': expected [a-z0-9_.-]");
	expect_err(SERVER LIST "[list m]\nkinds = uscc\n[list l]\n"
	    "title = again\n", 11, "list 'l' defined twice");
	expect_err(SERVER LIST "default_years = 0\n", 8,
	    "default_years: expected 1..100");
}

/*
 * Titles and enum values go out in hello, whose strs must be UTF-8: bytes
 * that are not are refused at load (found by fuzz_config).
 */
static void
test_err_not_utf8(void **state)
{
	char		 err[1024], path[512];
	struct config	*cfg;

	(void)state;
	expect_err(SERVER LIST "title = \xe4\xbc\x81\xe4\xb8min\n", 8,
	    "title: not valid UTF-8");
	expect_err(SERVER LIST "field = x enum values=A,\xff\n", 8,
	    "field x: a value is not valid UTF-8");
	cfg = load(SERVER LIST "title = 企业质量信用评价\n"
	    "field = x enum values=甲,乙\n", err, sizeof(err), path,
	    sizeof(path));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(cfg->lists[0].l_fields[1].f_values[1], "乙");
	config_free(cfg);
}

/*
 * A non-numeric int bound is silently read as 0 (strtoll without an end
 * check): "min=abc" gives min 0 and "max=5x" max 5. It must be refused.
 */
static void
test_err_field_int_bounds(void **state)
{
	(void)state;
	expect_err(SERVER LIST "field = x int min=abc\n", 8,
	    "field x: bad option 'min'");
	expect_err(SERVER LIST "field = x int max=5x\n", 8,
	    "field x: bad option 'max'");
	expect_err(SERVER LIST "field = x int max=\n", 8,
	    "field x: bad option 'max'");
}

static void
test_err_start_end_grade(void **state)
{
	(void)state;
	expect_err(SERVER LIST "start = since\n", 8,
	    "start: no field 'since' defined above");
	expect_err(SERVER LIST "end = until\nfield = until date\n", 8,
	    "end: no field 'until' defined above");
	expect_err(SERVER "[list l]\ntype = rating\nkinds = uscc\n"
	    "grade = g\nfield = g enum values=A\n", 8,
	    "grade: no field 'g' defined above");
}

/*
 * Whole-config checks: config.h promises "file:line: reason"; these have
 * no single line, but the message must still name the file.
 */
/* Labels, verdicts and escalation: each bad line names its reason. */
static void
test_err_labels_verdicts(void **state)
{
	(void)state;
	/* LIST ends on line 7 (SERVER is 4 lines, LIST 3) */
	expect_err(SERVER LIST "label = name x 名\n", 8,
	    "label: no enum field 'name' defined above");
	expect_err(SERVER LIST "field = c enum values=a,b\nlabel = c z 名\n",
	    9, "label: field c has no value 'z'");
	expect_err(SERVER LIST "field = c enum values=a,b\nlabel = c a\n",
	    9, "label: expected FIELD VALUE TEXT");
	expect_err(SERVER LIST "field = c enum values=a,b\nlabel = c a \xff\n",
	    9, "label c a: expected UTF-8 text");
	expect_err(SERVER LIST "field = c enum values=a,b\nlabel = c a 甲\n"
	    "label = c a 乙\n", 10, "label c a: given twice");
	expect_err(SERVER LIST "verdict = A clear\n", 8,
	    "verdict: only for a rating list, after grade =");
	expect_err(SERVER "[list l]\ntype = rating\nkinds = uscc\n"
	    "field = g enum values=A,B\ngrade = g\nverdict = E clear\n", 10,
	    "verdict: no grade 'E'");
	expect_err(SERVER "[list l]\ntype = rating\nkinds = uscc\n"
	    "field = g enum values=A,B\ngrade = g\nverdict = A bad\n", 10,
	    "verdict: expected clear, caution or listed");
	expect_err(SERVER "[list l]\ntype = rating\nkinds = uscc\n"
	    "field = g enum values=A,B\ngrade = g\nverdict = A clear\n"
	    "verdict = A listed\n", 11, "verdict A: given twice");
	/* a grade without a default needs a verdict */
	expect_err(SERVER "[list l]\ntype = rating\nkinds = uscc\n"
	    "field = g enum values=AA,B\ngrade = g\n", 0,
	    "list l: grade AA needs a verdict = AA clear|caution|listed");
	expect_err(SERVER LIST "escalate_to = l\n", 8,
	    "escalate_to: only for a watch list, after type = watch");
	expect_err(SERVER "[list w]\ntype = watch\nescalate_after = 0\n", 7,
	    "escalate_after: expected 1..16");
	expect_err(SERVER "[list w]\nnotice_days = 0\n", 6,
	    "notice_days: expected 1..365 working days");
	expect_err(SERVER "[list w]\nrepair_days = 366\n", 6,
	    "repair_days: expected 1..365 working days");
	expect_err(SERVER "[list w]\npublish_days = -1\n", 6,
	    "publish_days: expected 0..36500 days");
	expect_err(SERVER "[list w]\ntype = blacklist\nkinds = uscc\n"
	    "field = d date\nrepair_after = 30\n", 0,
	    "list w: repair_after needs start, publish_days needs end");
	expect_err(SERVER "[list w]\ntype = watch\nescalate_window = x\n", 7,
	    "escalate_window: expected 1..36500 days");
	expect_err(SERVER "[list w]\ntype = watch\nescalate_when = 1\n", 7,
	    "unknown key 'escalate_when' in [list w]");
	expect_err(SERVER "[list w]\ntype = watch\nkinds = uscc\n"
	    "field = d date\nstart = d\nescalate_to = nowhere\n", 0,
	    "list w: escalate_to names no rating or blacklist");
	expect_err(SERVER "[list w]\ntype = watch\nkinds = uscc\n"
	    "field = d date\nescalate_to = w\n", 0,
	    "list w: escalate_to names no rating or blacklist");
	expect_err(SERVER LIST "[list w]\ntype = watch\nkinds = uscc\n"
	    "field = d date\nescalate_to = l\n", 0,
	    "list w: escalation needs start");
	expect_err(SERVER LIST "[list w]\ntype = watch\nkinds = uscc\n"
	    "field = d date\nescalate_after = 3\n", 0,
	    "list w: escalate_after and escalate_window need escalate_to");
	expect_err(SERVER LIST "type = grey\n", 8,
	    "type: expected rating, blacklist or watch");
}

static void
test_err_whole_config(void **state)
{
	(void)state;
	expect_err(SERVER LIST "start = name\n", 0,
	    "list l: start and end must be date fields");
	expect_err(SERVER LIST "field = n int\nend = n\n", 0,
	    "list l: start and end must be date fields");
	expect_err(SERVER LIST "type = rating\n", 0,
	    "list l: a rating list needs grade = <an enum field>");
	expect_err(SERVER LIST "type = rating\ngrade = name\n", 0,
	    "list l: a rating list needs grade = <an enum field>");
	expect_err(SERVER LIST "field = d date\nstart = d\n"
	    "default_years = 3\n", 0,
	    "list l: default_years needs start and end");
	expect_err(SERVER LIST "field = d date\nend = d\n"
	    "default_years = 3\n", 0,
	    "list l: default_years needs start and end");
	expect_err(SERVER "[list l]\nfield = name text\n", 0,
	    "list l: needs kinds and fields");
	expect_err(SERVER "[list l]\nkinds = uscc\n", 0,
	    "list l: needs kinds and fields");
	expect_err(SERVER LIST "[principal p]\nwrites = l\n", 0,
	    "principal p: needs a role");
	expect_err(SERVER LIST "[principal p]\nrole = platform\n"
	    "writes = l\n", 0, "principal p: only agencies write lists");
	expect_err(SERVER LIST "[principal p]\nwrites = l\n"
	    "role = regulator\n", 0,
	    "principal p: only agencies write lists");
	expect_err("[server]\ncert = s.crt\nkey = s.key\n" LIST, 0,
	    "[server] needs ca, cert and key");
	expect_err("[server]\nca = ca.crt\nkey = s.key\n" LIST, 0,
	    "[server] needs ca, cert and key");
	expect_err("[server]\nca = ca.crt\ncert = s.crt\n" LIST, 0,
	    "[server] needs ca, cert and key");
	expect_err(SERVER "map_size_mb = 64\nmap_max_mb = 32\n" LIST, 0,
	    "map_max_mb is below map_size_mb");
	expect_err(SERVER, 0, "no [list NAME] section");
	expect_err(SERVER "[list l]\n", 0, "no [list NAME] section");
}

static void
test_err_principals(void **state)
{
	(void)state;
	expect_err(SERVER LIST "[principal p]\nrole = root\n", 9,
	    "role: expected platform, agency, regulator, admin or replica");
	expect_err(SERVER LIST "[principal p]\nrole = none\n", 9,
	    "role: expected platform, agency, regulator, admin or replica");
	expect_err(SERVER LIST "[principal p]\nrole = agency\n"
	    "writes = l, water\n", 10,
	    "writes: no list 'water' defined above");
	expect_err(SERVER "[principal p]\nrole = agency\nwrites = l\n"
	    LIST, 7, "writes: no list 'l' defined above");
	expect_err(SERVER LIST "[principal p]\nrole = admin\n"
	    "[principal q]\nrole = admin\n[principal p]\nrole = admin\n",
	    13, "principal 'p' defined twice");
	expect_err(SERVER LIST "[principal ]\nrole = admin\n", 9,
	    "principal name: 1..63 bytes");
}

/*
 * Debian's inih reads at most 199 bytes per line by default and parses
 * the rest as a new line: a long field spec was cut short and the error
 * (if any) came from the tail, counted as one more line. A long line must
 * either load whole or be refused at its own line.
 */
static void
test_long_line(void **state)
{
	struct config	*cfg;
	char		 text[2048], err[1024], path[512], want[600];
	int		 i, n;

	(void)state;
	n = snprintf(text, sizeof(text), SERVER LIST
	    "field = category enum values=v00");
	for (i = 1; i < 16; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
		    ",value_number_%02d", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "\nfield = n int\n");
	assert_true(strlen(strstr(text, "field = category")) > 250);
	cfg = load(text, err, sizeof(err), path, sizeof(path));
	if (cfg != NULL) {
		assert_int_equal(cfg->lists[0].l_nfields, 3);
		assert_int_equal(cfg->lists[0].l_fields[1].f_nvalues, 16);
		assert_string_equal(cfg->lists[0].l_fields[1].f_values[15],
		    "value_number_15");
		config_free(cfg);
		return;
	}
	snprintf(want, sizeof(want), "%s:8: ", path);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("long line 8 refused as: %s", err);
}

/*
 * inih returns the line of its first error, but the handler keeps the
 * reason of its own first error: a syntax error followed by a bad key
 * must not report the key's reason at the syntax error's line.
 */
static void
test_err_first_error(void **state)
{
	(void)state;
	expect_err(SERVER "just words\n" LIST "bogus = 1\n", 5,
	    "syntax error");
}

static void
test_set_listen(void **state)
{
	struct config	 cfg;
	static const char *const bad[] = {
		"", "7443", ":7443", "host:", "host:http", "host:74x3",
		"[::1]7443", "[::1]:", "[]:7443", "[::1:7443",
		"host:12345678901234567",
	};
	char		 longhost[300];
	size_t		 i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(config_set_listen(&cfg, "0.0.0.0:8443"), 0);
	assert_string_equal(cfg.listen_host, "0.0.0.0");
	assert_string_equal(cfg.listen_port, "8443");
	assert_int_equal(config_set_listen(&cfg, "localhost:0"), 0);
	assert_string_equal(cfg.listen_host, "localhost");
	assert_string_equal(cfg.listen_port, "0");
	assert_int_equal(config_set_listen(&cfg, "[::1]:7443"), 0);
	assert_string_equal(cfg.listen_host, "::1");
	assert_string_equal(cfg.listen_port, "7443");
	assert_int_equal(config_set_listen(&cfg, "[fe80::1%eth0]:1"), 0);
	assert_string_equal(cfg.listen_host, "fe80::1%eth0");
	assert_string_equal(cfg.listen_port, "1");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config_set_listen(&cfg, bad[i]) != -1)
			fail_msg("accepted listen '%s'", bad[i]);
		/* a refused address leaves the config as it was */
		assert_string_equal(cfg.listen_host, "fe80::1%eth0");
		assert_string_equal(cfg.listen_port, "1");
	}
	memset(longhost, 'h', sizeof(longhost));
	strcpy(longhost + 256, ":80");
	assert_int_equal(config_set_listen(&cfg, longhost), -1);
	strcpy(longhost + 255, ":80");
	assert_int_equal(config_set_listen(&cfg, longhost), 0);
	assert_int_equal(strlen(cfg.listen_host), 255);
}

/*
 * glibc's getaddrinfo takes a numeric service modulo 65536: "65536"
 * would listen on a random port and "99999" on 34463. Refuse them.
 */
static void
test_set_listen_port_range(void **state)
{
	struct config	 cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(config_set_listen(&cfg, "127.0.0.1:65535"), 0);
	assert_string_equal(cfg.listen_port, "65535");
	assert_int_equal(config_set_listen(&cfg, "127.0.0.1:65536"), -1);
	assert_int_equal(config_set_listen(&cfg, "127.0.0.1:99999"), -1);
	assert_int_equal(config_set_listen(&cfg, "[::1]:100000"), -1);
	assert_string_equal(cfg.listen_port, "65535");
}

/* A replica's primary: HOST:PORT, the port 1 to 65535. */
static void
test_set_replica_of(void **state)
{
	struct config	 cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(config_set_replica_of(&cfg, "10.0.0.1:7443"), 0);
	assert_string_equal(cfg.replica_of, "10.0.0.1:7443");
	assert_int_equal(config_set_replica_of(&cfg, "10.0.0.1"), -1);
	assert_int_equal(config_set_replica_of(&cfg, ":7443"), -1);
	assert_int_equal(config_set_replica_of(&cfg, "h:"), -1);
	assert_int_equal(config_set_replica_of(&cfg, "h:0"), -1);
	assert_int_equal(config_set_replica_of(&cfg, "h:65536"), -1);
	assert_int_equal(config_set_replica_of(&cfg, "h:12x"), -1);
	assert_string_equal(cfg.replica_of, "10.0.0.1:7443");
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(config_role_name(ROLE_NONE), "none");
	assert_string_equal(config_role_name(ROLE_PLATFORM), "platform");
	assert_string_equal(config_role_name(ROLE_AGENCY), "agency");
	assert_string_equal(config_role_name(ROLE_REGULATOR), "regulator");
	assert_string_equal(config_role_name(ROLE_ADMIN), "admin");
	assert_string_equal(config_role_name(ROLE_REPLICA), "replica");
	assert_string_equal(config_field_type_name(FT_TEXT), "text");
	assert_string_equal(config_field_type_name(FT_ENUM), "enum");
	assert_string_equal(config_field_type_name(FT_INT), "int");
	assert_string_equal(config_field_type_name(FT_DATE), "date");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_fourth_list),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_err_sections_keys),
		cmocka_unit_test(test_err_server),
		cmocka_unit_test(test_calendar_key),
		cmocka_unit_test(test_err_limits),
		cmocka_unit_test(test_limits_bounds),
		cmocka_unit_test(test_err_fields),
		cmocka_unit_test(test_err_not_utf8),
		cmocka_unit_test(test_err_field_int_bounds),
		cmocka_unit_test(test_err_start_end_grade),
		cmocka_unit_test(test_err_labels_verdicts),
		cmocka_unit_test(test_err_whole_config),
		cmocka_unit_test(test_err_principals),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_err_first_error),
		cmocka_unit_test(test_set_listen),
		cmocka_unit_test(test_set_listen_port_range),
		cmocka_unit_test(test_set_replica_of),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
