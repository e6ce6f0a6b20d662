/*
 * Signed reports: the canonical text (proto/report_text.c), written out
 * here literally from PROTOCOL.md 4.16 for a report packed by hand with
 * its keys out of order, keys and strings that need %XX, nested maps and
 * arrays, every kind of scalar; the same text whatever the order of the
 * keys; no text for what the section refuses; and libqcreg's
 * qcreg_report_parse/load/verify on a report signed here with OpenSSL:
 * every value changed, added or dropped, or another key, fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg.h"
#include "qcreg.h"
#include "report_text.h"
#include "testlib.h"

/* What pack_report changes from the report that was signed. */
enum tamper {
	T_NONE = 0,
	T_REORDERED,		/* the same report, keys in another order */
	T_VERDICT,
	T_FIELD,		/* a field's value */
	T_NUMBER,		/* an integer */
	T_ADDED,		/* a key more */
	T_DROPPED,		/* a key less */
	T_ITEMS,		/* two array items swapped */
	T_NESTED_SIGNED,	/* a "signed" below the top */
	T_TIME,
	T_ROOT,
	T_KEY_ID,
	T_SIGNATURE,
	T_COUNT
};

static const char root_hex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/* The text of pack_report(T_NONE), as PROTOCOL.md 4.16 defines it. */
static const char text[] =
    "qcreg-report-v1\n"
    "qcreg test registry\n"
    "1700000000\n"
    "42\n"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "test-1\n"
    "a=false\n"
    "a%2Eb%3Dc%25=true\n"
    "ab=nil\n"
    "entries=[1]\n"
    "entries.0={3}\n"
    "entries.0.fields={3}\n"
    "entries.0.fields.grade=\"D\"\n"
    "entries.0.fields.name=\"\xe9\x83\x91\xe5\xb7\x9e%0A\"q\"%25%7F\"\n"
    "entries.0.fields.score=-5\n"
    "entries.0.list=\"credit\"\n"
    "entries.0.version=18446744073709551615\n"
    "subject=\"uscc:91410105000000005F\"\n"
    "verdict=\"listed\"\n"
    "x={0}\n"
    "y=[0]\n"
    "z=[2]\n"
    "z.0=[2]\n"
    "z.0.0=1\n"
    "z.0.1=2\n"
    "z.1={1}\n"
    "z.1.signed=\"kept\"\n";

static uint8_t	 pub[QC_PUB_LEN], other_pub[QC_PUB_LEN], root[QC_ROOT_LEN];
static char	 sig_hex[2 * QC_SIG_LEN + 1];

static void	 pack_entry(msgpack_packer *, enum tamper);
static void	 pack_z(msgpack_packer *, enum tamper);
static void	 pack_signed(msgpack_packer *, enum tamper);
static void	 pack_report(msgpack_sbuffer *, enum tamper);
static int	 text_of(const msgpack_sbuffer *, msgpack_sbuffer *,
		    const char *);
static int	 setup(void **);

/* {list, version, fields: {name, grade, score}} */
static void
pack_entry(msgpack_packer *pk, enum tamper t)
{
	msgpack_pack_map(pk, 3);
	if (t == T_REORDERED) {
		tl_pack_str(pk, "version");
		msgpack_pack_uint64(pk, UINT64_MAX);
	}
	tl_pack_str(pk, "list");
	tl_pack_str(pk, "credit");
	tl_pack_str(pk, "fields");
	msgpack_pack_map(pk, 3);
	tl_pack_str(pk, "name");
	tl_pack_str(pk, t == T_FIELD ? "\xe9\x83\x91\xe5\xb7\x9e\n\"q\"%" :
	    "\xe9\x83\x91\xe5\xb7\x9e\n\"q\"%\x7f");
	tl_pack_str(pk, "grade");
	tl_pack_str(pk, "D");
	tl_pack_str(pk, "score");
	msgpack_pack_int64(pk, t == T_NUMBER ? 5 : -5);
	if (t != T_REORDERED) {
		tl_pack_str(pk, "version");
		msgpack_pack_uint64(pk, UINT64_MAX);
	}
}

/* [[1, 2], {"signed": "kept"}] */
static void
pack_z(msgpack_packer *pk, enum tamper t)
{
	msgpack_pack_array(pk, 2);
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint64(pk, t == T_ITEMS ? 2 : 1);
	msgpack_pack_uint64(pk, t == T_ITEMS ? 1 : 2);
	msgpack_pack_map(pk, 1);
	tl_pack_str(pk, "signed");
	tl_pack_str(pk, t == T_NESTED_SIGNED ? "kepT" : "kept");
}

