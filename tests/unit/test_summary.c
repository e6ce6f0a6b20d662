/*
 * The per-subject summary: the encoding, updates across lists (removed
 * entries kept, flagged), finding a list's hit, decoding, corruption and
 * capacity.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"
#include "summary.h"

#define CAP	1024

struct want {
	const char	*list;
	const char	*grade;		/* NULL: none */
	int32_t		 start, end;
	unsigned	 flags;
	uint32_t	 version;
	uint64_t	 seq;
};

static struct summary_hit hit(const char *, const char *, int32_t,
		    int32_t);
static struct summary_hit hitv(const char *, const char *, int32_t,
		    int32_t, unsigned, uint32_t, uint64_t);
static long	 update(uint8_t *, size_t, const uint8_t *, size_t,
		    const char *, const struct summary_hit *);
static void	 expect(const uint8_t *, long, const struct want *, int);

/* A hit with flags, version and seq. */
static struct summary_hit
hitv(const char *list, const char *grade, int32_t start, int32_t end,
    unsigned flags, uint32_t version, uint64_t seq)
{
	struct summary_hit	 h;

	memset(&h, 0, sizeof(h));
	h.h_list = list;
	h.h_list_len = strlen(list);
	h.h_flags = flags;
	h.h_grade = grade;
	h.h_grade_len = grade != NULL ? strlen(grade) : 0;
	h.h_start = start;
	h.h_end = end;
	h.h_version = version;
	h.h_seq = seq;
	return h;
}

