/*
 * A replica's replay (server/db/writer_replay.c, server/replica/
 * follower_record.c): writes applied on one store, their records read
 * back as `changes` hands them to a replica, rebuilt and replayed on a
 * second store, must come out byte for byte; a record whose hash is not
 * the primary's, or a page that ends inside a write, applies nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cases.h"
#include "config.h"
#include "date.h"
#include "follower.h"
#include "msg.h"
#include "record.h"
#include "sig.h"
#include "store.h"
#include "testlib.h"
#include "writer.h"

#define USCC	"uscc:91350100M000100Y43"
#define USCC2	"uscc:91350100M000100Y44"
#define WHO	"quality-bureau"
#define RECS	16

static const char conf_text[] =
    "[server]\nca = a\ncert = b\nkey = c\n"
    "[list credit]\n"
    "type = rating\n"
    "kinds = uscc\n"
    "field = name text required\n"
    "field = grade enum required values=A,B,C,D\n"
    "grade = grade\n"
    "[list tourism]\n"
    "kinds = uscc\n"
    "field = name text required\n"
    "[principal quality-bureau]\nrole = agency\nwrites = credit, tourism\n";

struct fx {
	char		 dir[2][256];
	struct config	*cfg;
	struct store	 st[2];		/* the primary's, the replica's */
	msgpack_sbuffer	 scratch;
	struct replay_rec recs[RECS];
	struct replay	 page;
};

static int
setup(void **state)
{
	struct fx	*fx;
	int		 i;

	if ((fx = calloc(1, sizeof(*fx))) == NULL ||
	    (fx->cfg = tl_config(conf_text)) == NULL)
		return -1;
	for (i = 0; i < 2; i++)
		if (tl_tmpdir(fx->dir[i], sizeof(fx->dir[i]), "replay") == -1 ||
		    store_open(&fx->st[i], fx->dir[i], 16 * 1024 * 1024,
		    8) == -1)
			return -1;
	msgpack_sbuffer_init(&fx->scratch);
	fx->page.rp_recs = fx->recs;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	char		 cmd[600];
	size_t		 i;
	int		 s;

	for (i = 0; i < fx->page.rp_n; i++)
		write_req_free(fx->recs[i].rr_write);
	for (s = 0; s < 2; s++) {
		store_close(&fx->st[s]);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir[s]);
		if (system(cmd) != 0)
			return -1;
	}
	msgpack_sbuffer_destroy(&fx->scratch);
	config_free(fx->cfg);
	free(fx);
	return 0;
}

static struct write_req *
mkwrite(struct fx *fx, enum write_op op, const char *lname,
    const char *subject)
{
	struct write_req	*wr;
	msgpack_packer		 pk;
	int			 li = config_list_index(fx->cfg, lname,
				    strlen(lname));

	assert_true(li >= 0);
	assert_non_null(wr = write_req_new());
	wr->wr_op = op;
	wr->wr_list = &fx->cfg->lists[li];
	snprintf(wr->wr_subject, sizeof(wr->wr_subject), "%s", subject);
	snprintf(wr->wr_principal, sizeof(wr->wr_principal), "%s", WHO);
	wr->wr_today = qc_date_today(time(NULL), fx->cfg->utc_offset);
	wr->wr_start = DATE_NONE_START;
	wr->wr_end = DATE_NONE_END;
	if (op == WR_PUT) {
		msgpack_packer_init(&pk, &wr->wr_fields,
		    msgpack_sbuffer_write);
		assert_int_equal(msgpack_pack_map(&pk, 1 + (li == 0)), 0);
		assert_int_equal(qc_pack_kv_str(&pk, "name", "某某公司"), 0);
		if (li == 0) {
			assert_int_equal(qc_pack_kv_str(&pk, "grade", "C"), 0);
			strcpy(wr->wr_grade, "C");
		}
	}
	return wr;
}

static void
set_text(char **to, size_t *len, const char *text)
{
	assert_non_null(*to = strdup(text));
	*len = strlen(text);
}

