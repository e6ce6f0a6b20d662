/*
 * Cases and escalation as stored and computed: the case encoding, kinds,
 * outcomes and states; escalation counted from a watch entry's listings
 * against its window, dismissal, and an active entry on the target.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "cases.h"
#include "escalation.h"
#include "record.h"
#include "summary.h"

#define CAP	2048

/* A configuration of two lists: a blacklist and a watch list on it. */
static void
two_lists(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nlists = 2;
	strcpy(cfg->lists[0].l_name, "black");
	cfg->lists[0].l_type = LT_BLACKLIST;
	cfg->lists[0].l_escalate_to = -1;
	strcpy(cfg->lists[1].l_name, "watch");
	cfg->lists[1].l_type = LT_WATCH;
	cfg->lists[1].l_escalate_to = 0;
	cfg->lists[1].l_escalate_after = 2;
	cfg->lists[1].l_escalate_window = 365;
}

static struct summary_hit
hit(const char *list, int32_t start, int32_t end)
{
	struct summary_hit	 h;

	memset(&h, 0, sizeof(h));
	h.h_list = list;
	h.h_list_len = strlen(list);
	h.h_start = start;
	h.h_end = end;
	h.h_version = 1;
	h.h_seq = 1;
	return h;
}

static void
test_encoding(void **state)
{
	struct case_rec	 cr, back;
	uint8_t		 buf[CASE_REC_MAX];
	long		 n;

	(void)state;
	memset(&cr, 0, sizeof(cr));
	cr.cr_kind = CASE_OBJECTION;
	cr.cr_outcome = CASE_OPEN;
	cr.cr_received_on = -3;
	cr.cr_list = "tourism";
	cr.cr_list_len = 7;
	cr.cr_subject = "guide:D-4101-000123";
	cr.cr_subject_len = strlen(cr.cr_subject);
	n = case_encode(buf, sizeof(buf), &cr);
	assert_int_equal(n, 23 + 7 + cr.cr_subject_len);
	assert_int_equal(case_decode(buf, (size_t)n, &back), 0);
	assert_int_equal(back.cr_kind, CASE_OBJECTION);
	assert_int_equal(back.cr_outcome, CASE_OPEN);
	assert_int_equal(back.cr_received_on, -3);
	assert_memory_equal(back.cr_list, "tourism", 7);
	assert_int_equal(back.cr_subject_len, cr.cr_subject_len);
	/* closed */
	cr.cr_outcome = OUT_CORRECTED;
	cr.cr_closed_on = 20000;
	cr.cr_close_seq = UINT64_MAX;
	cr.cr_version = 7;
	n = case_encode(buf, sizeof(buf), &cr);
	assert_int_equal(case_decode(buf, (size_t)n, &back), 0);
	assert_int_equal(back.cr_outcome, OUT_CORRECTED);
	assert_true(back.cr_close_seq == UINT64_MAX);
	assert_int_equal(back.cr_version, 7);
	assert_int_equal(back.cr_closed_on, 20000);
	/* an outcome of another kind, a kind out of range, truncation */
	buf[1] = OUT_APPROVED;
	assert_int_equal(case_decode(buf, (size_t)n, &back), -1);
	buf[1] = OUT_UPHELD;
	buf[0] = CFG_CASE_KINDS;
	assert_int_equal(case_decode(buf, (size_t)n, &back), -1);
	buf[0] = CASE_OBJECTION;
	assert_int_equal(case_decode(buf, 23 + 7, &back), -1);
	assert_int_equal(case_encode(buf, 10, &cr), -1);
}