/* A listed hit at version 1, seq 1. */
static struct summary_hit
hit(const char *list, const char *grade, int32_t start, int32_t end)
{
	return hitv(list, grade, start, end, 0, 1, 1);
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
		assert_int_equal(h.h_flags, w[i].flags);
		assert_int_equal(h.h_version, w[i].version);
		assert_true(h.h_seq == w[i].seq);
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
	struct summary_hit	 h = hitv("credit", "A", 0x01020304, -2,
				    SUMMARY_REMOVED, 0x0a0b0c0d,
				    0x0102030405060708ull);
	struct summary_hit	 t = hitv("tourism", NULL, DATE_NONE_START,
				    DATE_NONE_END, 0, UINT32_MAX, UINT64_MAX);
	struct summary_hit	 got;
	const uint8_t		*p;
	uint8_t			 out[CAP], out2[CAP];
	long			 n;
	static const uint8_t	 want[] = {
		6, 'c', 'r', 'e', 'd', 'i', 't',
		SUMMARY_REMOVED,
		1, 'A',
		0x01, 0x02, 0x03, 0x04,		/* start */
		0xff, 0xff, 0xff, 0xfe,		/* end */
		0x0a, 0x0b, 0x0c, 0x0d,		/* version */
		0x01, 0x02, 0x03, 0x04,		/* seq */
		0x05, 0x06, 0x07, 0x08,
	};
	static const uint8_t	 want_t[] = {
		7, 't', 'o', 'u', 'r', 'i', 's', 'm',
		0,
		0,
		0x80, 0x00, 0x00, 0x00,
		0x7f, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};

	(void)state;
	assert_int_equal(SUMMARY_REMOVED, 1);
	assert_int_equal(update(out, sizeof(out), NULL, 0, "credit", &h),
	    sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	p = out;
	assert_int_equal(summary_next(&p, out + sizeof(want), &got), 1);
	assert_ptr_equal(p, out + sizeof(want));
	assert_int_equal(got.h_flags, SUMMARY_REMOVED);
	assert_int_equal(got.h_version, 0x0a0b0c0d);
	assert_true(got.h_seq == 0x0102030405060708ull);
	assert_int_equal(got.h_start, 0x01020304);
	assert_int_equal(got.h_end, -2);

	/* no grade, open dates, the largest version and seq */
	n = update(out2, sizeof(out2), out, sizeof(want), "tourism", &t);
	assert_int_equal(n, sizeof(want) + sizeof(want_t));
	assert_memory_equal(out2, want, sizeof(want));
	assert_memory_equal(out2 + sizeof(want), want_t, sizeof(want_t));
	expect(out2, n, (struct want[]){
		{ "credit", "A", 0x01020304, -2, SUMMARY_REMOVED, 0x0a0b0c0d,
		    0x0102030405060708ull },
		{ "tourism", NULL, DATE_NONE_START, DATE_NONE_END, 0,
		    UINT32_MAX, UINT64_MAX } }, 2);
}

static void
test_lists(void **state)
{
	struct summary_hit	 c, c2, cr, t, a;
	uint8_t			 b1[CAP], b2[CAP];
	long			 n1, n2;

	(void)state;
	c = hitv("credit", "A", 20000, 21000, 0, 1, 1);
	c2 = hitv("credit", "C", 20100, DATE_NONE_END, 0, 2, 4);
	cr = hitv("credit", "C", 20100, DATE_NONE_END, SUMMARY_REMOVED, 3, 5);
	t = hitv("tourism", NULL, 19000, 20095, 0, 1, 2);
	a = hitv("advertising", NULL, DATE_NONE_START, DATE_NONE_END, 0, 1,
	    3);
	n1 = update(b1, CAP, NULL, 0, "credit", &c);
	expect(b1, n1, (struct want[]){
		{ "credit", "A", 20000, 21000, 0, 1, 1 } }, 1);
	n2 = update(b2, CAP, b1, (size_t)n1, "tourism", &t);
	expect(b2, n2, (struct want[]){
		{ "credit", "A", 20000, 21000, 0, 1, 1 },
		{ "tourism", NULL, 19000, 20095, 0, 1, 2 } }, 2);
	n1 = update(b1, CAP, b2, (size_t)n2, "advertising", &a);
	expect(b1, n1, (struct want[]){
		{ "credit", "A", 20000, 21000, 0, 1, 1 },
		{ "tourism", NULL, 19000, 20095, 0, 1, 2 },
		{ "advertising", NULL, DATE_NONE_START, DATE_NONE_END, 0, 1,
		    3 } }, 3);

	/* a replaced hit moves to the end; the others keep their order */
	n2 = update(b2, CAP, b1, (size_t)n1, "credit", &c2);
	assert_int_equal(n2, n1);
	expect(b2, n2, (struct want[]){
		{ "tourism", NULL, 19000, 20095, 0, 1, 2 },
		{ "advertising", NULL, DATE_NONE_START, DATE_NONE_END, 0, 1,
		    3 },
		{ "credit", "C", 20100, DATE_NONE_END, 0, 2, 4 } }, 3);

	/* a removal stays, flagged, at its own version and seq */
	n1 = update(b1, CAP, b2, (size_t)n2, "credit", &cr);
	assert_int_equal(n1, n2);
	expect(b1, n1, (struct want[]){
		{ "tourism", NULL, 19000, 20095, 0, 1, 2 },
		{ "advertising", NULL, DATE_NONE_START, DATE_NONE_END, 0, 1,
		    3 },
		{ "credit", "C", 20100, DATE_NONE_END, SUMMARY_REMOVED, 3,
		    5 } }, 3);
	/* and the flag is carried over untouched by other lists' updates */
	n2 = update(b2, CAP, b1, (size_t)n1, "tourism", &t);
	expect(b2, n2, (struct want[]){
		{ "advertising", NULL, DATE_NONE_START, DATE_NONE_END, 0, 1,
		    3 },
		{ "credit", "C", 20100, DATE_NONE_END, SUMMARY_REMOVED, 3, 5 },
		{ "tourism", NULL, 19000, 20095, 0, 1, 2 } }, 3);
	/* a put after the removal clears it */
	c2.h_version = 4;
	c2.h_seq = 9;
	n1 = update(b1, CAP, b2, (size_t)n2, "credit", &c2);
	expect(b1, n1, (struct want[]){
		{ "advertising", NULL, DATE_NONE_START, DATE_NONE_END, 0, 1,
		    3 },
		{ "tourism", NULL, 19000, 20095, 0, 1, 2 },
		{ "credit", "C", 20100, DATE_NONE_END, 0, 4, 9 } }, 3);
	memcpy(b2, b1, (size_t)n1);
	n2 = n1;

	/* dropping a list that is not there changes nothing */
	n1 = update(b1, CAP, b2, (size_t)n2, "water", NULL);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, (size_t)n1);
	/* a list name that is a prefix of another is another list */
	n1 = update(b1, CAP, b2, (size_t)n2, "tour", NULL);
	assert_int_equal(n1, n2);
	n1 = update(b1, CAP, b2, (size_t)n2, "tourisms", NULL);
	assert_int_equal(n1, n2);

	/* a NULL hit drops the list */
	n1 = update(b1, CAP, b2, (size_t)n2, "advertising", NULL);
	expect(b1, n1, (struct want[]){
		{ "tourism", NULL, 19000, 20095, 0, 1, 2 },
		{ "credit", "C", 20100, DATE_NONE_END, 0, 4, 9 } }, 2);
	n2 = update(b2, CAP, b1, (size_t)n1, "tourism", NULL);
	expect(b2, n2, (struct want[]){
		{ "credit", "C", 20100, DATE_NONE_END, 0, 4, 9 } }, 1);
	n1 = update(b1, CAP, b2, (size_t)n2, "credit", NULL);
	assert_int_equal(n1, 0);
}

