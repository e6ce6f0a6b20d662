/*
 * libqcreg: verifying a signed check answer: its canonical text rebuilt
 * from the decoded answer with proto/check_text (the code the server
 * signs with), then the Ed25519 signature over it.
 */
#include <stdlib.h>
#include <string.h>

#include "check_text.h"
#include "qcreg_int.h"

static size_t	 most_hits(const struct qcreg_check *);
static int	 item_text(msgpack_sbuffer *, const struct qcreg_check_item *,
		    struct qc_text_hit *);
static int	 check_text(msgpack_sbuffer *, const struct qcreg_check *,
		    const struct qcreg_checkpoint *);

/* The largest number of hits of one item. */
static size_t
most_hits(const struct qcreg_check *k)
{
	size_t	 i, most = 0;

	for (i = 0; i < k->n; i++)
		if (k->items[i].nhits > most)
			most = k->items[i].nhits;
	return most;
}

/*
 * One result's line: its subject as sent, its verdict or error name, its
 * hits (through th, room for them all) and its escalation.
 */
static int
item_text(msgpack_sbuffer *b, const struct qcreg_check_item *it,
    struct qc_text_hit *th)
{
	const struct qcreg_escalation	*e = it->escalation;
	struct qc_text_escalation	 te;
	const char			*subject = it->subject;
	size_t				 i, len = strlen(subject);

	if (it->raw_subject != NULL) {
		subject = it->raw_subject;
		len = it->raw_len;
	}
	if (it->error != QC_OK)
		return qc_check_text_subject(b, subject, len,
		    qcreg_code_name(it->error), NULL, 0, NULL);
	for (i = 0; i < it->nhits; i++) {
		th[i].th_list = it->hits[i].list;
		th[i].th_list_len = strlen(it->hits[i].list);
		th[i].th_grade = it->hits[i].grade;
		th[i].th_grade_len = th[i].th_grade != NULL ?
		    strlen(th[i].th_grade) : 0;
		th[i].th_until = it->hits[i].until;
		th[i].th_disputed = it->hits[i].disputed;
	}
	if (e != NULL) {
		te.te_list = e->list;
		te.te_to = e->to;
		te.te_count = e->count;
		te.te_first = e->first;
		te.te_last = e->last;
	}
	return qc_check_text_subject(b, subject, len,
	    qcreg_verdict_name(it->verdict), th, it->nhits,
	    e != NULL ? &te : NULL);
}

/* The text the signature covers: 0, or -1 (bad field, out of memory). */
static int
check_text(msgpack_sbuffer *b, const struct qcreg_check *k,
    const struct qcreg_checkpoint *sig)
{
	struct qc_text_hit	*th;
	size_t			 i;
	int			 rc = 0;

	if (k->n > UINT32_MAX || qc_check_text_head(b, sig->origin,
	    sig->time, sig->size, sig->root, sig->key_id,
	    (uint32_t)k->n) != 0)
		return -1;
	if ((th = calloc(most_hits(k) + 1, sizeof(*th))) == NULL)
		return -1;
	for (i = 0; rc == 0 && i < k->n; i++)
		rc = item_text(b, &k->items[i], th);
	free(th);
	return rc;
}

int
qcreg_check_verify(const struct qcreg_check *k,
    const struct qcreg_checkpoint *sig, const uint8_t pub[QC_PUB_LEN])
{
	msgpack_sbuffer	 text;
	int		 ok;

	if (!sig->is_signed)
		return 0;
	msgpack_sbuffer_init(&text);
	ok = check_text(&text, k, sig) == 0 &&
	    qc_sig_verify(pub, text.data, text.size, sig->signature);
	msgpack_sbuffer_destroy(&text);
	return ok;
}
