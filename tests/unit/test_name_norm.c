/*
 * Name normalisation for search (server/common/name_norm.c): folding,
 * what is dropped, and names cut at the buffer's end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "name_norm.h"

/* Normalises s and checks the result and its count of characters. */
static void
want(const char *s, const char *norm, size_t chars)
{
	char	 out[NAME_NORM_MAX];
	size_t	 n, nchars;

	n = name_norm(s, strlen(s), out, sizeof(out), &nchars);
	assert_int_equal(n, strlen(norm));
	assert_memory_equal(out, norm, n);
	assert_int_equal(nchars, chars);
}

static void
folds_full_width_and_case(void **state)
{
	(void)state;
	want("ＡＢＣ科技", "abc科技", 5);
	want("Ｈｅｎａｎ１２３", "henan123", 8);
	want("AbC", "abc", 3);
	/* Letters outside ASCII keep their case. */
	want("ÄÖ", "ÄÖ", 2);
}

static void
drops_spaces_and_punctuation(void **state)
{
	(void)state;
	want("郑州（金水）好味 食品", "郑州金水好味食品", 8);
	want("【好味】《食品》「厂」", "好味食品厂", 5);
	want("好味·食品、有限公司。", "好味食品有限公司", 8);
	want("a-b_c.d (e)", "abcde", 5);
	want("\xe3\x80\x80好\t味\n", "好味", 2);	/* U+3000 */
	want("！＃（）", "", 0);
	want("", "", 0);
}

static void
cuts_at_a_character(void **state)
{
	char	 out[7];
	size_t	 n, nchars;

	(void)state;
	/* Three bytes a character: two fit in 7 bytes, not three. */
	n = name_norm("好味食品", strlen("好味食品"), out, sizeof(out), &nchars);
	assert_int_equal(n, 6);
	assert_int_equal(nchars, 2);
	assert_memory_equal(out, "好味", 6);
}

static void
char_lengths(void **state)
{
	(void)state;
	assert_int_equal(name_char_len('a'), 1);
	assert_int_equal(name_char_len(0xc3), 2);
	assert_int_equal(name_char_len(0xe5), 3);
	assert_int_equal(name_char_len(0xf0), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(folds_full_width_and_case),
		cmocka_unit_test(drops_spaces_and_punctuation),
		cmocka_unit_test(cuts_at_a_character),
		cmocka_unit_test(char_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