static void
pack_signed(msgpack_packer *pk, enum tamper t)
{
	char	 r[sizeof(root_hex)], sig[sizeof(sig_hex)];

	memcpy(r, root_hex, sizeof(r));
	memcpy(sig, sig_hex, sizeof(sig));
	if (t == T_ROOT)
		r[63] = 'e';
	if (t == T_SIGNATURE)
		sig[0] = sig[0] == '0' ? '1' : '0';
	msgpack_pack_map(pk, 6);
	assert_int_equal(qc_pack_kv_str(pk, "origin", "qcreg test registry"),
	    0);
	assert_int_equal(qc_pack_kv_uint(pk, "time",
	    t == T_TIME ? 1700000001 : 1700000000), 0);
	assert_int_equal(qc_pack_kv_uint(pk, "size", 42), 0);
	assert_int_equal(qc_pack_kv_str(pk, "root", r), 0);
	assert_int_equal(qc_pack_kv_str(pk, "key_id",
	    t == T_KEY_ID ? "test-2" : "test-1"), 0);
	assert_int_equal(qc_pack_kv_str(pk, "signature", sig), 0);
}

/* The report, its keys out of order, changed as t says. */
static void
pack_report(msgpack_sbuffer *sb, enum tamper t)
{
	msgpack_packer	 pk;

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, t == T_ADDED ? 11 : t == T_DROPPED ? 9 : 10);
	if (t == T_REORDERED) {
		tl_pack_str(&pk, "z");
		pack_z(&pk, t);
	}
	tl_pack_str(&pk, "verdict");
	tl_pack_str(&pk, t == T_VERDICT ? "caution" : "listed");
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "uscc:91410105000000005F");
	tl_pack_str(&pk, "signed");
	pack_signed(&pk, t);
	tl_pack_str(&pk, "entries");
	msgpack_pack_array(&pk, 1);
	pack_entry(&pk, t);
	tl_pack_str(&pk, "a.b=c%");
	msgpack_pack_true(&pk);
	tl_pack_str(&pk, "ab");
	msgpack_pack_nil(&pk);
	tl_pack_str(&pk, "a");
	msgpack_pack_false(&pk);
	if (t != T_DROPPED) {
		tl_pack_str(&pk, "x");
		msgpack_pack_map(&pk, 0);
	}
	tl_pack_str(&pk, "y");
	msgpack_pack_array(&pk, 0);
	if (t == T_ADDED) {
		tl_pack_str(&pk, "cases");
		msgpack_pack_array(&pk, 0);
	}
	if (t != T_REORDERED) {
		tl_pack_str(&pk, "z");
		pack_z(&pk, t);
	}
}

/* qc_report_text of the report packed in sb, under origin. */
static int
text_of(const msgpack_sbuffer *sb, msgpack_sbuffer *out, const char *origin)
{
	msgpack_unpacked	 up;
	size_t			 off = 0;
	int			 rc;

	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb->data, sb->size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	msgpack_sbuffer_clear(out);
	rc = qc_report_text(out, origin, 1700000000, 42, root, "test-1",
	    &up.data);
	msgpack_unpacked_destroy(&up);
	return rc;
}

/* Signs the text with the key of seed 0 .. 31. */
static int
setup(void **state)
{
	int	 i;

	(void)state;
	for (i = 0; i < QC_ROOT_LEN; i++)
		root[i] = (uint8_t)i;
	tl_ed25519_pub(0, pub);
	tl_ed25519_pub(32, other_pub);
	tl_ed25519_sign(0, text, sizeof(text) - 1, sig_hex);
	return 0;
}

/* The text is the section's, whatever order the keys came in. */
static void
test_text(void **state)
{
	msgpack_sbuffer	 sb, out;
	enum tamper	 t;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_sbuffer_init(&out);
	for (t = T_NONE; t <= T_REORDERED; t++) {
		pack_report(&sb, t);
		assert_int_equal(text_of(&sb, &out, "qcreg test registry"), 0);
		assert_int_equal(out.size, sizeof(text) - 1);
		assert_memory_equal(out.data, text, sizeof(text) - 1);
	}
	/* an origin that would add a line has no text */
	pack_report(&sb, T_NONE);
	assert_int_equal(text_of(&sb, &out, "two\nlines"), -1);
	msgpack_sbuffer_destroy(&out);
	msgpack_sbuffer_destroy(&sb);
}