/* Applies wr on the primary's store and commits; frees it. */
static void
primary_apply(struct fx *fx, struct write_req *wr)
{
	struct chain	 ch;
	MDB_txn		*txn;

	assert_int_equal(mdb_txn_begin(fx->st[0].s_env, NULL, MDB_RDONLY,
	    &txn), 0);
	assert_int_equal(store_head(&fx->st[0], txn, &ch.ch_seq, ch.ch_hash),
	    0);
	mdb_txn_abort(txn);
	assert_int_equal(mdb_txn_begin(fx->st[0].s_env, NULL, 0, &txn), 0);
	assert_int_equal(writer_apply(&fx->st[0], txn, fx->cfg, wr, &ch,
	    &fx->scratch), 0);
	assert_int_equal(wr->wr_res.wres_fault.f_code, QC_OK);
	assert_int_equal(store_set_head(&fx->st[0], txn, ch.ch_seq,
	    ch.ch_hash), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	write_req_free(wr);
}

/* A history of every kind of record: the case's closing withdraws. */
static void
primary_history(struct fx *fx)
{
	struct write_req	*wr;

	primary_apply(fx, mkwrite(fx, WR_PUT, "credit", USCC));
	primary_apply(fx, mkwrite(fx, WR_PUT, "credit", USCC));
	wr = mkwrite(fx, WR_REMOVE, "credit", USCC);
	set_text(&wr->wr_reason, &wr->wr_reason_len, "撤销");
	primary_apply(fx, wr);
	primary_apply(fx, mkwrite(fx, WR_PUT, "tourism", USCC2));
	wr = mkwrite(fx, WR_CASE_OPEN, "tourism", USCC2);
	wr->wr_kind = CASE_OBJECTION;
	wr->wr_received_on = wr->wr_today - 1;
	set_text(&wr->wr_text, &wr->wr_text_len, "异议");
	primary_apply(fx, wr);
	wr = mkwrite(fx, WR_CASE_CLOSE, "tourism", USCC2);
	wr->wr_case = 5;
	wr->wr_outcome = OUT_REVOKED;
	set_text(&wr->wr_reason, &wr->wr_reason_len, "决定撤销");
	primary_apply(fx, wr);
}

/* Record seq of the primary as `changes` gives it to a replica. */
static void
as_changes(struct fx *fx, uint64_t seq, msgpack_sbuffer *out)
{
	msgpack_unpacked	 up;
	struct record		 r;
	msgpack_packer		 pk;
	MDB_txn			*txn;
	char			 hex[2 * STORE_HASH_LEN + 1];

	assert_int_equal(mdb_txn_begin(fx->st[0].s_env, NULL, MDB_RDONLY,
	    &txn), 0);
	assert_int_equal(record_fetch(&fx->st[0], txn, seq, &up, &r), 0);
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	qc_hex(r.r_hash, STORE_HASH_LEN, hex);
	assert_int_equal(msgpack_pack_map(&pk, 8 + (r.r_case != 0)), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "seq", r.r_seq), 0);
	assert_int_equal(qc_pack_kv_uint(&pk, "at", r.r_at), 0);
	assert_int_equal(qc_pack_cstr(&pk, "principal") ||
	    msgpack_pack_str_with_body(&pk, r.r_by, r.r_by_len), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "op", record_op_name(r.r_op)),
	    0);
	assert_int_equal(qc_pack_cstr(&pk, "list") ||
	    msgpack_pack_str_with_body(&pk, r.r_list, r.r_list_len), 0);
	assert_int_equal(qc_pack_cstr(&pk, "subject") ||
	    msgpack_pack_str_with_body(&pk, r.r_subject, r.r_subject_len), 0);
	if (r.r_case != 0)
		assert_int_equal(qc_pack_kv_uint(&pk, "case", r.r_case), 0);
	assert_int_equal(qc_pack_kv_str(&pk, "hash", hex), 0);
	assert_int_equal(qc_pack_cstr(&pk, "payload") ||
	    msgpack_pack_bin_with_body(&pk, r.r_payload, r.r_payload_len), 0);
	msgpack_unpacked_destroy(&up);
	mdb_txn_abort(txn);
}

