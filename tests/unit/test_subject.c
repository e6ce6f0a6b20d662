/*
 * Subject validation: every kind, valid and invalid, with exact reasons.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "subject.h"

/* Checks that in canonicalises to want with kind k. */
static void
ok(const char *in, const char *want, int k)
{
	char		 out[QC_SUBJECT_MAX];
	const char	*why = NULL;

	assert_int_equal(qc_subject_canon(in, strlen(in), out, &why), k);
	assert_string_equal(out, want);
	assert_null(why);
}

/* Checks that in is refused with exactly the reason want. */
static void
bad(const char *in, const char *want)
{
	char		 out[QC_SUBJECT_MAX];
	const char	*why = NULL;

	assert_int_equal(qc_subject_canon(in, strlen(in), out, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, want);
	assert_string_equal(out, "");
}

/*
 * Public codes, each verified by an independent Python implementation of
 * the GB 32100-2015 check (weights 1 3 9 27 ... mod 31).
 */
static const char *const good_uscc[] = {
	"91350100M000100Y43",
	"914403001922038216",
	"9144030071526726XG",
	"91330100799655058B",
	"91110000802100433B",
};

static void
test_uscc_valid(void **state)
{
	char	 want[32];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good_uscc) / sizeof(good_uscc[0]); i++) {
		assert_true(qc_uscc_valid(good_uscc[i]));
		assert_int_equal(qc_uscc_check_char(good_uscc[i]),
		    good_uscc[i][17]);
		strcpy(want, "uscc:");
		strcat(want, good_uscc[i]);
		ok(good_uscc[i], want, QC_KIND_USCC);
		ok(want, want, QC_KIND_USCC);
	}
}

static void
test_uscc_check_value_zero(void **state)
{
	(void)state;
	/* sum = 1*1 + 3*10 = 31: check value (31 - 0) mod 31 = 0. */
	assert_int_equal(qc_uscc_check_char("1A000000000000000"), '0');
	ok("1A0000000000000000", "uscc:1A0000000000000000", QC_KIND_USCC);
	/* All zeros: sum 0, check '0'. */
	assert_true(qc_uscc_valid("000000000000000000"));
}

static void
test_uscc_wrong_check(void **state)
{
	(void)state;
	assert_false(qc_uscc_valid("91350100M000100Y44"));
	bad("91350100M000100Y44", "uscc: wrong check character");
	bad("uscc:914403001922038217", "uscc: wrong check character");
	bad("9144030071526726XH", "uscc: wrong check character");
	/* Two characters swapped. */
	bad("91350100M000010Y43", "uscc: wrong check character");
}

static void
test_uscc_forbidden(void **state)
{
	(void)state;
	bad("9I350100M000100Y43", "uscc: forbidden character 'I'");
	bad("91350100O000100Y43", "uscc: forbidden character 'O'");
	bad("91350100S000100Y43", "uscc: forbidden character 'S'");
	bad("91350100V000100Y43", "uscc: forbidden character 'V'");
	bad("91350100z000100Y43", "uscc: forbidden character 'Z'");
	bad("91350100M000100Y4I", "uscc: forbidden character 'I'");
	bad("91350100M00010-Y43", "uscc: invalid character");
	bad("91350100M000100Y4 ", "uscc: invalid character");
	assert_int_equal(qc_uscc_check_char("9135010OM000100Y4"), 0);
	assert_false(qc_uscc_valid("91350100m000100Y43"));
}

static void
test_uscc_length(void **state)
{
	(void)state;
	bad("uscc:91350100M000100Y4", "uscc: length must be 18");
	bad("uscc:91350100M000100Y433", "uscc: length must be 18");
	bad("uscc:", "uscc: length must be 18");
	/* Without a kind, 17 and 19 characters are not uscc at all. */
	bad("91350100M000100Y4", "missing kind");
	bad("91350100M000100Y433", "missing kind");
}

static void
test_uscc_case(void **state)
{
	(void)state;
	ok("91350100m000100y43", "uscc:91350100M000100Y43", QC_KIND_USCC);
	ok("uscc:9144030071526726xg", "uscc:9144030071526726XG",
	    QC_KIND_USCC);
}

static void
test_uscc_nul(void **state)
{
	char		 out[QC_SUBJECT_MAX];
	const char	*why;
	const char	 in[] = "91350100M000\0" "00Y43";

	(void)state;
	assert_int_equal(qc_subject_canon(in, 18, out, &why), -1);
	assert_string_equal(why, "uscc: invalid character");
}

static void
test_kind(void **state)
{
	char	 out[QC_SUBJECT_MAX];

	(void)state;
	bad("USCC:91350100M000100Y43", "unknown kind");
	bad("Site:example.cn", "unknown kind");
	bad(" uscc:91350100M000100Y43", "unknown kind");
	bad("org:example.cn", "unknown kind");
	bad(":example.cn", "unknown kind");
	bad("example.cn", "missing kind");
	bad("", "empty subject");
	assert_int_equal(qc_subject_canon("x", 1, out, NULL), -1);
	assert_int_equal(qc_kind_from_name("plate", 5), QC_KIND_PLATE);
	assert_int_equal(qc_kind_from_name("plates", 6), -1);
	assert_int_equal(qc_kind_from_name("plat", 4), -1);
	assert_string_equal(qc_kind_name(QC_KIND_GUIDE), "guide");
	assert_string_equal(qc_kind_name(QC_KIND_COUNT), "unknown");
}