/* What has no text: each in a one-key report {"k": ...}. */
static void
test_refused(void **state)
{
	msgpack_sbuffer	 sb, out;
	msgpack_packer	 pk;
	int		 i, depth, what;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_sbuffer_init(&out);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (what = 0; what < 8; what++) {
		msgpack_sbuffer_clear(&sb);
		if (what == 0) {	/* not a map */
			msgpack_pack_array(&pk, 0);
			assert_int_equal(text_of(&sb, &out, "o"), -1);
			continue;
		}
		msgpack_pack_map(&pk, what == 4 ? 2 : 1);
		if (what == 5)		/* a key that is not a str */
			msgpack_pack_uint64(&pk, 1);
		else
			tl_pack_str(&pk, "k");
		switch (what) {
		case 1:
			msgpack_pack_double(&pk, 1.5);
			break;
		case 2:
			msgpack_pack_bin_with_body(&pk, "b", 1);
			break;
		case 3:
			msgpack_pack_ext_with_body(&pk, "e", 1, 1);
			break;
		case 4:			/* a key twice */
			msgpack_pack_nil(&pk);
			tl_pack_str(&pk, "k");
			msgpack_pack_nil(&pk);
			break;
		case 5:
			msgpack_pack_nil(&pk);
			break;
		default:		/* 16 containers deep, then 17 */
			depth = what == 6 ? QC_REPORT_TEXT_DEPTH :
			    QC_REPORT_TEXT_DEPTH + 1;
			for (i = 0; i < depth; i++)
				msgpack_pack_array(&pk, i + 1 < depth);
			assert_int_equal(text_of(&sb, &out, "o"),
			    what == 6 ? 0 : -1);
			continue;
		}
		assert_int_equal(text_of(&sb, &out, "o"), -1);
	}
	msgpack_sbuffer_destroy(&out);
	msgpack_sbuffer_destroy(&sb);
}

/* Kept bytes load, and verify with their key only, in any key order. */
static void
test_verify(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_unpacked	 up;
	struct qcreg_checkpoint	 sig;
	enum tamper		 t;

	(void)state;
	msgpack_sbuffer_init(&sb);
	for (t = T_NONE; t < T_COUNT; t++) {
		pack_report(&sb, t);
		assert_int_equal(qcreg_report_load(sb.data, sb.size, &up, &sig),
		    0);
		assert_string_equal(sig.origin, "qcreg test registry");
		assert_int_equal(sig.size, 42);
		assert_int_equal(qcreg_report_verify(&up.data, &sig, pub),
		    t <= T_REORDERED);
		assert_int_equal(qcreg_report_verify(&up.data, &sig,
		    other_pub), 0);
		assert_int_equal(qcreg_report_parse(&up.data, &sig), 0);
		msgpack_unpacked_destroy(&up);
	}
	msgpack_sbuffer_destroy(&sb);
}

/* Bytes that are not a signed report are refused, and leak nothing. */
static void
test_not_a_report(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	struct qcreg_checkpoint	 sig;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(qcreg_report_load("\xc1", 1, &up, &sig),
	    QCREG_E_PROTO);
	assert_int_equal(qcreg_report_load(NULL, 0, &up, &sig),
	    QCREG_E_PROTO);
	/* trailing bytes */
	pack_report(&sb, T_NONE);
	msgpack_pack_nil(&pk);
	assert_int_equal(qcreg_report_load(sb.data, sb.size, &up, &sig),
	    QCREG_E_PROTO);
	/* unsigned */
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "uscc:91410105000000005F");
	assert_int_equal(qcreg_report_load(sb.data, sb.size, &up, &sig),
	    QCREG_E_PROTO);
	/* signed, but no subject */
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, "signed");
	pack_signed(&pk, T_NONE);
	assert_int_equal(qcreg_report_load(sb.data, sb.size, &up, &sig),
	    QCREG_E_PROTO);
	/* a signed block without its signature */
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "subject");
	tl_pack_str(&pk, "uscc:91410105000000005F");
	tl_pack_str(&pk, "signed");
	msgpack_pack_map(&pk, 1);
	assert_int_equal(qc_pack_kv_str(&pk, "origin", "o"), 0);
	assert_int_equal(qcreg_report_load(sb.data, sb.size, &up, &sig),
	    QCREG_E_PROTO);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_not_a_report),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
