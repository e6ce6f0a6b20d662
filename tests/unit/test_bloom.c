/*
 * The subject filter: no false negatives, few false positives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bloom.h"

static void
test_no_false_negatives(void **state)
{
	struct bloom	 b;
	char		 key[64];
	int		 i, n;

	(void)state;
	assert_int_equal(bloom_init(&b, 200000), 0);
	for (i = 0; i < 200000; i++) {
		n = snprintf(key, sizeof(key), "uscc:9135%014d", i);
		bloom_add(&b, key, (size_t)n);
	}
	for (i = 0; i < 200000; i++) {
		n = snprintf(key, sizeof(key), "uscc:9135%014d", i);
		assert_int_equal(bloom_maybe(&b, key, (size_t)n), 1);
	}
	bloom_free(&b);
}

static void
test_false_positive_rate(void **state)
{
	struct bloom	 b;
	char		 key[64];
	int		 i, n, fp = 0;

	(void)state;
	assert_int_equal(bloom_init(&b, 100000), 0);
	for (i = 0; i < 100000; i++) {
		n = snprintf(key, sizeof(key), "site:s%d.example.cn", i);
		bloom_add(&b, key, (size_t)n);
	}
	/* At its sized load the filter answers "maybe" for < 1% of others. */
	for (i = 0; i < 100000; i++) {
		n = snprintf(key, sizeof(key), "site:t%d.example.cn", i);
		fp += bloom_maybe(&b, key, (size_t)n);
	}
	assert_true(fp < 1000);
	bloom_free(&b);
}

static void
test_empty_and_prefixes(void **state)
{
	struct bloom	 b;

	(void)state;
	assert_int_equal(bloom_init(&b, 0), 0);
	assert_int_equal(bloom_maybe(&b, "uscc:x", 6), 0);
	bloom_add(&b, "guide:ABCD", 10);
	assert_int_equal(bloom_maybe(&b, "guide:ABCD", 10), 1);
	/* A prefix of an added key is a different key. */
	assert_int_equal(bloom_maybe(&b, "guide:ABC", 9), 0);
	bloom_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_false_negatives),
		cmocka_unit_test(test_false_positive_rate),
		cmocka_unit_test(test_empty_and_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