/* summary_find: the hit of one list, by exact name. */
static void
test_find(void **state)
{
	struct summary_hit	 c, t, h;
	uint8_t			 b1[CAP], b2[CAP];
	long			 n1, n2;

	(void)state;
	c = hitv("credit", "B", 20000, 21000, 0, 2, 7);
	t = hitv("tourism", NULL, DATE_NONE_START, DATE_NONE_END,
	    SUMMARY_REMOVED, 5, 11);
	/* no summary at all */
	assert_int_equal(summary_find(NULL, 0, "credit", 6, &h), 0);
	n1 = update(b1, CAP, NULL, 0, "credit", &c);
	n2 = update(b2, CAP, b1, (size_t)n1, "tourism", &t);
	assert_true(n2 > n1);

	memset(&h, 0, sizeof(h));
	assert_int_equal(summary_find(b2, (size_t)n2, "credit", 6, &h), 1);
	assert_int_equal(h.h_list_len, 6);
	assert_ptr_equal(h.h_list, (const char *)b2 + 1);
	assert_int_equal(h.h_flags, 0);
	assert_int_equal(h.h_grade_len, 1);
	assert_memory_equal(h.h_grade, "B", 1);
	assert_int_equal(h.h_start, 20000);
	assert_int_equal(h.h_end, 21000);
	assert_int_equal(h.h_version, 2);
	assert_int_equal(h.h_seq, 7);

	assert_int_equal(summary_find(b2, (size_t)n2, "tourism", 7, &h), 1);
	assert_int_equal(h.h_flags, SUMMARY_REMOVED);
	assert_null(h.h_grade);
	assert_int_equal(h.h_version, 5);
	assert_int_equal(h.h_seq, 11);

	/* the name's length counts: prefixes and extensions are others */
	assert_int_equal(summary_find(b2, (size_t)n2, "tourism", 4, &h), 0);
	assert_int_equal(summary_find(b2, (size_t)n2, "tourisms", 8, &h), 0);
	assert_int_equal(summary_find(b2, (size_t)n2, "credi", 5, &h), 0);
	assert_int_equal(summary_find(b2, (size_t)n2, "", 0, &h), 0);
	assert_int_equal(summary_find(b2, (size_t)n2, "water", 5, &h), 0);
	/* only the first n1 bytes: the tourism hit is not there */
	assert_int_equal(summary_find(b2, (size_t)n1, "credit", 6, &h), 1);
	assert_int_equal(summary_find(b2, (size_t)n1, "tourism", 7, &h), 0);
	assert_int_equal(summary_find(b1, (size_t)n1, "tourism", 7, &h), 0);

	/* a list that is not there, in a corrupt summary: corrupt */
	assert_int_equal(summary_find(b2, (size_t)n2 - 1, "water", 5, &h), -1);
	assert_int_equal(summary_find(b2, (size_t)n2 - 1, "tourism", 7, &h),
	    -1);
	b2[0] = 200;
	assert_int_equal(summary_find(b2, (size_t)n2, "credit", 6, &h), -1);
}

