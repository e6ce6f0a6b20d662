/*
 * The per-subject summary: updates across lists, decoding, corruption
 * and capacity.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"
#include "summary.h"

#define CAP	1024

struct want {
	const char	*list;
	const char	*grade;		/* NULL: none */
	int32_t		 start, end;
};

static struct summary_hit hit(const char *, const char *, int32_t,
		    int32_t);
static long	 update(uint8_t *, size_t, const uint8_t *, size_t,
		    const char *, const struct summary_hit *);
static void	 expect(const uint8_t *, long, const struct want *, int);

static struct summary_hit
hit(const char *list, const char *grade, int32_t start, int32_t end)
{
	struct summary_hit	 h;

	h.h_list = list;
	h.h_list_len = strlen(list);
	h.h_grade = grade;
	h.h_grade_len = grade != NULL ? strlen(grade) : 0;
	h.h_start = start;
	h.h_end = end;
	return h;
}

static long
update(uint8_t *out, size_t cap, const uint8_t *old, size_t old_len,
    const char *list, const struct summary_hit *h)
{
	return summary_update(out, cap, old, old_len, list, h);
}

/* The summary decodes to exactly these hits, in order. */
static void
expect(const uint8_t *buf, long len, const struct want *w, int n)
{
	const uint8_t		*p = buf, *end;
	struct summary_hit	 h;
	int			 i;

	assert_true(len >= 0);
	end = buf + len;
	for (i = 0; i < n; i++) {
		assert_int_equal(summary_next(&p, end, &h), 1);
		assert_int_equal(h.h_list_len, strlen(w[i].list));
		assert_memory_equal(h.h_list, w[i].list, h.h_list_len);
		if (w[i].grade == NULL) {
			assert_null(h.h_grade);
			assert_int_equal(h.h_grade_len, 0);
		} else {
			assert_non_null(h.h_grade);
			assert_int_equal(h.h_grade_len, strlen(w[i].grade));
			assert_memory_equal(h.h_grade, w[i].grade,
			    h.h_grade_len);
		}
		assert_int_equal(h.h_start, w[i].start);
		assert_int_equal(h.h_end, w[i].end);
	}
	assert_int_equal(summary_next(&p, end, &h), 0);
	assert_ptr_equal(p, end);
}

static void
test_empty(void **state)
{
	const uint8_t		 b = 0, *p = &b;
	struct summary_hit	 h;
	uint8_t			 out[CAP];

	(void)state;
	assert_int_equal(summary_next(&p, p, &h), 0);
	/* dropping a list from nothing gives nothing */
	assert_int_equal(update(out, sizeof(out), NULL, 0, "credit", NULL), 0);
	assert_int_equal(update(out, 0, NULL, 0, "credit", NULL), 0);
}

