/*
 * libqcreg mirror without a server: a mirror opened in a temporary
 * directory, its list definitions stored as hello would give them, and
 * change records applied to it directly (mirror_apply) or as a verified
 * page (mirror_page, against a checkpoint at the page's end, which needs
 * no consistency proof). Checked: the stored entry's encoding; states
 * computed at check time (a pending entry is a hit once its day has
 * come, an expired one no longer); verdicts, list filters and disputes as
 * the server gives them, an objection outliving a withdrawal; the
 * subject filter read on and grown as entries come; withdrawn
 * fields gone from every file of the mirror once it is rewritten; a page
 * chained and its tree and state kept, a false record refused by seq.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "date.h"
#include "msg.h"
#include "qcreg_mirror_int.h"
#include "testlib.h"

#define SITE	"site:cheap-tours.example.cn"
#define SITE2	"site:other-tours.example.cn"
#define USCC	"uscc:91350100M000100Y43"

/* One test's mirror and its directory. */
struct fix {
	char			 dir[64];
	struct qcreg_mirror	*m;
	char			 today[QC_DATE_LEN + 1];
	char			 tomorrow[QC_DATE_LEN + 1];
	char			 yesterday[QC_DATE_LEN + 1];
};

static void	 pack_lists(msgpack_packer *);
static int	 setup(void **);
static int	 teardown(void **);
static void	 payload_fields(msgpack_sbuffer *, const char *const *);
static void	 change_init(struct mirror_change *, uint64_t, enum mirror_op,
		    const char *, const char *);
static void	 apply(struct fix *, const struct mirror_change *);
static void	 put(struct fix *, uint64_t, const char *, const char *,
		    enum mirror_op, const char *const *);
static void	 mark(struct fix *, uint64_t, enum mirror_op, const char *,
		    const char *, uint64_t, const char *);
static struct qcreg_check *check_on(struct fix *, const char *,
		    const char *, const char *const *, size_t);
static void	 want_hit(const struct qcreg_check_item *, const char *,
		    const char *, uint64_t);
static int	 in_files(const char *, const char *);
static void	 sha256(const void *, size_t, uint8_t *);
static void	 pack_record(msgpack_packer *, uint64_t, const char *,
		    const char *, const char *, const char *const *,
		    const uint8_t *, uint8_t *);

/*
 * hello's lists, as the development configuration has them: credit
 * (rating, grade, valid_from/valid_until), tourism (blacklist,
 * listed_on/expires_on), tourism-watch (watch, no dates named).
 */
static void
pack_lists(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 1);
	tl_pack_str(pk, "lists");
	msgpack_pack_array(pk, 3);
	msgpack_pack_map(pk, 6);
	tl_pack_str(pk, "name");
	tl_pack_str(pk, "credit");
	tl_pack_str(pk, "type");
	tl_pack_str(pk, "rating");
	tl_pack_str(pk, "grade");
	tl_pack_str(pk, "grade");
	tl_pack_str(pk, "start");
	tl_pack_str(pk, "valid_from");
	tl_pack_str(pk, "end");
	tl_pack_str(pk, "valid_until");
	tl_pack_str(pk, "verdicts");
	msgpack_pack_map(pk, 4);
	tl_pack_str(pk, "A");
	tl_pack_str(pk, "clear");
	tl_pack_str(pk, "B");
	tl_pack_str(pk, "clear");
	tl_pack_str(pk, "C");
	tl_pack_str(pk, "caution");
	tl_pack_str(pk, "D");
	tl_pack_str(pk, "listed");
	msgpack_pack_map(pk, 4);
	tl_pack_str(pk, "name");
	tl_pack_str(pk, "tourism");
	tl_pack_str(pk, "type");
	tl_pack_str(pk, "blacklist");
	tl_pack_str(pk, "start");
	tl_pack_str(pk, "listed_on");
	tl_pack_str(pk, "end");
	tl_pack_str(pk, "expires_on");
	msgpack_pack_map(pk, 2);
	tl_pack_str(pk, "name");
	tl_pack_str(pk, "tourism-watch");
	tl_pack_str(pk, "type");
	tl_pack_str(pk, "watch");
}