static void
test_long_names(void **state)
{
	char			 name[300], grade[300];
	struct summary_hit	 h;
	uint8_t			 out[CAP];
	long			 n;
	int			 i;

	(void)state;
	memset(name, 'l', sizeof(name));
	memset(grade, 'g', sizeof(grade));
	name[255] = grade[255] = '\0';
	h = hitv(name, grade, 1, 2, SUMMARY_REMOVED, UINT32_MAX, UINT64_MAX);
	/* The largest item also carries an objection and every listing. */
	h.h_case = UINT64_MAX;
	for (i = 0; i < SUMMARY_LISTINGS_MAX; i++)
		h.h_listings[i] = INT32_MIN + i;
	h.h_nlistings = SUMMARY_LISTINGS_MAX;
	n = update(out, sizeof(out), NULL, 0, name, &h);
	assert_int_equal(n, SUMMARY_ITEM_MAX);
	expect(out, n, (struct want[]){ { name, grade, 1, 2, SUMMARY_REMOVED |
	    SUMMARY_DISPUTED | SUMMARY_LISTINGS, UINT32_MAX, UINT64_MAX } }, 1);
	memset(&h, 0, sizeof(h));
	assert_int_equal(summary_find(out, (size_t)n, name, 255, &h), 1);
	assert_true(h.h_case == UINT64_MAX);
	assert_int_equal(h.h_nlistings, SUMMARY_LISTINGS_MAX);
	assert_int_equal(h.h_listings[0], INT32_MIN);
	assert_int_equal(h.h_listings[15], INT32_MIN + 15);
	/* a listing count past the maximum is corrupt */
	out[n - 1 - 4 * SUMMARY_LISTINGS_MAX] = SUMMARY_LISTINGS_MAX + 1;
	assert_int_equal(summary_find(out, (size_t)n, name, 255, &h), -1);

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
	/* list_len list flags grade_len grade start end version seq */
	size_t			 need_c = 1 + 6 + 1 + 1 + 1 + 20;
	size_t			 need_t = 1 + 7 + 1 + 1 + 20;

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
	/* nor does flagging it removed */
	c.h_flags = SUMMARY_REMOVED;
	c.h_version = 2;
	n1 = update(b1, need_c + need_t, b2, (size_t)n2, "credit", &c);
	assert_int_equal(n1, n2);
}

static void
test_corrupt(void **state)
{
	struct summary_hit	 c = hit("credit", "A", 1, 2);
	struct summary_hit	 t = hit("tourism", NULL, 3, 4);
	struct summary_hit	 h;
	uint8_t			 b1[CAP], b2[CAP], bad[CAP], *cb;
	const uint8_t		*p;
	long			 n1, n2;
	size_t			 cut;

	(void)state;
	n1 = update(b1, CAP, NULL, 0, "credit", &c);
	n2 = update(b2, CAP, b1, (size_t)n1, "tourism", &t);
	assert_true(n2 > 0);

	/*
	 * Every truncation is caught, by next, find and update, reading
	 * nothing past the end (an exact heap copy, for ASan).
	 */
	for (cut = 1; cut < (size_t)n2; cut++) {
		if (cut == (size_t)n1)
			continue;	/* a whole first hit */
		assert_non_null(cb = malloc(cut));
		memcpy(cb, b2, cut);
		p = cb;
		if (summary_next(&p, cb + cut, &h) == 1) {
			assert_true(cut > (size_t)n1);
			assert_ptr_equal(p, cb + n1);
			assert_int_equal(summary_next(&p, cb + cut, &h), -1);
		} else
			assert_true(cut < (size_t)n1);
		assert_int_equal(summary_find(cb, cut, "water", 5, &h), -1);
		assert_int_equal(update(b1, CAP, cb, cut, "water", NULL), -1);
		assert_int_equal(update(b1, CAP, cb, cut, "credit", &c), -1);
		free(cb);
	}

	/* a list length beyond the end */
	memcpy(bad, b2, (size_t)n2);
	bad[0] = 200;
	p = bad;
	assert_int_equal(summary_next(&p, bad + n2, &h), -1);
	assert_ptr_equal(p, bad);
	/* a grade length beyond the end (after list and flags) */
	memcpy(bad, b2, (size_t)n2);
	assert_int_equal(bad[1 + 6 + 1], 1);
	bad[1 + 6 + 1] = 250;
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
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