static void
test_encoding(void **state)
{
	struct summary_hit	 h = hit("credit", "A", 0x01020304, -2);
	uint8_t			 out[CAP];
	static const uint8_t	 want[] = {
		6, 'c', 'r', 'e', 'd', 'i', 't', 1, 'A',
		0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfe,
	};

	(void)state;
	assert_int_equal(update(out, sizeof(out), NULL, 0, "credit", &h),
	    sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

static void
test_lists(void **state)
{
	struct summary_hit	 c = hit("credit", "A", 20000, 21000);
	struct summary_hit	 c2 = hit("credit", "C", 20100, DATE_NONE_END);
	struct summary_hit	 t = hit("tourism", NULL, 19000, 20095);
	struct summary_hit	 a = hit("advertising", NULL, DATE_NONE_START,
				    DATE_NONE_END);
	uint8_t			 b1[CAP], b2[CAP];
	long			 n1, n2;

	(void)state;
	n1 = update(b1, CAP, NULL, 0, "credit", &c);
	expect(b1, n1, (struct want[]){
		{ "credit", "A", 20000, 21000 } }, 1);
	n2 = update(b2, CAP, b1, (size_t)n1, "tourism", &t);
	expect(b2, n2, (struct want[]){
		{ "credit", "A", 20000, 21000 },
		{ "tourism", NULL, 19000, 20095 } }, 2);
	n1 = update(b1, CAP, b2, (size_t)n2, "advertising", &a);
	expect(b1, n1, (struct want[]){
		{ "credit", "A", 20000, 21000 },
		{ "tourism", NULL, 19000, 20095 },
		{ "advertising", NULL, DATE_NONE_START, DATE_NONE_END } }, 3);

	/* a replaced hit moves to the end; the others keep their order */
	n2 = update(b2, CAP, b1, (size_t)n1, "credit", &c2);
	assert_int_equal(n2, n1);
	expect(b2, n2, (struct want[]){
		{ "tourism", NULL, 19000, 20095 },
		{ "advertising", NULL, DATE_NONE_START, DATE_NONE_END },
		{ "credit", "C", 20100, DATE_NONE_END } }, 3);

	/* removing a list that is not there changes nothing */
	n1 = update(b1, CAP, b2, (size_t)n2, "water", NULL);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, (size_t)n1);
	/* a list name that is a prefix of another is another list */
	n1 = update(b1, CAP, b2, (size_t)n2, "tour", NULL);
	assert_int_equal(n1, n2);
	n1 = update(b1, CAP, b2, (size_t)n2, "tourisms", NULL);
	assert_int_equal(n1, n2);

	n1 = update(b1, CAP, b2, (size_t)n2, "advertising", NULL);
	expect(b1, n1, (struct want[]){
		{ "tourism", NULL, 19000, 20095 },
		{ "credit", "C", 20100, DATE_NONE_END } }, 2);
	n2 = update(b2, CAP, b1, (size_t)n1, "tourism", NULL);
	expect(b2, n2, (struct want[]){
		{ "credit", "C", 20100, DATE_NONE_END } }, 1);
	n1 = update(b1, CAP, b2, (size_t)n2, "credit", NULL);
	assert_int_equal(n1, 0);
}

static void
test_long_names(void **state)
{
	char			 name[300], grade[300];
	struct summary_hit	 h;
	uint8_t			 out[CAP];
	long			 n;

	(void)state;
	memset(name, 'l', sizeof(name));
	memset(grade, 'g', sizeof(grade));
	name[255] = grade[255] = '\0';
	h = hit(name, grade, 1, 2);
	n = update(out, sizeof(out), NULL, 0, name, &h);
	assert_int_equal(n, SUMMARY_ITEM_MAX);
	expect(out, n, (struct want[]){ { name, grade, 1, 2 } }, 1);

	name[255] = 'l';
	name[256] = '\0';
	h = hit(name, NULL, 1, 2);
	assert_int_equal(update(out, sizeof(out), NULL, 0, name, &h), -1);
	h = hit("credit", NULL, 1, 2);
	h.h_grade = grade;
	h.h_grade_len = 256;
	assert_int_equal(update(out, sizeof(out), NULL, 0, "credit", &h), -1);
}

static void
test_capacity(void **state)
{
	struct summary_hit	 c = hit("credit", "A", 1, 2);
	struct summary_hit	 t = hit("tourism", NULL, 3, 4);
	uint8_t			 b1[CAP], b2[CAP];
	long			 n1, n2;
	size_t			 need_c = 1 + 6 + 1 + 1 + 8;
	size_t			 need_t = 1 + 7 + 1 + 8;

	(void)state;
	assert_int_equal(update(b1, need_c - 1, NULL, 0, "credit", &c), -1);
	assert_int_equal(update(b1, 0, NULL, 0, "credit", &c), -1);
	n1 = update(b1, need_c, NULL, 0, "credit", &c);
	assert_int_equal(n1, need_c);

	/* room for the kept hit but not the new one */
	assert_int_equal(update(b2, need_c + need_t - 1, b1, (size_t)n1,
	    "tourism", &t), -1);
	/* not even room for the kept hit */
	assert_int_equal(update(b2, need_c - 1, b1, (size_t)n1, "tourism",
	    NULL), -1);
	n2 = update(b2, need_c + need_t, b1, (size_t)n1, "tourism", &t);
	assert_int_equal(n2, need_c + need_t);
	/* replacing in place needs no more room than before */
	n1 = update(b1, need_c + need_t, b2, (size_t)n2, "credit", &c);
	assert_int_equal(n1, n2);
}

static void
test_corrupt(void **state)
{
	struct summary_hit	 c = hit("credit", "A", 1, 2);
	struct summary_hit	 t = hit("tourism", NULL, 3, 4);
	struct summary_hit	 h;
	uint8_t			 b1[CAP], b2[CAP], bad[CAP];
	const uint8_t		*p;
	long			 n1, n2;
	size_t			 cut;

	(void)state;
	n1 = update(b1, CAP, NULL, 0, "credit", &c);
	n2 = update(b2, CAP, b1, (size_t)n1, "tourism", &t);
	assert_true(n2 > 0);

	/* every truncation is caught, by next and by update */
	for (cut = 1; cut < (size_t)n2; cut++) {
		if (cut == (size_t)n1)
			continue;	/* a whole first hit */
		memcpy(bad, b2, cut);
		p = bad;
		if (summary_next(&p, bad + cut, &h) == 1)
			assert_int_equal(summary_next(&p, bad + cut, &h), -1);
		else
			assert_int_equal(cut < (size_t)n1, 1);
		assert_int_equal(update(b1, CAP, bad, cut, "water", NULL), -1);
		assert_int_equal(update(b1, CAP, bad, cut, "credit", &c), -1);
	}

	/* a list length beyond the end */
	memcpy(bad, b2, (size_t)n2);
	bad[0] = 200;
	p = bad;
	assert_int_equal(summary_next(&p, bad + n2, &h), -1);
	assert_ptr_equal(p, bad);
	/* a grade length beyond the end */
	memcpy(bad, b2, (size_t)n2);
	bad[1 + 6] = 250;
	p = bad;
	assert_int_equal(summary_next(&p, bad + n2, &h), -1);
	/* one stray trailing byte */
	memcpy(bad, b2, (size_t)n2);
	bad[n2] = 0;
	assert_int_equal(update(b1, CAP, bad, (size_t)n2 + 1, "water", NULL),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
