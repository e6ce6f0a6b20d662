/*
 * The name index (names.h): rows, bigram sets and their differences.
 */
#include <errno.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "name_norm.h"
#include "names.h"
#include "record.h"
#include "summary.h"

/* Subjects per transaction of a reindex. */
#define REINDEX_BATCH	2000

struct bigram {
	uint8_t	 b_len;
	char	 b_key[NAME_BIGRAM_MAX];
};

struct bigram_set {
	struct bigram	*bs_v;
	size_t		 bs_n, bs_cap;
};

static int	 set_add_name(struct bigram_set *, const char *, size_t);
static int	 set_of_row(struct bigram_set *, const uint8_t *, size_t);
static int	 bigram_cmp(const void *, const void *);
static int	 pending_note(struct store *, MDB_txn *, uint32_t,
		    const MDB_val *);
static int	 row_build(msgpack_sbuffer *, const uint8_t *, size_t,
		    const char *, const char *, const char *, size_t);
static int	 row_item(msgpack_sbuffer *, const char *, size_t,
		    const char *, size_t);
static int	 next_id(struct store *, MDB_txn *, uint32_t *);
static int	 fields_name(const msgpack_object *, const char **, size_t *);
static int	 reindex_batch(struct store *, MDB_txn *, char *, size_t *,
		    size_t *);
static int	 reindex_clear(struct store *, MDB_txn *, MDB_val *);
static int	 reindex_merge(struct store *, MDB_txn *, int *);

int
names_row_subject(const uint8_t *row, size_t len, const char **subject,
    size_t *subject_len, const uint8_t **p)
{
	if (len < 2 || ((size_t)row[0] << 8 | row[1]) + 2 > len)
		return -1;
	*subject = (const char *)row + 2;
	*subject_len = (size_t)row[0] << 8 | row[1];
	*p = row + 2 + *subject_len;
	return 0;
}

int
names_row_next(const uint8_t **p, const uint8_t *end, struct name_item *it)
{
	const uint8_t	*s = *p;

	if (s == end)
		return 0;
	if (end - s < 1 || end - s < 1 + s[0] + 2)
		return -1;
	it->ni_list = (const char *)s + 1;
	it->ni_list_len = s[0];
	s += 1 + s[0];
	it->ni_name_len = (size_t)s[0] << 8 | s[1];
	s += 2;
	if ((size_t)(end - s) < it->ni_name_len)
		return -1;
	it->ni_name = (const char *)s;
	*p = s + it->ni_name_len;
	return 1;
}

int
names_row_of(struct store *st, MDB_txn *txn, const char *subject, size_t len,
    MDB_val *row)
{
	MDB_val	 k = { .mv_data = (void *)subject, .mv_size = len }, v;
	uint32_t id;
	int	 rc;

	if ((rc = mdb_get(txn, st->s_name_subj, &k, &v)) != 0)
		return rc;
	if (v.mv_size != sizeof(id))
		return MDB_CORRUPTED;
	memcpy(&id, v.mv_data, sizeof(id));
	k.mv_data = &id;
	k.mv_size = sizeof(id);
	rc = mdb_get(txn, st->s_name_rows, &k, row);
	return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
}

/* Adds the bigrams of name, normalised. */
static int
set_add_name(struct bigram_set *s, const char *name, size_t len)
{
	char		 norm[NAME_NORM_MAX];
	size_t		 n, nchars, i, a, b;
	struct bigram	*v;

	n = name_norm(name, len, norm, sizeof(norm), &nchars);
	if (nchars < 2)
		return 0;
	if (s->bs_n + nchars > s->bs_cap) {
		s->bs_cap = (s->bs_n + nchars) * 2;
		if ((v = realloc(s->bs_v, s->bs_cap * sizeof(*v))) == NULL)
			return ENOMEM;
		s->bs_v = v;
	}
	for (i = 0; i < n; i += a) {
		a = name_char_len((unsigned char)norm[i]);
		if (i + a >= n)
			break;
		b = name_char_len((unsigned char)norm[i + a]);
		v = &s->bs_v[s->bs_n++];
		memset(v, 0, sizeof(*v));
		v->b_len = (uint8_t)(a + b);
		memcpy(v->b_key, norm + i, a + b);
	}
	return 0;
}

static int
bigram_cmp(const void *a, const void *b)
{
	const struct bigram	*x = a, *y = b;

	if (x->b_len != y->b_len)
		return x->b_len < y->b_len ? -1 : 1;
	return memcmp(x->b_key, y->b_key, x->b_len);
}

