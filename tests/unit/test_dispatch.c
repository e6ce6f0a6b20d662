/*
 * Request argument readers of dispatch.c (arg_list, arg_lists): what
 * they refuse, and that every message they build is valid UTF-8, since
 * it goes back on the wire. Regressions for fuzz_request findings.
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
#include "dispatch.h"
#include "utf8.h"

struct mp {
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	msgpack_unpacked up;
};

static int	 load(struct config **, int);
static int	 setup(void **);
static int	 teardown(void **);
static void	 mp_lists(struct mp *, const char *key, const char *const *,
		    const size_t *, int);
static void	 mp_free(struct mp *);
static void	 req_init(struct req *, const struct config *,
		    const struct mp *);

/* A config with nlists lists l0, l1, ... */
static int
load(struct config **cfg, int nlists)
{
	const char	*t = getenv("TMPDIR");
	char		 path[512], err[1024];
	FILE		*f;
	int		 fd, i;

	snprintf(path, sizeof(path), "%s/qcreg-test-dispatch.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	fputs("[server]\nca = a\ncert = b\nkey = c\n", f);
	for (i = 0; i < nlists; i++)
		fprintf(f, "[list l%d]\nkinds = uscc\nfield = f text\n", i);
	if (fclose(f) != 0)
		return -1;
	*cfg = config_load(path, err, sizeof(err));
	unlink(path);
	if (*cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	struct config	**cfgs;

	if ((cfgs = calloc(2, sizeof(*cfgs))) == NULL ||
	    load(&cfgs[0], 3) == -1 || load(&cfgs[1], CFG_MAX_LISTS) == -1)
		return -1;
	*state = cfgs;
	return 0;
}

static int
teardown(void **state)
{
	struct config	**cfgs = *state;

	config_free(cfgs[0]);
	config_free(cfgs[1]);
	free(cfgs);
	return 0;
}

/*
 * The request {key: [names...]} (an array when array, else the first
 * name as a str), names given with their lengths (they may hold any byte).
 */
static void
mp_lists(struct mp *m, const char *key, const char *const *names,
    const size_t *lens, int array)
{
	size_t	 off = 0;
	int	 i, n = 0;

	while (names[n] != NULL)
		n++;
	msgpack_sbuffer_init(&m->sb);
	msgpack_packer_init(&m->pk, &m->sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&m->up);
	assert_int_equal(msgpack_pack_map(&m->pk, 1), 0);
	assert_int_equal(msgpack_pack_str_with_body(&m->pk, key, strlen(key)),
	    0);
	if (array)
		assert_int_equal(msgpack_pack_array(&m->pk, (size_t)n), 0);
	for (i = 0; i < (array ? n : 1); i++)
		assert_int_equal(msgpack_pack_str_with_body(&m->pk, names[i],
		    lens[i]), 0);
	assert_int_equal(msgpack_unpack_next(&m->up, m->sb.data, m->sb.size,
	    &off), MSGPACK_UNPACK_SUCCESS);
}

static void
mp_free(struct mp *m)
{
	msgpack_unpacked_destroy(&m->up);
	msgpack_sbuffer_destroy(&m->sb);
}

static void
req_init(struct req *q, const struct config *cfg, const struct mp *m)
{
	memset(q, 0, sizeof(*q));
	q->q_cfg = cfg;
	q->q_msg = &m->up.data;
}

/* Absent "lists" means every list, also when there are 32 of them. */
static void
test_lists_all(void **state)
{
	struct config	**cfgs = *state;
	const char	*none[] = { NULL };
	const char	*one[] = { "l31", NULL };
	const size_t	 lens[] = { 3 };
	struct mp	 m;
	struct req	 q;
	unsigned	 mask = 0;

	mp_lists(&m, "other", none, NULL, 1);
	req_init(&q, cfgs[0], &m);
	assert_int_equal(arg_lists(&q, &mask), 0);
	assert_int_equal(mask, 0x7u);
	req_init(&q, cfgs[1], &m);
	assert_int_equal(arg_lists(&q, &mask), 0);
	assert_int_equal(mask, 0xffffffffu);
	mp_free(&m);

	mp_lists(&m, "lists", one, lens, 1);
	req_init(&q, cfgs[1], &m);
	assert_int_equal(arg_lists(&q, &mask), 1);
	assert_int_equal(mask, 0x80000000u);
	mp_free(&m);
}

/* A list name that is not UTF-8 is refused, not echoed. */
static void
test_lists_not_utf8(void **state)
{
	struct config	**cfgs = *state;
	const char	*bad[] = { "crbdi\xa3", NULL };
	const size_t	 lens[] = { 6 };
	struct mp	 m;
	struct req	 q;
	unsigned	 mask;

	mp_lists(&m, "lists", bad, lens, 1);
	req_init(&q, cfgs[0], &m);
	assert_int_equal(arg_lists(&q, &mask), -1);
	assert_int_equal(q.q_err, QC_E_BAD_REQUEST);
	assert_string_equal(q.q_errmsg, "lists: not valid UTF-8");
	mp_free(&m);

	/* arg_list (one name) already refused it through arg_str. */
	mp_lists(&m, "list", bad, lens, 0);
	req_init(&q, cfgs[0], &m);
	assert_int_equal(arg_list(&q, "list", &(int){ 0 }), -1);
	assert_int_equal(q.q_err, QC_E_BAD_REQUEST);
	mp_free(&m);
}

/* An unknown long name is quoted cut between characters, not inside. */
static void
test_unknown_quoted_whole(void **state)
{
	struct config	**cfgs = *state;
	char		 name[3 * 30 + 1];
	const char	*names[] = { name, NULL };
	size_t		 lens[1];
	struct mp	 m;
	struct req	 q;
	unsigned	 mask;
	int		 i, li;

	/* 30 three-byte characters: byte 64 falls inside the 22nd. */
	for (i = 0; i < 30; i++)
		memcpy(name + 3 * i, "\xe5\x90\x8d", 3);	/* 名 */
	name[90] = '\0';
	lens[0] = 90;

	mp_lists(&m, "lists", names, lens, 1);
	req_init(&q, cfgs[0], &m);
	assert_int_equal(arg_lists(&q, &mask), -1);
	assert_int_equal(q.q_err, QC_E_UNKNOWN_LIST);
	assert_true(qc_utf8_valid(q.q_errmsg, strlen(q.q_errmsg)));
	assert_non_null(strstr(q.q_errmsg, "'"));
	mp_free(&m);

	mp_lists(&m, "list", names, lens, 0);
	req_init(&q, cfgs[0], &m);
	assert_int_equal(arg_list(&q, "list", &li), -1);
	assert_int_equal(q.q_err, QC_E_UNKNOWN_LIST);
	assert_true(qc_utf8_valid(q.q_errmsg, strlen(q.q_errmsg)));
	/* 21 whole characters (63 bytes) are quoted. */
	assert_non_null(strstr(q.q_errmsg, "'"));
	assert_int_equal(strlen(strchr(q.q_errmsg, '\'')), 1 + 63 + 1);
	mp_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_all),
		cmocka_unit_test(test_lists_not_utf8),
		cmocka_unit_test(test_unknown_quoted_whole),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
