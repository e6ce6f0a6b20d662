/*
 * check with signed: true. The answer's canonical text (proto/check_text.h)
 * is written beside the msgpack answer as each subject is packed, then
 * signed once for the whole answer, with the checkpoint of the same read
 * snapshot.
 */
#include <string.h>

#include "date.h"
#include "op.h"
#include "op_check.h"
#include "signer.h"

int
check_sign_begin(struct req *q, MDB_txn *txn, struct check_sign *cs,
    uint32_t nsubjects)
{
	msgpack_sbuffer_init(&cs->cs_text);
	if (answer_sign_begin(q, txn, &cs->cs_cp) != 0)
		return -1;
	if (qc_check_text_head(&cs->cs_text, q->q_cfg->origin,
	    cs->cs_cp.cp_time, cs->cs_cp.cp_size, cs->cs_cp.cp_root,
	    signer_key_id(cs->cs_cp.cp_signer), nsubjects) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}

int
check_sign_invalid(struct req *q, struct check_sign *cs,
    const msgpack_object *subject)
{
	if (qc_check_text_subject(&cs->cs_text, subject->via.str.ptr,
	    subject->via.str.size, "invalid_subject", NULL, 0, NULL) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}

int
check_sign_subject(struct req *q, struct check_sign *cs, const char *subject,
    const struct summary_hit *hits, unsigned found, const char *verdict,
    const struct escalation *esc)
{
	const struct config	*cfg = q->q_cfg;
	struct qc_text_hit	 th[CFG_MAX_LISTS];
	struct qc_text_escalation te;
	char			 until[CFG_MAX_LISTS][QC_DATE_LEN + 1];
	char			 first[QC_DATE_LEN + 1], last[QC_DATE_LEN + 1];
	size_t			 n = 0;
	int			 li;

	for (li = 0; li < cfg->nlists; li++) {
		if (((found >> li) & 1) == 0)
			continue;
		th[n].th_list = cfg->lists[li].l_name;
		th[n].th_list_len = strlen(th[n].th_list);
		th[n].th_grade = hits[li].h_grade;
		th[n].th_grade_len = hits[li].h_grade_len;
		th[n].th_until = NULL;
		if (hits[li].h_end != DATE_NONE_END) {
			qc_date_format(hits[li].h_end, until[n]);
			th[n].th_until = until[n];
		}
		th[n++].th_disputed = hits[li].h_case;
	}
	if (esc->es_count > 0) {
		qc_date_format(esc->es_first, first);
		qc_date_format(esc->es_last, last);
		te.te_list = cfg->lists[esc->es_watch].l_name;
		te.te_to = cfg->lists[esc->es_to].l_name;
		te.te_count = esc->es_count;
		te.te_first = first;
		te.te_last = last;
	}
	if (qc_check_text_subject(&cs->cs_text, subject, strlen(subject),
	    verdict, th, n, esc->es_count > 0 ? &te : NULL) != 0) {
		req_fail(q, QC_E_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}

int
check_sign_end(struct req *q, struct check_sign *cs)
{
	return answer_sign_pack(q, &cs->cs_cp, cs->cs_text.data,
	    cs->cs_text.size);
}

void
check_sign_free(struct check_sign *cs)
{
	msgpack_sbuffer_destroy(&cs->cs_text);
}