/* The sorted, distinct bigrams of a row's names (row NULL: none). */
static int
set_of_row(struct bigram_set *s, const uint8_t *row, size_t len)
{
	struct name_item it;
	const char	*subject;
	const uint8_t	*p;
	size_t		 slen, i, o;
	int		 r, rc;

	if (row == NULL)
		return 0;
	if (names_row_subject(row, len, &subject, &slen, &p) == -1)
		return MDB_CORRUPTED;
	while ((r = names_row_next(&p, row + len, &it)) == 1)
		if ((rc = set_add_name(s, it.ni_name, it.ni_name_len)) != 0)
			return rc;
	if (r == -1)
		return MDB_CORRUPTED;
	if (s->bs_n == 0)
		return 0;
	qsort(s->bs_v, s->bs_n, sizeof(*s->bs_v), bigram_cmp);
	for (i = 1, o = 1; i < s->bs_n; i++)
		if (bigram_cmp(&s->bs_v[i], &s->bs_v[o - 1]) != 0)
			s->bs_v[o++] = s->bs_v[i];
	s->bs_n = o;
	return 0;
}

/* A change to bigrams: id added to or dropped from a bigram's ids. */
struct posting {
	struct bigram	 p_b;
	uint32_t	 p_id;
	int		 p_add;
};

struct postings {
	struct posting	*ps_v;
	size_t		 ps_n, ps_cap;
};