static void
test_names(void **state)
{
	int	 o;

	(void)state;
	assert_int_equal(case_kind_from_name("repair", 6), CASE_REPAIR);
	assert_int_equal(case_kind_from_name("repai", 5), -1);
	assert_int_equal(case_state_from_name("due", 3), CS_DUE);
	assert_int_equal(case_state_from_name("pending", 7), -1);
	for (o = 0; o < OUT_COUNT; o++)
		assert_int_equal(case_outcome_from_name(case_outcome_name(o),
		    strlen(case_outcome_name(o))), o);
	assert_int_equal(case_outcome_kind(OUT_WITHDRAWN), CASE_NOTICE);
	assert_int_equal(case_outcome_kind(OUT_REVOKED), CASE_OBJECTION);
	assert_int_equal(case_outcome_kind(OUT_REJECTED), CASE_REPAIR);
	assert_int_equal(case_outcome_effect(OUT_LISTED), EFFECT_LISTS);
	assert_int_equal(case_outcome_effect(OUT_CORRECTED), EFFECT_LISTS);
	assert_int_equal(case_outcome_effect(OUT_APPROVED), EFFECT_REMOVES);
	assert_int_equal(case_outcome_effect(OUT_UPHELD), EFFECT_NONE);
}

static void
test_state(void **state)
{
	struct case_rec	 cr;

	(void)state;
	memset(&cr, 0, sizeof(cr));
	cr.cr_outcome = CASE_OPEN;
	assert_int_equal(case_state_of(&cr, 100, 100), CS_OPEN);
	assert_int_equal(case_state_of(&cr, 100, 101), CS_OVERDUE);
	cr.cr_outcome = OUT_UPHELD;
	assert_int_equal(case_state_of(&cr, 100, 101), CS_CLOSED);
}

/* A summary of the watch hit w (and the target's hit, if any). */
static size_t
summary_of(uint8_t *buf, const struct summary_hit *w,
    const struct summary_hit *target)
{
	uint8_t	 first[CAP];
	long	 n = 0;

	if (target != NULL)
		n = summary_update(first, CAP, NULL, 0, "black", target);
	n = summary_update(buf, CAP, n > 0 ? first : NULL, (size_t)n, "watch",
	    w);
	assert_true(n > 0);
	return (size_t)n;
}

static void
test_escalation(void **state)
{
	struct config		 cfg;
	struct summary_hit	 w, b;
	struct escalation	 e;
	uint8_t			 buf[CAP];
	size_t			 n;
	int32_t			 today = 20000;

	(void)state;
	two_lists(&cfg);
	w = hit("watch", today - 10, today + 300);
	w.h_nlistings = 3;
	w.h_listings[0] = today - 400;	/* outside the window */
	w.h_listings[1] = today - 364;	/* the window's first day */
	w.h_listings[2] = today - 10;
	n = summary_of(buf, &w, NULL);
	assert_int_equal(escalation_find(&cfg, buf, n, 1u, today, &e), 1);
	assert_int_equal(e.es_watch, 1);
	assert_int_equal(e.es_to, 0);
	assert_int_equal(e.es_count, 2);
	assert_int_equal(e.es_first, today - 364);
	assert_int_equal(e.es_last, today - 10);
	/* a caller who may not see the target's escalations */
	assert_int_equal(escalation_find(&cfg, buf, n, 2u, today, &e), 0);
	/* a day later the window has moved past one listing */
	assert_int_equal(escalation_find(&cfg, buf, n, 1u, today + 1, &e), 0);
	/* a listing dated in the future does not count yet */
	w.h_listings[1] = today + 1;
	n = summary_of(buf, &w, NULL);
	assert_int_equal(escalation_find(&cfg, buf, n, 1u, today, &e), 0);
	/* dismissed */
	w.h_listings[1] = today - 20;
	w.h_flags = SUMMARY_DISMISSED;
	n = summary_of(buf, &w, NULL);
	assert_int_equal(escalation_find(&cfg, buf, n, 1u, today, &e), 0);
	/* an active entry on the target settles it; an expired one does not */
	w.h_flags = 0;
	b = hit("black", today - 5, today + 5);
	n = summary_of(buf, &w, &b);
	assert_int_equal(escalation_find(&cfg, buf, n, 1u, today, &e), 0);
	b = hit("black", today - 50, today - 1);
	n = summary_of(buf, &w, &b);
	assert_int_equal(escalation_find(&cfg, buf, n, 1u, today, &e), 1);
	/* a corrupt summary */
	assert_int_equal(escalation_find(&cfg, buf, n - 1, 1u, today, &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_escalation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
