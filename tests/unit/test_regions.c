/*
 * Division names (server/common/regions.c): the shipped file, lookups,
 * and every way a file is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "regions.h"
#include "testlib.h"

static char	 dir[512];

static int
setup(void **state)
{
	(void)state;
	return tl_tmpdir(dir, sizeof(dir), "regions");
}

static int
teardown(void **state)
{
	char	 path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/r.txt", dir);
	unlink(path);
	return rmdir(dir);
}

/* Loads text as a regions file: NULL with err on refusal. */
static struct regions *
load_text(const char *text, char *err, size_t errlen)
{
	char	 path[600];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/r.txt", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	return regions_load(path, err, errlen);
}

static void
test_shipped(void **state)
{
	struct regions	*rs;
	char		 err[256];

	(void)state;
	rs = regions_load("server/regions.txt", err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	assert_string_equal(regions_name(rs, "41", 2), "河南省");
	assert_string_equal(regions_name(rs, "82", 2), "澳门特别行政区");
	assert_string_equal(regions_name(rs, "4101", 4), "郑州市");
	assert_string_equal(regions_name(rs, "4190", 4), "省直辖县级行政区划");
	assert_null(regions_name(rs, "4199", 4));
	assert_null(regions_name(rs, "410102", 6));
	assert_null(regions_name(rs, "4", 1));
	regions_free(rs);
}

static void
test_lookup(void **state)
{
	struct regions	*rs;
	char		 err[256];

	(void)state;
	rs = load_text("# comment\n\n4101\t郑州市\n41 河南省  \n"
	    "410102 中原区\r\n", err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	assert_string_equal(regions_name(rs, "41", 2), "河南省");
	assert_string_equal(regions_name(rs, "410102", 6), "中原区");
	assert_string_equal(regions_name(rs, "4101xx", 4), "郑州市");
	assert_null(regions_name(rs, "35", 2));
	regions_free(rs);
	assert_null(regions_name(NULL, "41", 2));
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*text, *want;
	} bad[] = {
		{ "41 河南省\n410 什么\n", "line 2: a code of 2, 4 or 6" },
		{ "4a 河南省\n", "line 1: a code of 2, 4 or 6" },
		{ "41\n", "line 1: a name of 1 to 64 bytes" },
		{ "41 \xff\xfe\n", "line 1: a name of 1 to 64 bytes" },
		{ "41 河南省\n35 福建省\n41 又一个\n", "code 41 given twice" },
	};
	char		 err[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(load_text(bad[i].text, err, sizeof(err)));
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("%zu: %s, want %s", i, err, bad[i].want);
	}
	assert_null(regions_load("/nonexistent/regions.txt", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
}

static void
test_code_valid(void **state)
{
	(void)state;
	assert_true(regions_code_valid("41", 2));
	assert_true(regions_code_valid("4101", 4));
	assert_true(regions_code_valid("410102", 6));
	assert_false(regions_code_valid("410", 3));
	assert_false(regions_code_valid("41010a", 6));
	assert_false(regions_code_valid("", 0));
	assert_false(regions_code_valid("41010203", 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_code_valid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