static void
test_guide(void **state)
{
	(void)state;
	ok("guide:D-3501-000123", "guide:D-3501-000123", QC_KIND_GUIDE);
	ok("guide:d-3501-abc", "guide:D-3501-ABC", QC_KIND_GUIDE);
	ok("guide:ABCD", "guide:ABCD", QC_KIND_GUIDE);
	ok("guide:0123456789ABCDEF0123456789ABCDEF",
	    "guide:0123456789ABCDEF0123456789ABCDEF", QC_KIND_GUIDE);
	bad("guide:ABC", "guide: length must be 4-32");
	bad("guide:", "guide: length must be 4-32");
	bad("guide:0123456789ABCDEF0123456789ABCDEF0",
	    "guide: length must be 4-32");
	bad("guide:D_3501", "guide: invalid character");
	bad("guide:D 3501", "guide: invalid character");
	bad("guide:D-3501 ", "guide: invalid character");
	bad("guide:导游3501", "guide: invalid character");
}

static void
test_site_valid(void **state)
{
	(void)state;
	ok("site:cheap-tours.example.cn", "site:cheap-tours.example.cn",
	    QC_KIND_SITE);
	ok("site:WWW.Example.CN", "site:www.example.cn", QC_KIND_SITE);
	ok("site:xn--fiqs8s.xn--fiqz9s", "site:xn--fiqs8s.xn--fiqz9s",
	    QC_KIND_SITE);
	ok("site:a.b", "site:a.b", QC_KIND_SITE);
	ok("site:1-2.3", "site:1-2.3", QC_KIND_SITE);
}

/* Builds "site:" + labels of n characters each, joined by dots. */
static void
site_build(char *buf, size_t n, size_t labels)
{
	size_t	 i, l;

	strcpy(buf, "site:");
	for (i = 0; i < labels; i++) {
		if (i > 0)
			strcat(buf, ".");
		l = strlen(buf);
		memset(buf + l, 'a' + (int)(i % 26), n);
		buf[l + n] = '\0';
	}
}

static void
test_site_lengths(void **state)
{
	char	 buf[600];

	(void)state;
	site_build(buf, 63, 2);
	ok(buf, buf, QC_KIND_SITE);
	site_build(buf, 64, 2);
	bad(buf, "site: label longer than 63 characters");
	/* 4 x 63 + 3 dots = 255: too long; 253 is the limit. */
	site_build(buf, 63, 4);
	bad(buf, "site: longer than 253 characters");
	buf[strlen(buf) - 2] = '\0';		/* 253 */
	ok(buf, buf, QC_KIND_SITE);
	assert_int_equal(strlen(buf), 5 + 253);
	site_build(buf, 63, 4);
	buf[strlen(buf) - 1] = '\0';		/* 254 */
	bad(buf, "site: longer than 253 characters");
	site_build(buf, 50, 10);		/* 509 */
	bad(buf, "site: longer than 253 characters");
}

static void
test_site_invalid(void **state)
{
	(void)state;
	bad("site:example", "site: needs at least two labels");
	bad("site:", "site: empty");
	bad("site:-bad.example.cn", "site: label starts with '-'");
	bad("site:bad-.example.cn", "site: label ends with '-'");
	bad("site:example.-cn", "site: label starts with '-'");
	bad("site:example..cn", "site: empty label");
	bad("site:.example.cn", "site: empty label");
	bad("site:example.cn.", "site: trailing dot");
	bad("site:example.cn:443", "site: port not allowed");
	bad("site:https://example.cn", "site: scheme not allowed");
	bad("site:example.cn/path", "site: path not allowed");
	bad("site:example.cn/", "site: path not allowed");
	bad("site:ex_ample.cn", "site: invalid character");
	bad("site:ex ample.cn", "site: invalid character");
	bad("site:user@example.cn", "site: invalid character");
	bad("site:例子.中国", "site: non-ASCII, use xn-- labels");
}

static void
test_plate_valid(void **state)
{
	(void)state;
	ok("plate:闽A12345", "plate:闽A12345", QC_KIND_PLATE);
	ok("plate:京ad12345", "plate:京AD12345", QC_KIND_PLATE);
	ok("plate:琼B0000Z", "plate:琼B0000Z", QC_KIND_PLATE);
	ok("plate:沪z9x8y7", "plate:沪Z9X8Y7", QC_KIND_PLATE);
	ok("plate:新AABCDE", "plate:新AABCDE", QC_KIND_PLATE);
}

static void
test_plate_invalid(void **state)
{
	(void)state;
	bad("plate:港A12345", "plate: unknown province character");
	bad("plate:AA12345", "plate: unknown province character");
	bad("plate:", "plate: unknown province character");
	bad("plate:\xe9\x97", "plate: unknown province character");
	bad("plate:闽", "plate: second character must be A-Z");
	bad("plate:闽112345", "plate: second character must be A-Z");
	bad("plate:闽京12345", "plate: second character must be A-Z");
	bad("plate:闽A1234", "plate: 5 or 6 characters must follow the letter");
	bad("plate:闽A1234567",
	    "plate: 5 or 6 characters must follow the letter");
	bad("plate:闽A12-45", "plate: invalid character");
	bad("plate:闽A 2345", "plate: invalid character");
	bad("plate:闽A1234学", "plate: 5 or 6 characters must follow the letter");
	bad("plate:闽A12学", "plate: invalid character");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uscc_valid),
		cmocka_unit_test(test_uscc_check_value_zero),
		cmocka_unit_test(test_uscc_wrong_check),
		cmocka_unit_test(test_uscc_forbidden),
		cmocka_unit_test(test_uscc_length),
		cmocka_unit_test(test_uscc_case),
		cmocka_unit_test(test_uscc_nul),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_guide),
		cmocka_unit_test(test_site_valid),
		cmocka_unit_test(test_site_lengths),
		cmocka_unit_test(test_site_invalid),
		cmocka_unit_test(test_plate_valid),
		cmocka_unit_test(test_plate_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