/* The postings that turn id's bigrams old into new. 0 or ENOMEM. */
static int
postings_diff(struct postings *ps, uint32_t id, const struct bigram_set *old,
    const struct bigram_set *new)
{
	struct posting	*v;
	size_t		 i = 0, j = 0;
	int		 c;

	while (i < old->bs_n || j < new->bs_n) {
		if (i == old->bs_n)
			c = 1;
		else if (j == new->bs_n)
			c = -1;
		else
			c = bigram_cmp(&old->bs_v[i], &new->bs_v[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (ps->ps_n == ps->ps_cap) {
			ps->ps_cap = ps->ps_cap ? ps->ps_cap * 2 : 4096;
			if ((v = reallocarray(ps->ps_v, ps->ps_cap,
			    sizeof(*v))) == NULL)
				return ENOMEM;
			ps->ps_v = v;
		}
		v = &ps->ps_v[ps->ps_n++];
		v->p_b = c < 0 ? old->bs_v[i++] : new->bs_v[j++];
		v->p_id = id;
		v->p_add = c > 0;
	}
	return 0;
}

static int
posting_cmp(const void *a, const void *b)
{
	const struct posting	*x = a, *y = b;
	int			 c;

	if ((c = bigram_cmp(&x->p_b, &y->p_b)) != 0)
		return c;
	return x->p_id < y->p_id ? -1 : x->p_id > y->p_id;
}

/*
 * Writes the postings in key order: a bigram's pages are visited once,
 * the few thousand pages of a whole index once a merge, instead of a
 * page for each bigram of every name in each commit.
 */
static int
postings_apply(struct store *st, MDB_txn *txn, struct postings *ps)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	size_t		 i;
	int		 rc = 0;

	if (ps->ps_n == 0)
		return 0;
	qsort(ps->ps_v, ps->ps_n, sizeof(*ps->ps_v), posting_cmp);
	if ((rc = mdb_cursor_open(txn, st->s_bigrams, &cur)) != 0)
		return rc;
	for (i = 0; i < ps->ps_n && rc == 0; i++) {
		k.mv_data = ps->ps_v[i].p_b.b_key;
		k.mv_size = ps->ps_v[i].p_b.b_len;
		v.mv_data = &ps->ps_v[i].p_id;
		v.mv_size = sizeof(ps->ps_v[i].p_id);
		if (ps->ps_v[i].p_add) {
			rc = mdb_cursor_put(cur, &k, &v, MDB_NODUPDATA);
			if (rc == MDB_KEYEXIST)
				rc = 0;
		} else if ((rc = mdb_cursor_get(cur, &k, &v,
		    MDB_GET_BOTH)) == 0)
			rc = mdb_cursor_del(cur, 0);
		else if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	mdb_cursor_close(cur);
	return rc;
}

/* Notes that id's names changed: its row as bigrams holds it, if new. */
static int
pending_note(struct store *st, MDB_txn *txn, uint32_t id, const MDB_val *old)
{
	MDB_val	 k = { .mv_data = &id, .mv_size = sizeof(id) };
	MDB_val	 v = *old;
	int	 rc;

	if (v.mv_size == 0)
		v.mv_data = "";
	/* The first change since the last merge keeps the indexed row. */
	rc = mdb_put(txn, st->s_name_pending, &k, &v, MDB_NOOVERWRITE);
	return rc == MDB_KEYEXIST ? 0 : rc;
}

int
names_pending(struct store *st, MDB_txn *txn, size_t *n)
{
	MDB_stat	 ms;
	int		 rc;

	if ((rc = mdb_stat(txn, st->s_name_pending, &ms)) != 0)
		return rc;
	*n = ms.ms_entries;
	return 0;
}

int
names_merge(struct store *st, MDB_txn *txn, size_t max)
{
	struct bigram_set old = { 0 }, new = { 0 };
	struct postings	 ps = { 0 };
	MDB_cursor	*cur;
	MDB_val		 k, v, row;
	uint32_t	 id;
	size_t		 n = 0;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, st->s_name_pending, &cur)) != 0)
		return rc;
	while (n++ < max && (rc = mdb_cursor_get(cur, &k, &v,
	    MDB_FIRST)) == 0) {
		if (k.mv_size != sizeof(id)) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&id, k.mv_data, sizeof(id));
		old.bs_n = new.bs_n = 0;
		if ((rc = set_of_row(&old, v.mv_size > 0 ? v.mv_data : NULL,
		    v.mv_size)) != 0)
			break;
		k.mv_data = &id;
		k.mv_size = sizeof(id);
		rc = mdb_get(txn, st->s_name_rows, &k, &row);
		if (rc == MDB_NOTFOUND)
			rc = 0;	/* no names left: every posting goes */
		else if (rc != 0 || (rc = set_of_row(&new, row.mv_data,
		    row.mv_size)) != 0)
			break;
		if ((rc = postings_diff(&ps, id, &old, &new)) != 0 ||
		    (rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		rc = postings_apply(st, txn, &ps);
	free(old.bs_v);
	free(new.bs_v);
	free(ps.ps_v);
	return rc;
}

static int
row_item(msgpack_sbuffer *out, const char *list, size_t llen,
    const char *name, size_t nlen)
{
	uint8_t	 h[3];

	h[0] = (uint8_t)llen;
	h[1] = (uint8_t)(nlen >> 8);
	h[2] = (uint8_t)nlen;
	return msgpack_sbuffer_write(out, (const char *)h, 1) != 0 ||
	    msgpack_sbuffer_write(out, list, llen) != 0 ||
	    msgpack_sbuffer_write(out, (const char *)h + 1, 2) != 0 ||
	    msgpack_sbuffer_write(out, name, nlen) != 0 ? ENOMEM : 0;
}

/*
 * The row old (NULL: none) with list's name set to name (NULL: taken
 * out), in place, or appended when list had none.
 */
static int
row_build(msgpack_sbuffer *out, const uint8_t *old, size_t old_len,
    const char *subject, const char *list, const char *name, size_t nlen)
{
	struct name_item it;
	const char	*s;
	const uint8_t	*p;
	size_t		 slen, llen = strlen(list);
	uint8_t		 sl[2];
	int		 r = 0, rc, done = 0;

	if (old != NULL) {
		if (names_row_subject(old, old_len, &s, &slen, &p) == -1)
			return MDB_CORRUPTED;
	} else {
		s = subject;
		slen = strlen(subject);
		p = NULL;
	}
	sl[0] = (uint8_t)(slen >> 8);
	sl[1] = (uint8_t)slen;
	if (msgpack_sbuffer_write(out, (const char *)sl, 2) != 0 ||
	    msgpack_sbuffer_write(out, s, slen) != 0)
		return ENOMEM;
	while (p != NULL && (r = names_row_next(&p, old + old_len, &it)) == 1) {
		if (it.ni_list_len == llen && memcmp(it.ni_list, list,
		    llen) == 0) {
			done = 1;
			if (name == NULL)
				continue;
			rc = row_item(out, list, llen, name, nlen);
		} else
			rc = row_item(out, it.ni_list, it.ni_list_len,
			    it.ni_name, it.ni_name_len);
		if (rc != 0)
			return rc;
	}
	if (p != NULL && r == -1)
		return MDB_CORRUPTED;
	if (!done && name != NULL)
		return row_item(out, list, llen, name, nlen);
	return 0;
}

/* The next free id: one past the last row's. */
static int
next_id(struct store *st, MDB_txn *txn, uint32_t *id)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, st->s_name_rows, &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		*id = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (k.mv_size != sizeof(*id))
		return MDB_CORRUPTED;
	memcpy(id, k.mv_data, sizeof(*id));
	if (*id == UINT32_MAX)
		return MDB_MAP_FULL;
	(*id)++;
	return 0;
}

