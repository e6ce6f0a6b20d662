/*
 * libqcreg mirror: a verified change record applied as a platform sees
 * it (PROTOCOL.md 4.3-4.7), in the page's write transaction.
 *
 *   put, remove, a case_close that wrote a version   the entry's new
 *                                     version (a removal for the
 *                                     outcomes revoked and approved)
 *   case_open of an objection         the entry is disputed by the case
 *   case_close without a version      an upheld objection: no longer
 *   withdraw, or any record shown without its payload
 *                                     the entry's fields are deleted: it
 *                                     stopped being public (its records
 *                                     come without payload once withdrawn)
 *   sealed, escalation_dismiss        nothing a platform may know
 *
 * A disputed case stays with the entry through new versions until the
 * case is closed, as the server keeps it; it even outlives a withdrawal
 * (an objection still open when a repair removed the entry marks the
 * entry when it is listed again). So a withdrawn entry with an open
 * objection stays as a stub: removed, no fields, the case id. A record
 * without payload still says whose it is: a case_open a platform sees is
 * an objection's (notice and repair cases are sealed), a case_close ends
 * its case.
 */
#include <string.h>

#include "date.h"
#include "msg.h"
#include "qcreg_mirror_int.h"

static int	 entry_keep(struct mirror_apply *, const MDB_val *,
		    const struct mirror_entry *, int, uint64_t);
static void	 stub_init(struct mirror_entry *);
static void	 date_field(const msgpack_object *, const char *, int32_t *);
static int	 version_apply(struct mirror_apply *, const MDB_val *,
		    const struct mirror_change *, const msgpack_object *);
static int	 dispute_set(struct mirror_apply *, const MDB_val *,
		    const struct mirror_change *, uint64_t);
static int	 withdraw(struct mirror_apply *, const MDB_val *,
		    const struct mirror_change *);
static int	 removes(const msgpack_object *);

/* An entry with no fields, kept for its open objection alone. */
static void
stub_init(struct mirror_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->removed = 1;
	e->start = MIRROR_NO_START;
	e->end = MIRROR_NO_END;
}

/*
 * Stores e (that had, or did not have, a row at k before record seq), or
 * deletes it when it is a stub with no dispute left.
 */
static int
entry_keep(struct mirror_apply *a, const MDB_val *k,
    const struct mirror_entry *e, int had, uint64_t seq)
{
	if (e->has_fields || e->disputed != 0)
		return mirror_row_put(a, k, e, had ? 0 : seq);
	return had ? mirror_row_del(a, a->m->entries, k) : 0;
}

/*
 * A date field's day, left as it is when absent or not a date (as the
 * server reads it: no limit).
 */
static void
date_field(const msgpack_object *fields, const char *name, int32_t *day)
{
	const char	*s;
	size_t		 len;
	int32_t		 d;

	if (*name != '\0' &&
	    qc_obj_str(qc_map_get(fields, name), &s, &len) == 0 &&
	    qc_date_parse(s, len, &d) == 0)
		*day = d;
}

/* Whether a closing's outcome removes the entry (PROTOCOL.md 4.6). */
static int
removes(const msgpack_object *payload)
{
	const msgpack_object	*o = qc_map_get(payload, "outcome");

	return qc_obj_streq(o, "revoked") || qc_obj_streq(o, "approved");
}

