/*
 * Escalation flags, counted from a summary.
 */
#include <string.h>

#include "escalation.h"
#include "record.h"

unsigned
escalation_count(const struct list_def *l, const struct summary_hit *h,
    int32_t today, int32_t *first, int32_t *last)
{
	unsigned	 i, n = 0;
	int32_t		 d;

	*first = *last = 0;
	for (i = 0; i < h->h_nlistings; i++) {
		d = h->h_listings[i];
		if (d > today || d <= today - l->l_escalate_window)
			continue;
		if (n == 0 || d < *first)
			*first = d;
		if (n == 0 || d > *last)
			*last = d;
		n++;
	}
	return n;
}

/* Whether the subject holds an active entry on list to. */
static int
active_on(const struct config *cfg, const uint8_t *v, size_t len, int to,
    int32_t today)
{
	struct summary_hit	 h;
	const char		*name = cfg->lists[to].l_name;

	if (summary_find(v, len, name, strlen(name), &h) != 1)
		return 0;
	return state_of(h.h_flags & SUMMARY_REMOVED, h.h_start, h.h_end,
	    today) == ST_ACTIVE;
}

int
escalation_find(const struct config *cfg, const uint8_t *v, size_t len,
    unsigned mask, int32_t today, struct escalation *e)
{
	const uint8_t		*p = v, *end = len > 0 ? v + len : v;
	const struct list_def	*l;
	struct summary_hit	 h;
	int			 rc, li;

	while ((rc = summary_next(&p, end, &h)) == 1) {
		if (h.h_nlistings == 0 || (h.h_flags & SUMMARY_DISMISSED))
			continue;
		li = config_list_index(cfg, h.h_list, h.h_list_len);
		if (li < 0)
			continue;
		l = &cfg->lists[li];
		if (l->l_escalate_to < 0 || ((mask >> l->l_escalate_to) & 1) == 0)
			continue;
		e->es_count = escalation_count(l, &h, today, &e->es_first,
		    &e->es_last);
		if (e->es_count < (unsigned)l->l_escalate_after ||
		    active_on(cfg, v, len, l->l_escalate_to, today))
			continue;
		e->es_watch = li;
		e->es_to = l->l_escalate_to;
		return 1;
	}
	return rc;
}