/*
 * A new mirror that would sync from 127.0.0.1 (it connects only in
 * qcreg_mirror_sync), with the lists stored as a sync keeps them.
 */
static int
setup(void **state)
{
	struct qcreg_opts	 opts = { "ca", "cert", "key", 0 };
	struct qcreg_mirror_conf conf;
	struct fix		*f;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	uint8_t			 pub[QC_PUB_LEN] = { 0 };
	MDB_txn			*txn;
	char			 err[256];
	int32_t			 today;

	assert_non_null(f = calloc(1, sizeof(*f)));
	snprintf(f->dir, sizeof(f->dir), "/tmp/qcreg-mirror-ut.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	memset(&conf, 0, sizeof(conf));
	conf.host = "127.0.0.1";
	conf.port = 1;
	conf.opts = &opts;
	conf.pubkey = pub;
	assert_int_equal(qcreg_mirror_open(&f->m, f->dir, &conf, err,
	    sizeof(err)), 0);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack_lists(&pk);
	assert_int_equal(mdb_txn_begin(f->m->env, NULL, 0, &txn), 0);
	assert_int_equal(mirror_meta_put(f->m, txn, "hello", sb.data,
	    sb.size), 0);
	assert_int_equal(mirror_hello_load(f->m, txn), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	msgpack_sbuffer_destroy(&sb);
	assert_int_equal(f->m->lists.n, 3);
	today = qc_date_today(time(NULL), f->m->utc_offset);
	qc_date_format(today, f->today);
	qc_date_format(today + 1, f->tomorrow);
	qc_date_format(today - 1, f->yesterday);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;
	char		 cmd[128];

	qcreg_mirror_close(f->m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* {"fields": {k: v, ...}} from a NULL-ended list of k, v. */
static void
payload_fields(msgpack_sbuffer *sb, const char *const *kv)
{
	msgpack_packer	 pk;
	size_t		 n = 0;

	while (kv[2 * n] != NULL)
		n++;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, "fields");
	msgpack_pack_map(&pk, n);
	for (; *kv != NULL; kv++)
		tl_pack_str(&pk, *kv);
}

/* A record of seq about (list, subject), nothing else set. */
static void
change_init(struct mirror_change *ch, uint64_t seq, enum mirror_op op,
    const char *list, const char *subject)
{
	memset(ch, 0, sizeof(*ch));
	ch->seq = seq;
	ch->op = op;
	ch->list = list;
	ch->list_len = strlen(list);
	ch->subject = subject;
	ch->subject_len = strlen(subject);
}

/* ch applied in a transaction of its own, as a page of one would be. */
static void
apply(struct fix *f, const struct mirror_change *ch)
{
	struct mirror_apply	 a = { .m = f->m };

	assert_int_equal(mdb_txn_begin(f->m->env, NULL, 0, &a.txn), 0);
	assert_int_equal(mirror_apply(&a, ch), 0);
	if (a.withdrawn > 0)
		assert_int_equal(mirror_meta_put_u64(f->m, a.txn, "compact",
		    1), 0);
	assert_int_equal(mdb_txn_commit(a.txn), 0);
}

/* A version of subject on list (put, remove or case_close) with fields. */
static void
put(struct fix *f, uint64_t seq, const char *list, const char *subject,
    enum mirror_op op, const char *const *kv)
{
	struct mirror_change	 ch;
	msgpack_sbuffer		 sb;

	msgpack_sbuffer_init(&sb);
	payload_fields(&sb, kv);
	change_init(&ch, seq, op, list, subject);
	ch.version = seq;
	ch.case_id = op == MOP_CASE_CLOSE ? seq - 1 : 0;
	ch.payload = (const uint8_t *)sb.data;
	ch.payload_len = sb.size;
	apply(f, &ch);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * A record of (list, subject) without a version: a case_open (kind given:
 * its payload; NULL: seen without payload), a case_close, a withdraw.
 */
static void
mark(struct fix *f, uint64_t seq, enum mirror_op op, const char *list,
    const char *subject, uint64_t case_id, const char *kind)
{
	struct mirror_change	 ch;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, op == MOP_CASE_OPEN ? "kind" : "reason");
	tl_pack_str(&pk, kind != NULL ? kind : "repair");
	change_init(&ch, seq, op, list, subject);
	ch.case_id = case_id;
	if (kind != NULL) {
		ch.payload = (const uint8_t *)sb.data;
		ch.payload_len = sb.size;
	}
	apply(f, &ch);
	msgpack_sbuffer_destroy(&sb);
}

static struct qcreg_check *
check_on(struct fix *f, const char *day, const char *subject,
    const char *const *lists, size_t nlists)
{
	struct qcreg_check	*k;

	assert_int_equal(qcreg_mirror_check_on(f->m, day, &subject, 1, lists,
	    nlists, &k), 0);
	assert_int_equal(k->n, 1);
	return k;
}

static void
want_hit(const struct qcreg_check_item *it, const char *list,
    const char *until, uint64_t disputed)
{
	assert_int_equal(it->nhits, 1);
	assert_string_equal(it->hits[0].list, list);
	if (until == NULL)
		assert_null(it->hits[0].until);
	else
		assert_string_equal(it->hits[0].until, until);
	assert_int_equal(it->hits[0].disputed, disputed);
}

/* Whether any file of dir holds needle. */
static int
in_files(const char *dir, const char *needle)
{
	char	 cmd[256];

	snprintf(cmd, sizeof(cmd), "grep -rqF -- '%s' %s", needle, dir);
	return system(cmd) == 0;
}

static void
test_entry_codec(void **state)
{
	struct mirror_entry	 e, d;
	uint8_t			 buf[MIRROR_ENTRY_MAX], key[MIRROR_KEY_MAX];

	(void)state;
	memset(&e, 0, sizeof(e));
	e.grade = "C";
	e.grade_len = 1;
	e.start = 20000;
	e.end = MIRROR_NO_END;
	e.version = 3;
	e.seq = 41;
	e.disputed = 40;
	e.has_fields = 1;
	assert_int_equal(mirror_entry_size(&e), 35);
	mirror_entry_encode(&e, buf);
	assert_int_equal(mirror_entry_decode(buf, mirror_entry_size(&e), &d),
	    0);
	assert_false(d.removed);
	assert_memory_equal(d.grade, "C", 1);
	assert_int_equal(d.start, 20000);
	assert_int_equal(d.end, MIRROR_NO_END);
	assert_int_equal(d.version, 3);
	assert_int_equal(d.seq, 41);
	assert_int_equal(d.disputed, 40);
	assert_true(d.has_fields);
	assert_int_equal(mirror_entry_decode(buf, 5, &d), -1);
	assert_int_equal(mirror_entry_decode(buf, 36, &d), -1);

	/* Active from its start to its end, both days included. */
	assert_false(mirror_entry_active(&e, 19999));
	assert_true(mirror_entry_active(&e, 20000));
	e.end = 20010;
	assert_true(mirror_entry_active(&e, 20010));
	assert_false(mirror_entry_active(&e, 20011));
	e.removed = 1;
	assert_false(mirror_entry_active(&e, 20005));

	/* subject NUL list, so one subject's entries are adjacent. */
	assert_int_equal(mirror_entry_key(key, SITE, strlen(SITE), "tourism",
	    7), strlen(SITE) + 8);
	assert_memory_equal(key, SITE "\0tourism", strlen(SITE) + 8);
}

static void
test_lists(void **state)
{
	struct fix		*f = *state;
	const struct mirror_list *credit = &f->m->lists.l[0];

	assert_string_equal(credit->grade, "grade");
	assert_string_equal(credit->start, "valid_from");
	assert_string_equal(credit->end, "valid_until");
	assert_int_equal(mirror_list_verdict(credit, "B", 1), QCREG_CLEAR);
	assert_int_equal(mirror_list_verdict(credit, "C", 1), QCREG_CAUTION);
	assert_int_equal(mirror_list_verdict(credit, "D", 1), QCREG_LISTED);
	/* A grade the schema no longer has weighs nothing. */
	assert_int_equal(mirror_list_verdict(credit, "E", 1), QCREG_CLEAR);
	assert_int_equal(mirror_list_verdict(&f->m->lists.l[1], NULL, 0),
	    QCREG_LISTED);
	assert_int_equal(mirror_list_verdict(&f->m->lists.l[2], NULL, 0),
	    QCREG_CAUTION);
	assert_string_equal(f->m->lists.l[2].start, "");
	assert_int_equal(mirror_list_index(&f->m->lists, "tourism", 7), 1);
	assert_int_equal(mirror_list_index(&f->m->lists, "touris", 6), -1);
}

/* A rating list without its grade field named is refused. */
static void
test_lists_refused(void **state)
{
	struct mirror_lists	*ls;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	char			 why[256];

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "name");
	tl_pack_str(&pk, "credit");
	tl_pack_str(&pk, "type");
	tl_pack_str(&pk, "rating");
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	assert_non_null(ls = malloc(sizeof(*ls)));
	assert_int_equal(mirror_lists_parse(&up.data, ls, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "rating list credit"));
	free(ls);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

/* States at check time: pending, active, expired, removed. */
static void
test_states_at_check_time(void **state)
{
	struct fix		*f = *state;
	struct qcreg_check	*k;
	const char		*later[] = { "name", "某网", "listed_on", NULL,
				    "expires_on", "2099-12-31", NULL };

	later[3] = f->tomorrow;
	put(f, 1, "tourism", SITE, MOP_PUT, later);
	k = check_on(f, f->today, SITE, NULL, 0);
	assert_int_equal(k->items[0].verdict, QCREG_CLEAR);
	assert_int_equal(k->items[0].nhits, 0);
	assert_string_equal(k->items[0].subject, SITE);
	qcreg_check_free(k);
	/* Pending when fetched, a hit once its day has come. */
	k = check_on(f, f->tomorrow, SITE, NULL, 0);
	assert_int_equal(k->items[0].verdict, QCREG_LISTED);
	want_hit(&k->items[0], "tourism", "2099-12-31", 0);
	qcreg_check_free(k);
	k = check_on(f, "2100-01-01", SITE, NULL, 0);
	assert_int_equal(k->items[0].nhits, 0);
	qcreg_check_free(k);
	/* Through qcreg_mirror_check: today's date, so not yet. */
	assert_int_equal(qcreg_mirror_check(f->m, (const char *[]){ SITE }, 1,
	    NULL, 0, &k), 0);
	assert_int_equal(k->items[0].nhits, 0);
	qcreg_check_free(k);
	put(f, 2, "tourism", SITE, MOP_REMOVE, later);
	k = check_on(f, f->tomorrow, SITE, NULL, 0);
	assert_int_equal(k->items[0].nhits, 0);
	qcreg_check_free(k);
}

/* Verdicts by list type and grade; lists that weigh; bad subjects. */
static void
test_verdicts_and_lists(void **state)
{
	struct fix		*f = *state;
	struct qcreg_check	*k;
	const char		*grade_c[] = { "name", "某公司", "grade", "C",
				    "valid_until", NULL, NULL };
	const char		*listed[] = { "name", "某公司", "listed_on",
				    "2020-01-01", NULL };
	const char		*tourism[] = { "tourism" };
	const char		*nosuch[] = { "nosuch" };
	const char		*subjects[] = { "91350100M000100Y43", "bogus" };

	grade_c[5] = f->today;
	put(f, 1, "credit", USCC, MOP_PUT, grade_c);
	put(f, 2, "tourism", USCC, MOP_PUT, listed);
	put(f, 3, "tourism-watch", USCC, MOP_PUT, listed);
	/* The canonical form is looked up; the worst verdict wins. */
	assert_int_equal(qcreg_mirror_check_on(f->m, f->today, subjects, 2,
	    NULL, 0, &k), 0);
	assert_string_equal(k->items[0].subject, USCC);
	assert_int_equal(k->items[0].verdict, QCREG_LISTED);
	assert_int_equal(k->items[0].nhits, 3);
	assert_string_equal(k->items[0].hits[0].list, "credit");
	assert_string_equal(k->items[0].hits[0].grade, "C");
	assert_string_equal(k->items[0].hits[0].until, f->today);
	assert_string_equal(k->items[0].hits[1].list, "tourism");
	assert_null(k->items[0].hits[1].grade);
	assert_string_equal(k->items[0].hits[2].list, "tourism-watch");
	assert_int_equal(k->items[1].error, QC_E_INVALID_SUBJECT);
	assert_string_equal(k->items[1].subject, "bogus");
	qcreg_check_free(k);
	/* The credit entry ended yesterday as of tomorrow. */
	k = check_on(f, f->tomorrow, USCC, NULL, 0);
	assert_int_equal(k->items[0].nhits, 2);
	qcreg_check_free(k);
	k = check_on(f, f->today, USCC, tourism, 1);
	want_hit(&k->items[0], "tourism", NULL, 0);
	qcreg_check_free(k);
	assert_int_equal(qcreg_mirror_check_on(f->m, f->today,
	    (const char *[]){ USCC }, 1, nosuch, 1, &k), QC_E_UNKNOWN_LIST);
	assert_null(k);
}

/*
 * Disputes as the server keeps them: through new versions, until the
 * case closes, and past a withdrawal (a stub), also when the case_open
 * came without payload.
 */
static void
test_disputes(void **state)
{
	struct fix		*f = *state;
	struct qcreg_check	*k;
	const char		*d[] = { "name", "某公司", "grade", "D", NULL };
	const char		*b[] = { "name", "某公司", "grade", "B", NULL };

	put(f, 1, "credit", USCC, MOP_PUT, d);
	mark(f, 2, MOP_CASE_OPEN, "credit", USCC, 2, "objection");
	mark(f, 3, MOP_CASE_OPEN, "credit", USCC, 3, "repair");	/* not a dispute */
	put(f, 4, "credit", USCC, MOP_PUT, b);
	k = check_on(f, f->today, USCC, NULL, 0);
	assert_int_equal(k->items[0].verdict, QCREG_CLEAR);
	want_hit(&k->items[0], "credit", NULL, 2);
	qcreg_check_free(k);
	/* Withdrawn: no hit, the case kept; listed again, still disputed. */
	mark(f, 5, MOP_WITHDRAW, "credit", USCC, 3, "repair");
	k = check_on(f, f->today, USCC, NULL, 0);
	assert_int_equal(k->items[0].nhits, 0);
	qcreg_check_free(k);
	put(f, 6, "credit", USCC, MOP_PUT, d);
	k = check_on(f, f->today, USCC, NULL, 0);
	want_hit(&k->items[0], "credit", NULL, 2);
	qcreg_check_free(k);
	/* Upheld (a case_close of the case without a version): cleared. */
	mark(f, 7, MOP_CASE_CLOSE, "credit", USCC, 2, "upheld");
	k = check_on(f, f->today, USCC, NULL, 0);
	want_hit(&k->items[0], "credit", NULL, 0);
	qcreg_check_free(k);

	/* Replayed from scratch, a withdrawn entry's records lack payload. */
	mark(f, 8, MOP_CASE_OPEN, "credit", SITE2, 8, NULL);
	mark(f, 9, MOP_WITHDRAW, "credit", SITE2, 0, "repair");
	put(f, 10, "credit", SITE2, MOP_PUT, b);
	k = check_on(f, f->today, SITE2, NULL, 0);
	want_hit(&k->items[0], "credit", NULL, 8);
	qcreg_check_free(k);
}

/*
 * The subject filter: built at the first check, read on as entries are
 * created, made anew when more subjects came than it has room for; every
 * subject with an entry is still found.
 */
static void
test_filter_grows(void **state)
{
	struct fix		*f = *state;
	struct mirror_apply	 a = { .m = f->m };
	struct mirror_change	 ch;
	struct qcreg_check	*k;
	msgpack_sbuffer		 sb;
	const char		*kv[] = { "name", "某网", NULL };
	const char		*subjects[2];
	char			 subj[3000][40];
	int			 i;

	k = check_on(f, f->today, SITE, NULL, 0);
	assert_int_equal(k->items[0].nhits, 0);
	qcreg_check_free(k);
	assert_true(f->m->filter.f_built);
	assert_true(f->m->filter.f_bloom.b_capacity < 3000);
	msgpack_sbuffer_init(&sb);
	payload_fields(&sb, kv);
	assert_int_equal(mdb_txn_begin(f->m->env, NULL, 0, &a.txn), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(subj[i], sizeof(subj[i]), "site:s%d.example.cn", i);
		change_init(&ch, (uint64_t)i + 1, MOP_PUT, "tourism-watch",
		    subj[i]);
		ch.version = 1;
		ch.payload = (const uint8_t *)sb.data;
		ch.payload_len = sb.size;
		assert_int_equal(mirror_apply(&a, &ch), 0);
	}
	assert_int_equal(mdb_txn_commit(a.txn), 0);
	msgpack_sbuffer_destroy(&sb);
	for (i = 0; i < 3000; i += 2) {
		subjects[0] = subj[i];
		subjects[1] = subj[i + 1];
		assert_int_equal(qcreg_mirror_check_on(f->m, f->today,
		    subjects, 2, NULL, 0, &k), 0);
		want_hit(&k->items[0], "tourism-watch", NULL, 0);
		want_hit(&k->items[1], "tourism-watch", NULL, 0);
		qcreg_check_free(k);
	}
	assert_int_equal(f->m->filter.f_n, 3000);
	assert_int_equal(f->m->filter.f_last, 3000);
	assert_true(f->m->filter.f_bloom.b_capacity >= 3000);
}

/* Withdrawn fields leave the files once the data file is rewritten. */
static void
test_withdraw_rewrites(void **state)
{
	struct fix		*f = *state;
	struct qcreg_check	*k;
	const char		*gone[] = { "name", "WITHDRAWN-FIELD-VALUE",
				    "listed_on", "2020-01-01", NULL };
	const char		*kept[] = { "name", "KEPT-FIELD-VALUE",
				    "listed_on", "2020-01-01", NULL };
	unsigned long		 gen = f->m->gen;
	int			 done;

	put(f, 1, "tourism", SITE, MOP_PUT, gone);
	put(f, 2, "tourism", SITE2, MOP_PUT, kept);
	assert_int_equal(mirror_compact(f->m, &done), 0);
	assert_false(done);	/* nothing withdrawn yet */
	assert_true(in_files(f->dir, "WITHDRAWN-FIELD-VALUE"));
	put(f, 3, "tourism", SITE, MOP_CASE_CLOSE, gone);
	mark(f, 4, MOP_WITHDRAW, "tourism", SITE, 3, "repair");
	k = check_on(f, f->today, SITE, NULL, 0);
	assert_int_equal(k->items[0].nhits, 0);
	qcreg_check_free(k);
	assert_int_equal(mirror_compact(f->m, &done), 0);
	assert_true(done);
	assert_int_equal(f->m->gen, gen + 1);
	assert_false(in_files(f->dir, "WITHDRAWN-FIELD-VALUE"));
	assert_true(in_files(f->dir, "KEPT-FIELD-VALUE"));
	k = check_on(f, f->today, SITE2, NULL, 0);
	want_hit(&k->items[0], "tourism", NULL, 0);
	qcreg_check_free(k);
}

static void
sha256(const void *p, size_t len, uint8_t *out)
{
	unsigned	 n = 0;

	assert_int_equal(EVP_Digest(p, len, out, &n, EVP_sha256(), NULL), 1);
}

/*
 * A put record on tourism chained onto prev, as `changes` sends it
 * (PROTOCOL.md 4.4), its hash (into hash) computed with principal, but
 * showing shown.
 */
static void
pack_record(msgpack_packer *pk, uint64_t seq, const char *principal,
    const char *shown, const char *subject, const char *const *kv,
    const uint8_t *prev, uint8_t *hash)
{
	msgpack_sbuffer	 payload, body;
	msgpack_packer	 bp;
	uint8_t		 ph[QCREG_HASH_LEN];
	char		 hex[2 * QCREG_HASH_LEN + 1];

	msgpack_sbuffer_init(&payload);
	payload_fields(&payload, kv);
	sha256(payload.data, payload.size, ph);
	msgpack_sbuffer_init(&body);
	msgpack_sbuffer_write(&body, (const char *)prev, QCREG_HASH_LEN);
	msgpack_packer_init(&bp, &body, msgpack_sbuffer_write);
	msgpack_pack_array(&bp, 10);
	tl_pack_str(&bp, "qcreg-change-v2");
	msgpack_pack_uint64(&bp, seq);
	msgpack_pack_uint64(&bp, 1772323200);
	tl_pack_str(&bp, principal);
	tl_pack_str(&bp, "put");
	tl_pack_str(&bp, "tourism");
	tl_pack_str(&bp, subject);
	msgpack_pack_uint64(&bp, 1);
	msgpack_pack_nil(&bp);
	msgpack_pack_bin_with_body(&bp, ph, QCREG_HASH_LEN);
	sha256(body.data, body.size, hash);
	msgpack_sbuffer_destroy(&body);

	msgpack_pack_map(pk, 11);
	qc_pack_kv_uint(pk, "seq", seq);
	qc_pack_kv_uint(pk, "at", 1772323200);
	qc_pack_kv_str(pk, "principal", shown);
	qc_pack_kv_str(pk, "op", "put");
	qc_pack_kv_str(pk, "list", "tourism");
	qc_pack_kv_str(pk, "subject", subject);
	qc_pack_kv_uint(pk, "version", 1);
	qc_hex(ph, QCREG_HASH_LEN, hex);
	qc_pack_kv_str(pk, "payload_hash", hex);
	tl_pack_str(pk, "payload");
	msgpack_pack_bin_with_body(pk, payload.data, payload.size);
	qc_hex(prev, QCREG_HASH_LEN, hex);
	qc_pack_kv_str(pk, "prev", hex);
	qc_hex(hash, QCREG_HASH_LEN, hex);
	qc_pack_kv_str(pk, "hash", hex);
	msgpack_sbuffer_destroy(&payload);
}

/*
 * A page of three records (a put, a sealed record, a put) verified
 * against a checkpoint at its end and applied with the state that comes
 * after it; the next page's false record refused by its seq, nothing of
 * it applied; a gap refused.
 */
static void
test_page(void **state)
{
	struct fix		*f = *state;
	struct qcreg_checkpoint	 cp;
	struct qcreg_mirror_status st;
	struct mirror_state	 ms, again;
	struct qcreg_tree	 tree;
	struct qcreg_check	*k;
	msgpack_sbuffer		 sb, raw;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	uint8_t			 h[4][QCREG_HASH_LEN], leaf[QCREG_HASH_LEN];
	char			 hex[2 * QCREG_HASH_LEN + 1];
	const char		*kv[] = { "name", "某网", "listed_on",
				    "2020-01-01", NULL };
	MDB_txn			*txn;
	int			 i;

	memset(h[0], 0, QCREG_HASH_LEN);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 3);
	pack_record(&pk, 1, "tourism-bureau", "tourism-bureau", SITE, kv, h[0], h[1]);
	memset(h[2], 0x5a, QCREG_HASH_LEN);	/* taken as given */
	msgpack_pack_map(&pk, 4);
	qc_pack_kv_uint(&pk, "seq", 2);
	qc_pack_kv_uint(&pk, "at", 1772323200);
	qc_pack_kv_str(&pk, "op", "sealed");
	qc_hex(h[2], QCREG_HASH_LEN, hex);
	qc_pack_kv_str(&pk, "hash", hex);
	pack_record(&pk, 3, "tourism-bureau", "tourism-bureau", SITE2, kv, h[2], h[3]);
	qcreg_tree_init(&tree);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(qcreg_leaf_hash(h[i], leaf), 0);
		assert_int_equal(qcreg_tree_add(&tree, leaf), 0);
	}
	memset(&cp, 0, sizeof(cp));
	cp.size = 3;
	assert_int_equal(qcreg_tree_root(&tree, cp.root), 0);
	msgpack_sbuffer_init(&raw);
	msgpack_sbuffer_write(&raw, "\x80", 1);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);

	/* A checkpoint of another root: refused, nothing applied. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(mdb_txn_begin(f->m->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mirror_state_load(f->m, txn, &ms), 0);
	mdb_txn_abort(txn);
	cp.root[0] ^= 1;
	assert_int_equal(mirror_page(f->m, &ms, &up.data, 3, &cp, &raw, &st),
	    QCREG_E_VERIFY);
	assert_int_equal(ms.seq, 0);
	cp.root[0] ^= 1;
	/* More records than asked for: refused. */
	assert_int_equal(mirror_page(f->m, &ms, &up.data, 2, &cp, &raw, &st),
	    QCREG_E_PROTO);

	assert_int_equal(mirror_page(f->m, &ms, &up.data, 3, &cp, &raw, &st),
	    0);
	assert_int_equal(ms.seq, 3);
	assert_int_equal(st.applied, 3);
	assert_int_equal(st.verified, 3);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	k = check_on(f, f->today, SITE2, NULL, 0);
	want_hit(&k->items[0], "tourism", NULL, 0);
	qcreg_check_free(k);

	/* The state kept: seq, chain hash and tree as computed. */
	assert_int_equal(mdb_txn_begin(f->m->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mirror_state_load(f->m, txn, &again), 0);
	mdb_txn_abort(txn);
	assert_int_equal(again.seq, 3);
	assert_memory_equal(again.hash, h[3], QCREG_HASH_LEN);
	assert_int_equal(qcreg_tree_root(&again.tree, leaf), 0);
	assert_memory_equal(leaf, cp.root, QCREG_HASH_LEN);

	/* Record 4 with another principal than its hash covers. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 1);
	pack_record(&pk, 4, "tourism-bureau", "quality-bureau", SITE, kv,
	    h[3], h[0]);
	cp.size = 4;
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(mirror_page(f->m, &again, &up.data, 1, &cp, &raw,
	    &st), QCREG_E_VERIFY);
	assert_non_null(strstr(qcreg_mirror_errmsg(f->m), "change 4: hash"));
	assert_int_equal(again.seq, 3);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/* Record 5 after 3: a gap. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 1);
	pack_record(&pk, 5, "tourism-bureau", "tourism-bureau", SITE, kv,
	    h[3], h[0]);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(mirror_page(f->m, &again, &up.data, 1, &cp, &raw,
	    &st), QCREG_E_PROTO);
	assert_non_null(strstr(qcreg_mirror_errmsg(f->m), "a gap"));
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_destroy(&raw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_codec),
		cmocka_unit_test(test_lists_refused),
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_states_at_check_time,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdicts_and_lists,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_disputes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter_grows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_withdraw_rewrites, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_page, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
