/*
 * Version records: entry states at every boundary, pack and decode, the
 * shapes decode refuses, and validity dates from fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "date.h"
#include "record.h"

/*
 * One key of a hand-built record; t is s(tr), u(int), n(egative),
 * m(ap), a(rray) or z (nil).
 */
struct kv {
	const char	*k;
	char		 t;
	const char	*s;
	uint64_t	 u;
};

static const struct kv good[] = {
	{ "list", 's', "tourism", 0 },
	{ "subject", 's', "site:cheap-tours.example.cn", 0 },
	{ "version", 'u', NULL, 2 },
	{ "status", 's', "listed", 0 },
	{ "fields", 'm', NULL, 0 },
	{ "by", 's', "tourism-bureau", 0 },
	{ "at", 'u', NULL, 1772323200 },
	{ "seq", 'u', NULL, 41 },
};
#define NGOOD	(sizeof(good) / sizeof(good[0]))

static void	 pack_kvs(msgpack_sbuffer *, const struct kv *, size_t);
static int	 decode_kvs(const struct kv *, size_t, struct record *);
static void	 unpack(msgpack_unpacked *, const msgpack_sbuffer *);

static void
pack_kvs(msgpack_sbuffer *sb, const struct kv *kv, size_t n)
{
	msgpack_packer	 pk;
	size_t		 i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&pk, (uint32_t)n), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(msgpack_pack_str_with_body(&pk, kv[i].k,
		    strlen(kv[i].k)), 0);
		switch (kv[i].t) {
		case 's':
			assert_int_equal(msgpack_pack_str_with_body(&pk,
			    kv[i].s, strlen(kv[i].s)), 0);
			break;
		case 'u':
			assert_int_equal(msgpack_pack_uint64(&pk, kv[i].u), 0);
			break;
		case 'n':
			assert_int_equal(msgpack_pack_int64(&pk, -1), 0);
			break;
		case 'm':
			assert_int_equal(msgpack_pack_map(&pk, 0), 0);
			break;
		case 'a':
			assert_int_equal(msgpack_pack_array(&pk, 0), 0);
			break;
		default:
			assert_int_equal(msgpack_pack_nil(&pk), 0);
			break;
		}
	}
}

static void
unpack(msgpack_unpacked *up, const msgpack_sbuffer *sb)
{
	size_t	 off = 0;

	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, sb->data, sb->size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, sb->size);
}

