/*
 * Case kinds, outcomes, states and the stored case.
 */
#include <string.h>

#include "calendar.h"
#include "cases.h"
#include "store.h"

static const char *const kind_names[CFG_CASE_KINDS] = {
	"notice", "objection", "repair"
};

static const struct {
	const char		*name;
	enum case_kind		 kind;
	enum outcome_effect	 effect;
} outcomes[OUT_COUNT] = {
	[OUT_LISTED] = { "listed", CASE_NOTICE, EFFECT_LISTS },
	[OUT_WITHDRAWN] = { "withdrawn", CASE_NOTICE, EFFECT_NONE },
	[OUT_UPHELD] = { "upheld", CASE_OBJECTION, EFFECT_NONE },
	[OUT_CORRECTED] = { "corrected", CASE_OBJECTION, EFFECT_LISTS },
	[OUT_REVOKED] = { "revoked", CASE_OBJECTION, EFFECT_REMOVES },
	[OUT_APPROVED] = { "approved", CASE_REPAIR, EFFECT_REMOVES },
	[OUT_REJECTED] = { "rejected", CASE_REPAIR, EFFECT_NONE },
};

static const char *const state_names[] = {
	"open", "overdue", "closed", "due"
};

#define NSTATES	((int)(sizeof(state_names) / sizeof(state_names[0])))

static int
name_index(const char *const *names, int n, const char *s, size_t len)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

const char *
case_kind_name(enum case_kind k)
{
	return kind_names[k];
}

const char *
case_outcome_name(enum case_outcome o)
{
	return outcomes[o].name;
}

const char *
case_state_name(enum case_state s)
{
	return state_names[s];
}

int
case_kind_from_name(const char *s, size_t len)
{
	return name_index(kind_names, CFG_CASE_KINDS, s, len);
}

int
case_outcome_from_name(const char *s, size_t len)
{
	int	 o;

	for (o = 0; o < OUT_COUNT; o++)
		if (strlen(outcomes[o].name) == len &&
		    memcmp(outcomes[o].name, s, len) == 0)
			return o;
	return -1;
}

int
case_state_from_name(const char *s, size_t len)
{
	return name_index(state_names, NSTATES, s, len);
}

enum case_kind
case_outcome_kind(enum case_outcome o)
{
	return outcomes[o].kind;
}

enum outcome_effect
case_outcome_effect(enum case_outcome o)
{
	return outcomes[o].effect;
}

int32_t
case_deadline(const struct config *cfg, const struct list_def *l,
    enum case_kind k, int32_t received_on, int *provisional)
{
	return calendar_deadline(config_calendar(cfg), received_on,
	    l->l_case_days[k], provisional);
}

enum case_state
case_state_of(const struct case_rec *cr, int32_t deadline, int32_t today)
{
	if (cr->cr_outcome != CASE_OPEN)
		return CS_CLOSED;
	return today > deadline ? CS_OVERDUE : CS_OPEN;
}

long
case_encode(uint8_t *out, size_t cap, const struct case_rec *cr)
{
	size_t	 need = 22 + 1 + cr->cr_list_len + cr->cr_subject_len;

	if (cr->cr_list_len > 255 || need > cap)
		return -1;
	out[0] = (uint8_t)cr->cr_kind;
	out[1] = (uint8_t)cr->cr_outcome;
	store_put_be(out + 2, (uint32_t)cr->cr_received_on, 4);
	store_put_be(out + 6, (uint32_t)cr->cr_closed_on, 4);
	store_put_be(out + 10, cr->cr_close_seq, 8);
	store_put_be(out + 18, cr->cr_version, 4);
	out[22] = (uint8_t)cr->cr_list_len;
	memcpy(out + 23, cr->cr_list, cr->cr_list_len);
	memcpy(out + 23 + cr->cr_list_len, cr->cr_subject, cr->cr_subject_len);
	return (long)need;
}

int
case_decode(const uint8_t *v, size_t len, struct case_rec *cr)
{
	if (len < 23 || len < 23 + (size_t)v[22] + 1 ||
	    v[0] >= CFG_CASE_KINDS ||
	    (v[1] != CASE_OPEN && (v[1] >= OUT_COUNT ||
	    outcomes[v[1]].kind != v[0])))
		return -1;
	cr->cr_kind = (enum case_kind)v[0];
	cr->cr_outcome = v[1];
	cr->cr_received_on = (int32_t)(uint32_t)store_get_be(v + 2, 4);
	cr->cr_closed_on = (int32_t)(uint32_t)store_get_be(v + 6, 4);
	cr->cr_close_seq = store_get_be(v + 10, 8);
	cr->cr_version = (uint32_t)store_get_be(v + 18, 4);
	cr->cr_list_len = v[22];
	cr->cr_list = (const char *)v + 23;
	cr->cr_subject = cr->cr_list + cr->cr_list_len;
	cr->cr_subject_len = len - 23 - cr->cr_list_len;
	return 0;
}

size_t
case_open_key(uint8_t *out, const char *subject, const char *list,
    enum case_kind k)
{
	size_t	 sl = strlen(subject), ll = strlen(list);

	if (sl + 1 + ll + 1 + 1 > 511)
		return 0;
	memcpy(out, subject, sl);
	out[sl] = '\0';
	memcpy(out + sl + 1, list, ll);
	out[sl + 1 + ll] = '\0';
	out[sl + ll + 2] = (uint8_t)k;
	return sl + ll + 3;
}
