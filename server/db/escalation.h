/*
 * Escalation from a watch list (PROTOCOL.md 4.6), computed from the
 * subject's summary alone, so that `check` stays one read per subject.
 */
#ifndef QCD_ESCALATION_H
#define QCD_ESCALATION_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "summary.h"

struct escalation {
	int		 es_watch;	/* list index of the watch list */
	int		 es_to;		/* list index of its target */
	unsigned	 es_count;	/* listings within the window */
	int32_t		 es_first, es_last;
};

/*
 * The listings of watch entry h (of list l) counted against today:
 * returns the count within l's window and sets *first and *last.
 */
unsigned	 escalation_count(const struct list_def *l,
		    const struct summary_hit *h, int32_t today,
		    int32_t *first, int32_t *last);
/*
 * The escalation of the subject whose summary is v (len bytes), if any
 * (1, with *e set), for the lists in mask (the target's bit must be
 * set: the caller decides who may see which). 0 when none, -1 if the
 * summary is corrupt. Flagged: enough listings within the window, not
 * dismissed, and no active entry on the target list.
 */
int		 escalation_find(const struct config *, const uint8_t *v,
		    size_t len, unsigned mask, int32_t today,
		    struct escalation *e);

#endif