static int
decode_kvs(const struct kv *kv, size_t n, struct record *r)
{
	msgpack_sbuffer	 sb;
	msgpack_unpacked up;
	int		 rc;

	pack_kvs(&sb, kv, n);
	unpack(&up, &sb);
	rc = record_decode(&up.data, r);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static void
test_state_of(void **state)
{
	const int32_t	 t = 20513;	/* 2026-03-01 */

	(void)state;
	assert_int_equal(state_of(0, DATE_NONE_START, DATE_NONE_END, t),
	    ST_ACTIVE);
	/* start: today is active, tomorrow is pending */
	assert_int_equal(state_of(0, t, DATE_NONE_END, t), ST_ACTIVE);
	assert_int_equal(state_of(0, t - 1, DATE_NONE_END, t), ST_ACTIVE);
	assert_int_equal(state_of(0, t + 1, DATE_NONE_END, t), ST_PENDING);
	/* end: today is still active, yesterday is expired */
	assert_int_equal(state_of(0, DATE_NONE_START, t, t), ST_ACTIVE);
	assert_int_equal(state_of(0, DATE_NONE_START, t + 1, t), ST_ACTIVE);
	assert_int_equal(state_of(0, DATE_NONE_START, t - 1, t), ST_EXPIRED);
	/* a one-day validity */
	assert_int_equal(state_of(0, t, t, t), ST_ACTIVE);
	assert_int_equal(state_of(0, t, t, t + 1), ST_EXPIRED);
	assert_int_equal(state_of(0, t, t, t - 1), ST_PENDING);
	assert_int_equal(state_of(0, t - 10, t + 10, t), ST_ACTIVE);
	/* removal wins over every date */
	assert_int_equal(state_of(1, DATE_NONE_START, DATE_NONE_END, t),
	    ST_REMOVED);
	assert_int_equal(state_of(1, t + 1, DATE_NONE_END, t), ST_REMOVED);
	assert_int_equal(state_of(1, DATE_NONE_START, t - 1, t), ST_REMOVED);
	assert_int_equal(state_of(1, t, t, t), ST_REMOVED);
	/* the open ends hold at any today */
	assert_int_equal(state_of(0, DATE_NONE_START, DATE_NONE_END,
	    INT32_MIN + 1), ST_ACTIVE);
	assert_int_equal(state_of(0, DATE_NONE_START, DATE_NONE_END,
	    INT32_MAX - 1), ST_ACTIVE);
}

static void
test_state_names(void **state)
{
	static const char *const names[ST_COUNT] = {
		"active", "pending", "expired", "removed"
	};
	int	 i;

	(void)state;
	for (i = 0; i < ST_COUNT; i++) {
		assert_string_equal(state_name((enum state)i), names[i]);
		assert_int_equal(state_from_name(names[i], strlen(names[i])),
		    i);
	}
	assert_int_equal(state_from_name("Active", 6), -1);
	assert_int_equal(state_from_name("activ", 5), -1);
	assert_int_equal(state_from_name("actives", 7), -1);
	assert_int_equal(state_from_name("active!", 6), ST_ACTIVE);
	assert_int_equal(state_from_name("", 0), -1);
	assert_int_equal(state_from_name("listed", 6), -1);
}

static void
test_round_trip(void **state)
{
	msgpack_sbuffer	 fsb, sb;
	msgpack_packer	 fpk, pk;
	msgpack_unpacked up;
	struct record	 r;
	const char	*reason = "行政复议撤销";

	(void)state;
	msgpack_sbuffer_init(&fsb);
	msgpack_packer_init(&fpk, &fsb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_map(&fpk, 2), 0);
	assert_int_equal(msgpack_pack_str_with_body(&fpk, "name", 4), 0);
	assert_int_equal(msgpack_pack_str_with_body(&fpk, "张三", 6), 0);
	assert_int_equal(msgpack_pack_str_with_body(&fpk, "score", 5), 0);
	assert_int_equal(msgpack_pack_int(&fpk, 95), 0);

	/* listed, no reason */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, "credit", "uscc:91350100M000100Y43",
	    7, 0, fsb.data, fsb.size, "quality-bureau", 1772323200,
	    UINT64_MAX, NULL, 0), 0);
	unpack(&up, &sb);
	assert_int_equal(up.data.via.map.size, 8);
	assert_int_equal(record_decode(&up.data, &r), 0);
	assert_int_equal(r.r_list_len, 6);
	assert_memory_equal(r.r_list, "credit", 6);
	assert_int_equal(r.r_subject_len, 23);
	assert_memory_equal(r.r_subject, "uscc:91350100M000100Y43", 23);
	assert_int_equal(r.r_version, 7);
	assert_int_equal(r.r_removed, 0);
	assert_int_equal(r.r_by_len, 14);
	assert_memory_equal(r.r_by, "quality-bureau", 14);
	assert_int_equal(r.r_at, 1772323200);
	assert_true(r.r_seq == UINT64_MAX);
	assert_null(r.r_reason);
	assert_int_equal(r.r_reason_len, 0);
	assert_non_null(r.r_fields);
	assert_int_equal(r.r_fields->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(r.r_fields->via.map.size, 2);
	assert_int_equal(r.r_fields->via.map.ptr[1].val.via.u64, 95);
	assert_int_equal(r.r_fields->via.map.ptr[0].val.via.str.size, 6);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/* removed, with a reason */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, "tourism", "guide:D-3100-001", 3, 1,
	    fsb.data, fsb.size, "tourism-bureau", 0, 1, reason,
	    strlen(reason)), 0);
	unpack(&up, &sb);
	assert_int_equal(up.data.via.map.size, 9);
	assert_int_equal(record_decode(&up.data, &r), 0);
	assert_int_equal(r.r_removed, 1);
	assert_int_equal(r.r_version, 3);
	assert_int_equal(r.r_at, 0);
	assert_int_equal(r.r_seq, 1);
	assert_non_null(r.r_reason);
	assert_int_equal(r.r_reason_len, strlen(reason));
	assert_memory_equal(r.r_reason, reason, strlen(reason));
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/* an empty reason is still a reason */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(record_pack(&pk, "l", "s", 1, 1, fsb.data, fsb.size,
	    "b", 1, 1, "", 0), 0);
	unpack(&up, &sb);
	assert_int_equal(record_decode(&up.data, &r), 0);
	assert_non_null(r.r_reason);
	assert_int_equal(r.r_reason_len, 0);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_destroy(&fsb);
}

static void
test_decode_good_hand_built(void **state)
{
	struct record	 r;
	struct kv	 kv[NGOOD + 1];

	(void)state;
	assert_int_equal(decode_kvs(good, NGOOD, &r), 0);
	assert_int_equal(r.r_version, 2);
	assert_int_equal(r.r_seq, 41);
	/* unknown keys (like the wire's "state") are ignored */
	memcpy(kv, good, sizeof(good));
	kv[NGOOD] = (struct kv){ "state", 's', "active", 0 };
	assert_int_equal(decode_kvs(kv, NGOOD + 1, &r), 0);
}

