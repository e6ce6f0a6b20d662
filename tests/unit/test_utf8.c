/*
 * UTF-8 validation (RFC 3629), code point counts and display widths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "utf8.h"

#define VALID(s)	assert_true(qc_utf8_valid((s), sizeof(s) - 1))
#define INVALID(s)	assert_false(qc_utf8_valid((s), sizeof(s) - 1))

static void
test_valid(void **state)
{
	(void)state;
	VALID("");
	VALID("plain ASCII ~\x7f");
	VALID("福州某某食品有限公司");
	VALID("闽旅罚〔2026〕12号");
	VALID("信用修复：已完成整改");
	VALID("\xc2\x80");			/* U+0080, smallest 2-byte */
	VALID("\xdf\xbf");			/* U+07FF */
	VALID("\xe0\xa0\x80");			/* U+0800, smallest 3-byte */
	VALID("\xed\x9f\xbf");			/* U+D7FF, below surrogates */
	VALID("\xee\x80\x80");			/* U+E000, above them */
	VALID("\xef\xbf\xbf");			/* U+FFFF */
	VALID("\xf0\x90\x80\x80");		/* U+10000 */
	VALID("\xf0\xa0\x80\x80");		/* U+20000, CJK ext. B */
	VALID("\xf4\x8f\xbf\xbf");		/* U+10FFFF */
}

static void
test_overlong(void **state)
{
	(void)state;
	INVALID("\xc0\x80");			/* NUL as 2 bytes */
	INVALID("\xc0\xaf");			/* '/' as 2 bytes */
	INVALID("\xc1\xbf");
	INVALID("\xe0\x80\xaf");		/* '/' as 3 bytes */
	INVALID("\xe0\x9f\xbf");		/* U+07FF as 3 bytes */
	INVALID("\xf0\x80\x80\xaf");		/* '/' as 4 bytes */
	INVALID("\xf0\x8f\xbf\xbf");		/* U+FFFF as 4 bytes */
}

static void
test_surrogates(void **state)
{
	(void)state;
	INVALID("\xed\xa0\x80");		/* U+D800 */
	INVALID("\xed\xaf\xbf");		/* U+DBFF */
	INVALID("\xed\xb0\x80");		/* U+DC00 */
	INVALID("\xed\xbf\xbf");		/* U+DFFF */
	INVALID("\xed\xa0\xbd\xed\xb8\x80");	/* CESU-8 pair */
}

static void
test_too_big(void **state)
{
	(void)state;
	INVALID("\xf4\x90\x80\x80");		/* U+110000 */
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf7\xbf\xbf\xbf");
	INVALID("\xf8\x88\x80\x80\x80");	/* old 5-byte form */
	INVALID("\xfc\x84\x80\x80\x80\x80");	/* old 6-byte form */
	INVALID("\xfe");
	INVALID("\xff");
}

static void
test_truncated(void **state)
{
	const char	 s[] = "公司";
	size_t		 n;

	(void)state;
	INVALID("\xc2");
	INVALID("\xe5\x85");
	INVALID("\xf0\x90\x80");
	INVALID("a\xe5\x85" "b");
	INVALID("\x80");			/* lone continuation */
	INVALID("\xbf\xbf");
	INVALID("\xe5\x85\xac\xac");		/* one continuation too many */
	INVALID("\xe5" "a" "\xac");		/* ASCII inside a sequence */
	for (n = 1; n < sizeof(s) - 1; n++)
		assert_int_equal(qc_utf8_valid(s, n), n % 3 == 0);
}

static void
test_nul(void **state)
{
	(void)state;
	INVALID("\0");
	INVALID("abc\0def");
	INVALID("公\0司");
	assert_true(qc_utf8_valid("abc", 3));
}

/* The eight-bytes-at-a-time ASCII path: a bad byte in every position. */
static void
test_ascii_words(void **state)
{
	char	 s[40];
	size_t	 i;

	(void)state;
	VALID("91350100M000100Y43 guide:D-1234-5678 site:example.cn");
	for (i = 0; i < 24; i++) {
		memset(s, 'a', 24);
		s[i] = '\0';
		assert_false(qc_utf8_valid(s, 24));
		s[i] = (char)0x80;
		assert_false(qc_utf8_valid(s, 24));
		s[i] = (char)0xff;
		assert_false(qc_utf8_valid(s, 24));
		s[i] = 0x7f;
		assert_true(qc_utf8_valid(s, 24));
		s[i] = 0x01;
		assert_true(qc_utf8_valid(s, 24));
	}
	/* Multi-byte characters across an eight-byte boundary. */
	VALID("abcdefg公司abcdefgh");
	INVALID("abcdefg\xe5\x85" "abcdefgh");
}

static void
test_count_width(void **state)
{
	const char	*s;

	(void)state;
	s = "abc";
	assert_int_equal(qc_utf8_count(s, strlen(s)), 3);
	assert_int_equal(qc_utf8_width(s, strlen(s)), 3);
	s = "福州某某食品有限公司";
	assert_int_equal(qc_utf8_count(s, strlen(s)), 10);
	assert_int_equal(qc_utf8_width(s, strlen(s)), 20);
	s = "闽A12345";
	assert_int_equal(qc_utf8_count(s, strlen(s)), 7);
	assert_int_equal(qc_utf8_width(s, strlen(s)), 8);
	s = "闽旅罚〔2026〕12号";			/* brackets are wide */
	assert_int_equal(qc_utf8_count(s, strlen(s)), 12);
	assert_int_equal(qc_utf8_width(s, strlen(s)), 18);
	s = "修复：ＡＢ";				/* fullwidth forms */
	assert_int_equal(qc_utf8_count(s, strlen(s)), 5);
	assert_int_equal(qc_utf8_width(s, strlen(s)), 10);
	s = "한국";
	assert_int_equal(qc_utf8_width(s, strlen(s)), 4);
	s = "é·\xef\xbd\xa1";			/* half-width katakana dot */
	assert_int_equal(qc_utf8_width(s, strlen(s)), 3);
	s = "\xf0\xa0\x80\x80";				/* U+20000 */
	assert_int_equal(qc_utf8_count(s, strlen(s)), 1);
	assert_int_equal(qc_utf8_width(s, strlen(s)), 2);
	assert_int_equal(qc_utf8_count("", 0), 0);
	assert_int_equal(qc_utf8_width("", 0), 0);
	/* Invalid bytes still give a bounded width, one column each. */
	assert_int_equal(qc_utf8_width("\xff\xe5\x85", 3), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_ascii_words),
		cmocka_unit_test(test_count_width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