int
names_set(struct store *st, MDB_txn *txn, const char *subject,
    const char *list, const char *name, size_t name_len)
{
	msgpack_sbuffer	 row;
	MDB_val		 sk = { .mv_data = (void *)subject,
			    .mv_size = strlen(subject) }, k, v, oldv;
	uint32_t	 id;
	int		 rc, fresh = 0;

	/* A name is kept as written, cut to what a row can hold. */
	if (name != NULL && name_len > NAME_NORM_MAX) {
		name_len = NAME_NORM_MAX;
		while (((unsigned char)name[name_len] & 0xc0) == 0x80)
			name_len--;
	}
	memset(&oldv, 0, sizeof(oldv));
	rc = mdb_get(txn, st->s_name_subj, &sk, &v);
	if (rc == MDB_NOTFOUND) {
		if (name == NULL)
			return 0;
		fresh = 1;
		if ((rc = next_id(st, txn, &id)) != 0)
			return rc;
	} else if (rc != 0)
		return rc;
	else {
		if (v.mv_size != sizeof(id))
			return MDB_CORRUPTED;
		memcpy(&id, v.mv_data, sizeof(id));
		k.mv_data = &id;
		k.mv_size = sizeof(id);
		if ((rc = mdb_get(txn, st->s_name_rows, &k, &oldv)) != 0)
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	}
	msgpack_sbuffer_init(&row);
	if ((rc = row_build(&row, oldv.mv_data, oldv.mv_size, subject, list,
	    name, name_len)) != 0)
		goto done;
	if (row.size == oldv.mv_size && memcmp(row.data, oldv.mv_data,
	    row.size) == 0)
		goto done;
	/* The old row's bytes go once the row is written: note them first. */
	if ((rc = pending_note(st, txn, id, &oldv)) != 0)
		goto done;
	k.mv_data = &id;
	k.mv_size = sizeof(id);
	if (row.size == 2 + sk.mv_size) {
		/* No name left: the subject leaves the index. */
		if ((rc = mdb_del(txn, st->s_name_rows, &k, NULL)) == 0)
			rc = mdb_del(txn, st->s_name_subj, &sk, NULL);
		goto done;
	}
	v.mv_data = row.data;
	v.mv_size = row.size;
	if ((rc = mdb_put(txn, st->s_name_rows, &k, &v, 0)) != 0 || !fresh)
		goto done;
	v.mv_data = &id;
	v.mv_size = sizeof(id);
	rc = mdb_put(txn, st->s_name_subj, &sk, &v, 0);
done:
	msgpack_sbuffer_destroy(&row);
	return rc;
}

/* The name in a fields map: 1 found, 0 none. */
static int
fields_name(const msgpack_object *fields, const char **name, size_t *len)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;

	if (fields == NULL || fields->type != MSGPACK_OBJECT_MAP)
		return 0;
	for (i = 0; i < fields->via.map.size; i++) {
		kv = &fields->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    kv->key.via.str.size == sizeof(NAMES_FIELD) - 1 &&
		    memcmp(kv->key.via.str.ptr, NAMES_FIELD,
		    sizeof(NAMES_FIELD) - 1) == 0 &&
		    kv->val.type == MSGPACK_OBJECT_STR) {
			*name = kv->val.via.str.ptr;
			*len = kv->val.via.str.size;
			return 1;
		}
	}
	return 0;
}

int
names_set_payload(struct store *st, MDB_txn *txn, const char *subject,
    const char *list, const void *payload, size_t len)
{
	msgpack_unpacked	 up;
	const msgpack_object	*fields = NULL;
	const char		*name = NULL;
	size_t			 nlen = 0, off = 0;
	uint32_t		 i;
	int			 rc;

	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, payload, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || up.data.type != MSGPACK_OBJECT_MAP) {
		msgpack_unpacked_destroy(&up);
		return MDB_CORRUPTED;
	}
	for (i = 0; i < up.data.via.map.size; i++)
		if (up.data.via.map.ptr[i].key.type == MSGPACK_OBJECT_STR &&
		    up.data.via.map.ptr[i].key.via.str.size == 6 &&
		    memcmp(up.data.via.map.ptr[i].key.via.str.ptr, "fields",
		    6) == 0)
			fields = &up.data.via.map.ptr[i].val;
	if (!fields_name(fields, &name, &nlen))
		name = NULL;
	rc = names_set(st, txn, subject, list, name, nlen);
	msgpack_unpacked_destroy(&up);
	return rc;
}