static void
test_decode_refuses(void **state)
{
	struct kv	 kv[NGOOD + 1];
	struct record	 r;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	msgpack_unpacked up;
	size_t		 i;
	static const struct kv wrong[] = {
		{ "list", 'u', NULL, 1 },
		{ "subject", 'z', NULL, 0 },
		{ "version", 's', "2", 0 },
		{ "version", 'n', NULL, 0 },
		{ "status", 's', "deleted", 0 },
		{ "status", 's', "Listed", 0 },
		{ "status", 'u', NULL, 0 },
		{ "fields", 'a', NULL, 0 },
		{ "fields", 'z', NULL, 0 },
		{ "fields", 's', "{}", 0 },
		{ "by", 'm', NULL, 0 },
		{ "at", 'n', NULL, 0 },
		{ "at", 's', "now", 0 },
		{ "seq", 'a', NULL, 0 },
	};

	(void)state;
	/* each required key missing */
	for (i = 0; i < NGOOD; i++) {
		memcpy(kv, good, i * sizeof(kv[0]));
		memcpy(kv + i, good + i + 1, (NGOOD - i - 1) * sizeof(kv[0]));
		if (decode_kvs(kv, NGOOD - 1, &r) != -1)
			fail_msg("decoded without '%s'", good[i].k);
	}
	/* each wrong type or value */
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		size_t	 j;

		memcpy(kv, good, sizeof(good));
		for (j = 0; j < NGOOD; j++)
			if (strcmp(kv[j].k, wrong[i].k) == 0)
				kv[j] = wrong[i];
		if (decode_kvs(kv, NGOOD, &r) != -1)
			fail_msg("decoded with a bad '%s' (%zu)", wrong[i].k,
			    i);
	}
	/* a reason that is not a str */
	memcpy(kv, good, sizeof(good));
	kv[NGOOD] = (struct kv){ "reason", 'u', NULL, 5 };
	assert_int_equal(decode_kvs(kv, NGOOD + 1, &r), -1);

	/* not a map at all */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(msgpack_pack_array(&pk, 1), 0);
	assert_int_equal(msgpack_pack_str_with_body(&pk, "list", 4), 0);
	unpack(&up, &sb);
	assert_int_equal(record_decode(&up.data, &r), -1);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_dates(void **state)
{
	struct list_def	 l;
	msgpack_sbuffer	 sb;
	msgpack_unpacked up;
	int32_t		 s, e, want_s, want_e;
	const struct kv	 both[] = {
		{ "listed_on", 's', "2024-03-15", 0 },
		{ "expires_on", 's', "2027-03-15", 0 },
	};
	const struct kv	 odd[] = {
		{ "listed_on", 's', "2024-02-30", 0 },
		{ "expires_on", 'u', NULL, 20270315 },
	};

	(void)state;
	memset(&l, 0, sizeof(l));
	strcpy(l.l_fields[0].f_name, "name");
	strcpy(l.l_fields[1].f_name, "listed_on");
	l.l_fields[1].f_type = FT_DATE;
	strcpy(l.l_fields[2].f_name, "expires_on");
	l.l_fields[2].f_type = FT_DATE;
	l.l_nfields = 3;
	l.l_start = 1;
	l.l_end = 2;
	l.l_grade = -1;
	assert_int_equal(qc_date_parse("2024-03-15", 10, &want_s), 0);
	assert_int_equal(qc_date_parse("2027-03-15", 10, &want_e), 0);

	pack_kvs(&sb, both, 2);
	unpack(&up, &sb);
	record_dates(&l, &up.data, &s, &e);
	assert_int_equal(s, want_s);
	assert_int_equal(e, want_e);
	/* only the start */
	up.data.via.map.size = 1;
	record_dates(&l, &up.data, &s, &e);
	assert_int_equal(s, want_s);
	assert_int_equal(e, DATE_NONE_END);
	/* a list without validity dates ignores date fields */
	up.data.via.map.size = 2;
	l.l_start = l.l_end = -1;
	record_dates(&l, &up.data, &s, &e);
	assert_int_equal(s, DATE_NONE_START);
	assert_int_equal(e, DATE_NONE_END);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);

	/* values that are not dates count as absent */
	l.l_start = 1;
	l.l_end = 2;
	pack_kvs(&sb, odd, 2);
	unpack(&up, &sb);
	record_dates(&l, &up.data, &s, &e);
	assert_int_equal(s, DATE_NONE_START);
	assert_int_equal(e, DATE_NONE_END);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_of),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode_good_hand_built),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