/* A new version of the entry at k, from the record's payload. */
static int
version_apply(struct mirror_apply *a, const MDB_val *k,
    const struct mirror_change *ch, const msgpack_object *payload)
{
	const msgpack_object	*fields = qc_map_get(payload, "fields"), *g;
	const struct mirror_list *l = NULL;
	struct mirror_entry	 old, e;
	int			 li, has, rc;

	if (fields == NULL || fields->type != MSGPACK_OBJECT_MAP)
		return mirror_fail(a->m, QCREG_E_PROTO, "change %llu: a "
		    "version without fields", (unsigned long long)ch->seq);
	if ((has = mirror_row_get(a, k, &old)) < 0)
		return has;
	memset(&e, 0, sizeof(e));
	e.has_fields = 1;
	e.removed = ch->op == MOP_REMOVE ||
	    (ch->op == MOP_CASE_CLOSE && removes(payload));
	e.start = MIRROR_NO_START;
	e.end = MIRROR_NO_END;
	if ((li = mirror_list_index(&a->m->lists, ch->list,
	    ch->list_len)) != -1)
		l = &a->m->lists.l[li];
	if (l != NULL && l->grade[0] != '\0' &&
	    (g = qc_map_get(fields, l->grade)) != NULL &&
	    qc_obj_str(g, &e.grade, &e.grade_len) == 0 &&
	    e.grade_len > MIRROR_GRADE_MAX)
		return mirror_fail(a->m, QCREG_E_PROTO, "change %llu: a grade "
		    "of %zu bytes", (unsigned long long)ch->seq, e.grade_len);
	if (l != NULL) {
		date_field(fields, l->start, &e.start);
		date_field(fields, l->end, &e.end);
	}
	e.version = ch->version;
	e.seq = ch->seq;
	e.disputed = has ? old.disputed : 0;
	if (ch->op == MOP_CASE_CLOSE && e.disputed == ch->case_id)
		e.disputed = 0;
	if ((rc = mirror_row_put(a, k, &e, has ? 0 : ch->seq)) != 0)
		return rc;
	return mirror_row_payload(a, k, ch->payload, ch->payload_len);
}

/* The entry at k disputed by case_id (0: no longer by ch's case). */
static int
dispute_set(struct mirror_apply *a, const MDB_val *k,
    const struct mirror_change *ch, uint64_t case_id)
{
	struct mirror_entry	 e;
	int			 has;

	if ((has = mirror_row_get(a, k, &e)) < 0)
		return has;
	if (!has)
		stub_init(&e);
	if (case_id == 0 && e.disputed != ch->case_id)
		return 0;
	e.disputed = case_id;
	return entry_keep(a, k, &e, has, ch->seq);
}

/*
 * The entry at k stopped being public: its fields are deleted (counted
 * in a->withdrawn: the data file must be rewritten), its dispute kept.
 */
static int
withdraw(struct mirror_apply *a, const MDB_val *k,
    const struct mirror_change *ch)
{
	struct mirror_entry	 e;
	uint64_t		 disputed = 0;
	int			 has, rc;

	if ((has = mirror_row_get(a, k, &e)) < 0)
		return has;
	if (has)
		disputed = e.disputed;
	if (has && e.has_fields) {
		a->withdrawn++;
		if ((rc = mirror_row_del(a, a->m->payloads, k)) != 0)
			return rc;
	}
	if (ch->op == MOP_CASE_OPEN)
		disputed = ch->case_id;
	else if (ch->op == MOP_CASE_CLOSE && disputed == ch->case_id)
		disputed = 0;
	stub_init(&e);
	e.seq = ch->seq;
	e.disputed = disputed;
	return entry_keep(a, k, &e, has, ch->seq);
}

int
mirror_apply(struct mirror_apply *a, const struct mirror_change *ch)
{
	uint8_t			 key[MIRROR_KEY_MAX];
	msgpack_unpacked	 up;
	const msgpack_object	*p;
	size_t			 off = 0;
	MDB_val			 k;
	int			 rc;

	if (ch->op == MOP_SEALED || ch->op == MOP_DISMISS)
		return 0;
	k.mv_data = key;
	k.mv_size = mirror_entry_key(key, ch->subject, ch->subject_len,
	    ch->list, ch->list_len);
	if (ch->payload == NULL || ch->op == MOP_WITHDRAW)
		return withdraw(a, &k, ch);
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)ch->payload,
	    ch->payload_len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    off != ch->payload_len || up.data.type != MSGPACK_OBJECT_MAP) {
		msgpack_unpacked_destroy(&up);
		return mirror_fail(a->m, QCREG_E_PROTO, "change %llu: a "
		    "payload that is not a map", (unsigned long long)ch->seq);
	}
	p = &up.data;
	if (ch->op == MOP_PUT || ch->op == MOP_REMOVE ||
	    (ch->op == MOP_CASE_CLOSE && ch->version != 0))
		rc = version_apply(a, &k, ch, p);
	else if (ch->op == MOP_CASE_CLOSE)
		rc = dispute_set(a, &k, ch, 0);
	else if (qc_obj_streq(qc_map_get(p, "kind"), "objection"))
		rc = dispute_set(a, &k, ch, ch->case_id);
	else
		rc = 0;
	msgpack_unpacked_destroy(&up);
	return rc;
}