/* Records first..last of the primary, rebuilt into the page. */
static void
fetch(struct fx *fx, uint64_t first, uint64_t last)
{
	msgpack_sbuffer		 sb;
	msgpack_unpacked	 up;
	char			 why[256];
	uint64_t		 seq;

	for (seq = first; seq <= last; seq++) {
		msgpack_sbuffer_init(&sb);
		as_changes(fx, seq, &sb);
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size,
		    NULL), MSGPACK_UNPACK_SUCCESS);
		if (follower_record(fx->cfg, &up.data,
		    &fx->recs[fx->page.rp_n], why, sizeof(why)) != 0)
			fail_msg("record %llu: %s", (unsigned long long)seq, why);
		fx->page.rp_n++;
		msgpack_unpacked_destroy(&up);
		msgpack_sbuffer_destroy(&sb);
	}
}

/* Replays the page on the replica's store: its fault (committed if none). */
static enum qc_err
replay(struct fx *fx, char *msg, size_t len)
{
	struct write_req	*wr;
	struct chain		 ch;
	MDB_txn			*txn;
	enum qc_err		 code;

	assert_int_equal(mdb_txn_begin(fx->st[1].s_env, NULL, 0, &txn), 0);
	assert_int_equal(store_head(&fx->st[1], txn, &ch.ch_seq, ch.ch_hash),
	    0);
	assert_non_null(wr = write_req_new());
	wr->wr_op = WR_REPLAY;
	wr->wr_replay = &fx->page;
	assert_int_equal(writer_replay(&fx->st[1], txn, fx->cfg, wr, &ch,
	    &fx->scratch), 0);
	code = wr->wr_res.wres_fault.f_code;
	snprintf(msg, len, "%s", wr->wr_res.wres_fault.f_msg);
	write_req_free(wr);
	if (code != QC_OK) {
		mdb_txn_abort(txn);
		return code;
	}
	assert_int_equal(store_set_head(&fx->st[1], txn, ch.ch_seq,
	    ch.ch_hash), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	return QC_OK;
}

static uint64_t
head_of(struct fx *fx, int s, uint8_t hash[STORE_HASH_LEN])
{
	MDB_txn		*txn;
	uint64_t	 seq;

	assert_int_equal(mdb_txn_begin(fx->st[s].s_env, NULL, MDB_RDONLY,
	    &txn), 0);
	assert_int_equal(store_head(&fx->st[s], txn, &seq, hash), 0);
	mdb_txn_abort(txn);
	return seq;
}

/* The stored value of record seq in store s, copied into out. */
static size_t
stored(struct fx *fx, int s, uint64_t seq, uint8_t *out, size_t cap)
{
	uint8_t	 key[8];
	MDB_txn	*txn;
	MDB_val	 k = { sizeof(key), key }, v;

	store_key_seq(key, seq);
	assert_int_equal(mdb_txn_begin(fx->st[s].s_env, NULL, MDB_RDONLY,
	    &txn), 0);
	assert_int_equal(mdb_get(txn, fx->st[s].s_changes, &k, &v), 0);
	assert_true(v.mv_size <= cap);
	memcpy(out, v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	return v.mv_size;
}

static void
test_replays_every_kind(void **state)
{
	struct fx	*fx = *state;
	uint8_t		 h0[STORE_HASH_LEN], h1[STORE_HASH_LEN];
	uint8_t		 a[4096], b[4096];
	char		 msg[FAULT_MSG_MAX];
	uint64_t	 n, seq;
	size_t		 la, lb;

	primary_history(fx);
	n = head_of(fx, 0, h0);
	assert_int_equal(n, 7);		/* the last: the withdraw */
	fetch(fx, 1, n);
	assert_int_equal(replay(fx, msg, sizeof(msg)), QC_OK);
	assert_int_equal(fx->page.rp_done, 7);
	assert_int_equal(head_of(fx, 1, h1), n);
	assert_memory_equal(h0, h1, STORE_HASH_LEN);
	for (seq = 1; seq <= n; seq++) {
		la = stored(fx, 0, seq, a, sizeof(a));
		lb = stored(fx, 1, seq, b, sizeof(b));
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
	}
}

/* A page that ends between a closing and its withdraw applies nothing. */
static void
test_short_page(void **state)
{
	struct fx	*fx = *state;
	uint8_t		 h[STORE_HASH_LEN];
	char		 msg[FAULT_MSG_MAX];

	primary_history(fx);
	fetch(fx, 1, 6);
	assert_int_equal(replay(fx, msg, sizeof(msg)), QC_E_UNAVAILABLE);
	assert_int_equal(fx->page.rp_short, 1);
	assert_non_null(strstr(msg, "record 6"));
	assert_int_equal(head_of(fx, 1, h), 0);
	fetch(fx, 7, 7);
	assert_int_equal(replay(fx, msg, sizeof(msg)), QC_OK);
	assert_int_equal(head_of(fx, 1, h), 7);
}

/* A record whose hash is not what the replay makes: nothing applies. */
static void
test_other_hash(void **state)
{
	struct fx	*fx = *state;
	uint8_t		 h[STORE_HASH_LEN];
	char		 msg[FAULT_MSG_MAX];

	primary_history(fx);
	fetch(fx, 1, 7);
	fx->recs[2].rr_hash[0] ^= 1;
	assert_int_equal(replay(fx, msg, sizeof(msg)), QC_E_INTERNAL);
	assert_non_null(strstr(msg, "record 3"));
	assert_int_equal(fx->page.rp_done, 2);
	assert_int_equal(head_of(fx, 1, h), 0);
}

/* A record that is not the next one: out of order. */
static void
test_gap(void **state)
{
	struct fx	*fx = *state;
	char		 msg[FAULT_MSG_MAX];

	primary_history(fx);
	fetch(fx, 2, 3);
	assert_int_equal(replay(fx, msg, sizeof(msg)), QC_E_INTERNAL);
	assert_non_null(strstr(msg, "out of order"));
}

/* Records a replica cannot rebuild say why. */
static void
test_rebuild_refuses(void **state)
{
	struct fx		*fx = *state;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	struct replay_rec	 rr;
	char			 why[256];
	static const char	*lists[] = { "credit", "nosuch" };
	int			 i;

	for (i = 0; i < 2; i++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		assert_int_equal(msgpack_pack_map(&pk, 7 + i), 0);
		assert_int_equal(qc_pack_kv_uint(&pk, "seq", 9) ||
		    qc_pack_kv_uint(&pk, "at", 1) ||
		    qc_pack_kv_str(&pk, "principal", WHO) ||
		    qc_pack_kv_str(&pk, "op", "put") ||
		    qc_pack_kv_str(&pk, "list", lists[i]) ||
		    qc_pack_kv_str(&pk, "subject", USCC) ||
		    qc_pack_kv_str(&pk, "hash", "00000000000000000000000000000000"
		    "00000000000000000000000000000000"), 0);
		if (i == 1)
			assert_int_equal(qc_pack_cstr(&pk, "payload") ||
			    msgpack_pack_bin_with_body(&pk, "\x80", 1), 0);
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size,
		    NULL), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(follower_record(fx->cfg, &up.data, &rr, why,
		    sizeof(why)), -1);
		assert_null(rr.rr_write);
		assert_non_null(strstr(why, i == 0 ? "record 9: payload: "
		    "missing" : "list nosuch is not in this replica's config"));
		msgpack_unpacked_destroy(&up);
		msgpack_sbuffer_destroy(&sb);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replays_every_kind, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_short_page, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_hash, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_refuses, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