/*
 * Indexes up to REINDEX_BATCH subjects after last (last_len bytes; 0:
 * from the first), leaving the last one done in last. *done counts them;
 * it does not move at the end of the summary.
 */
static int
reindex_batch(struct store *st, MDB_txn *txn, char *last, size_t *last_len,
    size_t *done)
{
	struct summary_hit	 h;
	msgpack_unpacked	 up;
	struct record		 r;
	MDB_cursor		*cur;
	MDB_val			 k, v;
	const uint8_t		*p, *end;
	char			 subject[STORE_KEY_MAX + 1], list[256];
	const char		*name;
	size_t			 nlen, n = 0;
	int			 rc, hit = 0;

	if ((rc = mdb_cursor_open(txn, st->s_summary, &cur)) != 0)
		return rc;
	k.mv_data = last;
	k.mv_size = *last_len;
	rc = mdb_cursor_get(cur, &k, &v, *last_len == 0 ? MDB_FIRST :
	    MDB_SET_RANGE);
	if (rc == 0 && *last_len > 0 && k.mv_size == *last_len &&
	    memcmp(k.mv_data, last, *last_len) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0 && n < REINDEX_BATCH; n++) {
		if (k.mv_size > STORE_KEY_MAX) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(subject, k.mv_data, k.mv_size);
		subject[k.mv_size] = '\0';
		p = v.mv_data;
		end = p + v.mv_size;
		while (rc == 0 && (hit = summary_next(&p, end, &h)) == 1) {
			if ((rc = record_fetch(st, txn, h.h_seq, &up, &r)) != 0)
				break;
			memcpy(list, h.h_list, h.h_list_len);
			list[h.h_list_len] = '\0';
			if (fields_name(r.r_fields, &name, &nlen))
				rc = names_set(st, txn, subject, list, name,
				    nlen);
			msgpack_unpacked_destroy(&up);
		}
		if (rc == 0 && hit == -1)
			rc = MDB_CORRUPTED;
		if (rc != 0)
			break;
		memcpy(last, subject, k.mv_size);
		*last_len = k.mv_size;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	*done += n;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * After the rows: their bigrams, a chunk a transaction; the last marks
 * the index whole. *merging says whether chunks remain.
 */
static int
reindex_merge(struct store *st, MDB_txn *txn, int *merging)
{
	size_t	 left;
	int	 rc;

	if ((rc = names_merge(st, txn, NAMES_MERGE_CHUNK)) != 0 ||
	    (rc = names_pending(st, txn, &left)) != 0)
		return rc;
	*merging = left > 0;
	return left > 0 ? 0 : store_names_built(st, txn);
}

/* Empties the index and takes its mark (meta key mark) away. */
static int
reindex_clear(struct store *st, MDB_txn *txn, MDB_val *mark)
{
	int	 rc;

	if ((rc = mdb_drop(txn, st->s_name_subj, 0)) != 0 ||
	    (rc = mdb_drop(txn, st->s_name_rows, 0)) != 0 ||
	    (rc = mdb_drop(txn, st->s_bigrams, 0)) != 0 ||
	    (rc = mdb_drop(txn, st->s_name_pending, 0)) != 0)
		return rc;
	rc = mdb_del(txn, st->s_meta, mark, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
names_reindex(struct store *st, uint64_t map_max)
{
	MDB_val	 k = { .mv_data = "names", .mv_size = 5 };
	MDB_txn	*txn;
	char	 last[STORE_KEY_MAX], undo[STORE_KEY_MAX];
	size_t	 last_len = 0, undo_len, done = 0, before = 0;
	int	 rc, first = 1, more = 1, merging = 0;

	while (more) {
		before = done;
		undo_len = last_len;
		memcpy(undo, last, last_len);
		if ((rc = mdb_txn_begin(st->s_env, NULL, 0, &txn)) != 0)
			break;
		if (first)
			rc = reindex_clear(st, txn, &k);
		else if ((rc = reindex_batch(st, txn, last, &last_len,
		    &done)) == 0 && done == before)
			rc = reindex_merge(st, txn, &merging);
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc == MDB_MAP_FULL && store_grow(st, map_max) == 0) {
			/* The batch again, in the larger map. */
			done = before;
			last_len = undo_len;
			memcpy(last, undo, undo_len);
			continue;
		}
		if (rc != 0)
			break;
		if (done / 100000 != before / 100000)
			log_info("reindex: %zu subjects", done);
		more = first || done != before || merging;
		first = 0;
	}
	if (rc != 0) {
		log_warnx("reindex: %s", mdb_strerror(rc));
		return -1;
	}
	log_info("reindex: done, %zu subjects", done);
	return 0;
}
