/*
 * libqcreg: signed check answers (qcreg_signed.c, qcreg_signed_verify.c).
 * An answer is packed here by hand, as the server sends it, and signed
 * here with OpenSSL over its canonical text written out literally from
 * PROTOCOL.md (5, check, "Signed answers"): an escalated, disputed hit,
 * a clear subject, an invalid subject with bytes that need %XX, a
 * caution. Every field changed, a result moved or dropped, or another
 * key must fail; stored bytes that are not an answer are refused.
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
#include "testlib.h"

/* What pack_answer changes from the answer that was signed. */
enum tamper {
	T_NONE = 0,
	T_ORIGIN,
	T_TIME,
	T_SIZE,
	T_ROOT,
	T_KEY_ID,
	T_SIGNATURE,
	T_SUBJECT,		/* one byte of a canonical subject */
	T_INVALID_SUBJECT,	/* one byte of a subject sent invalid */
	T_VERDICT,
	T_LIST,
	T_GRADE,
	T_UNTIL,
	T_DISPUTED,
	T_NO_GRADE,
	T_EXTRA_HIT,
	T_ESCALATION,		/* its count */
	T_NO_ESCALATION,
	T_ERROR_NAME,
	T_ORDER,		/* two results swapped */
	T_DROPPED,		/* a result left out */
	T_COUNT
};

/* 15 bytes: a tab, a percent sign, a NUL and a DEL. */
#define BAD_SUBJECT	"bad\tsub%ject\0x\x7f"
#define BAD_LEN		15

/* The text the registry signs for the answer of pack_answer(T_NONE). */
static const char text[] =
    "qcreg-check-v1\n"
    "qcreg test registry\n"
    "1700000000\n"
    "42\n"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "test-1\n"
    "4\n"
    "uscc:91350100M000100Y43\tlisted\tcredit:C@2027-06-30,tourism!57\t"
    "tourism-watch>tourism/2/2025-01-02/2025-03-04\n"
    "guide:D-3501-000123\tclear\t\t\n"
    "bad%09sub%25ject%00x%7F\tinvalid_subject\t\t\n"
    "site:example.com\tcaution\ttourism-watch@2026-01-01\t\n";

static uint8_t	 pub[QC_PUB_LEN], other_pub[QC_PUB_LEN];
static char	 sig_hex[2 * QC_SIG_LEN + 1];

static void	 pk_kv(msgpack_packer *, const char *, const char *);
static void	 pk_uint(msgpack_packer *, const char *, uint64_t);
static void	 pack_first(msgpack_packer *, enum tamper);
static void	 pack_clear(msgpack_packer *, enum tamper);
static void	 pack_invalid(msgpack_packer *, enum tamper);
static void	 pack_caution(msgpack_packer *);
static void	 pack_signed(msgpack_packer *, enum tamper);
static void	 pack_answer(msgpack_sbuffer *, enum tamper);
static void	 pack_block(msgpack_sbuffer *, int);
static int	 setup(void **);

static void
pk_kv(msgpack_packer *pk, const char *k, const char *v)
{
	assert_int_equal(qc_pack_kv_str(pk, k, v), 0);
}

static void
pk_uint(msgpack_packer *pk, const char *k, uint64_t v)
{
	assert_int_equal(qc_pack_kv_uint(pk, k, v), 0);
}

/* A listed subject: a graded hit with an end, a disputed one, escalated. */
static void
pack_first(msgpack_packer *pk, enum tamper t)
{
	msgpack_pack_map(pk, t == T_NO_ESCALATION ? 3 : 4);
	pk_kv(pk, "subject", t == T_SUBJECT ? "uscc:91350100M000100Y44" :
	    "uscc:91350100M000100Y43");
	pk_kv(pk, "verdict", t == T_VERDICT ? "caution" : "listed");
	tl_pack_str(pk, "hits");
	msgpack_pack_array(pk, t == T_EXTRA_HIT ? 3 : 2);
	msgpack_pack_map(pk, t == T_NO_GRADE ? 2 : 3);
	pk_kv(pk, "list", t == T_LIST ? "credis" : "credit");
	if (t != T_NO_GRADE)
		pk_kv(pk, "grade", t == T_GRADE ? "D" : "C");
	pk_kv(pk, "until", t == T_UNTIL ? "2027-06-29" : "2027-06-30");
	msgpack_pack_map(pk, 2);
	pk_kv(pk, "list", "tourism");
	pk_uint(pk, "disputed", t == T_DISPUTED ? 58 : 57);
	if (t == T_EXTRA_HIT) {
		msgpack_pack_map(pk, 1);
		pk_kv(pk, "list", "advertising");
	}
	if (t == T_NO_ESCALATION)
		return;
	tl_pack_str(pk, "escalation");
	msgpack_pack_map(pk, 5);
	pk_kv(pk, "list", "tourism-watch");
	pk_kv(pk, "to", "tourism");
	pk_uint(pk, "count", t == T_ESCALATION ? 3 : 2);
	pk_kv(pk, "first", "2025-01-02");
	pk_kv(pk, "last", "2025-03-04");
}

static void
pack_clear(msgpack_packer *pk, enum tamper t)
{
	(void)t;
	msgpack_pack_map(pk, 3);
	pk_kv(pk, "subject", "guide:D-3501-000123");
	pk_kv(pk, "verdict", "clear");
	tl_pack_str(pk, "hits");
	msgpack_pack_array(pk, 0);
}

/* A subject refused, sent with bytes that the text writes %XX. */
static void
pack_invalid(msgpack_packer *pk, enum tamper t)
{
	char	 s[BAD_LEN];

	memcpy(s, BAD_SUBJECT, BAD_LEN);
	if (t == T_INVALID_SUBJECT)
		s[BAD_LEN - 1] = 0x7e;
	msgpack_pack_map(pk, 2);
	tl_pack_str(pk, "subject");
	msgpack_pack_str_with_body(pk, s, BAD_LEN);
	pk_kv(pk, "error", t == T_ERROR_NAME ? "bad_request" :
	    "invalid_subject");
}

static void
pack_caution(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 3);
	pk_kv(pk, "subject", "site:example.com");
	pk_kv(pk, "verdict", "caution");
	tl_pack_str(pk, "hits");
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 2);
	pk_kv(pk, "list", "tourism-watch");
	pk_kv(pk, "until", "2026-01-01");
}

static void
pack_signed(msgpack_packer *pk, enum tamper t)
{
	char	 root[] = "000102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1f";
	char	 sig[sizeof(sig_hex)];

	memcpy(sig, sig_hex, sizeof(sig));
	if (t == T_ROOT)
		root[63] = 'e';
	if (t == T_SIGNATURE)
		sig[0] = sig[0] == '0' ? '1' : '0';
	msgpack_pack_map(pk, 6);
	pk_kv(pk, "origin", t == T_ORIGIN ? "qcreg test registrY" :
	    "qcreg test registry");
	pk_uint(pk, "time", t == T_TIME ? 1700000001 : 1700000000);
	pk_uint(pk, "size", t == T_SIZE ? 43 : 42);
	pk_kv(pk, "root", root);
	pk_kv(pk, "key_id", t == T_KEY_ID ? "test-2" : "test-1");
	pk_kv(pk, "signature", sig);
}

/* The answer as the server sends it, changed as t says. */
static void
pack_answer(msgpack_sbuffer *sb, enum tamper t)
{
	msgpack_packer	 pk;

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "results");
	msgpack_pack_array(&pk, t == T_DROPPED ? 3 : 4);
	pack_first(&pk, t);
	if (t == T_ORDER) {
		pack_caution(&pk);
		pack_invalid(&pk, t);
		pack_clear(&pk, t);
	} else {
		if (t != T_DROPPED)
			pack_clear(&pk, t);
		pack_invalid(&pk, t);
		pack_caution(&pk);
	}
	tl_pack_str(&pk, "signed");
	pack_signed(&pk, t);
}

/* Signs the text with the key of seed 0 .. 31. */
static int
setup(void **state)
{
	(void)state;
	tl_ed25519_pub(0, pub);
	tl_ed25519_pub(32, other_pub);
	tl_ed25519_sign(0, text, sizeof(text) - 1, sig_hex);
	return 0;
}

/* The answer loads whole, and verifies with its key only. */
static void
test_good(void **state)
{
	msgpack_sbuffer		 sb;
	struct qcreg_check	*k;
	struct qcreg_checkpoint	 sig;
	const struct qcreg_check_item *it;

	(void)state;
	msgpack_sbuffer_init(&sb);
	pack_answer(&sb, T_NONE);
	assert_int_equal(qcreg_check_load(sb.data, sb.size, &k, &sig), 0);
	assert_int_equal(k->n, 4);
	assert_string_equal(sig.origin, "qcreg test registry");
	assert_int_equal(sig.time, 1700000000);
	assert_int_equal(sig.size, 42);
	assert_string_equal(sig.key_id, "test-1");
	assert_int_equal(sig.root[31], 0x1f);
	it = &k->items[0];
	assert_int_equal(it->verdict, QCREG_LISTED);
	assert_int_equal(it->nhits, 2);
	assert_int_equal(it->hits[1].disputed, 57);
	assert_non_null(it->escalation);
	assert_null(it->raw_subject);
	/* Shown with '?', kept byte for byte for the signature. */
	it = &k->items[2];
	assert_int_equal(it->error, QC_E_INVALID_SUBJECT);
	assert_string_equal(it->subject, "bad?sub%ject?x?");
	assert_int_equal(it->raw_len, BAD_LEN);
	assert_memory_equal(it->raw_subject, BAD_SUBJECT, BAD_LEN);
	assert_int_equal(qcreg_check_verify(k, &sig, pub), 1);
	assert_int_equal(qcreg_check_verify(k, &sig, other_pub), 0);
	qcreg_check_free(k);
	msgpack_sbuffer_destroy(&sb);
}

/* The same from a result map already unpacked (a reply's). */
static void
test_parse(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_unpacked	 up;
	struct qcreg_check	*k;
	struct qcreg_checkpoint	 sig;
	size_t			 off = 0;

	(void)state;
	msgpack_sbuffer_init(&sb);
	pack_answer(&sb, T_NONE);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(qcreg_check_parse(&up.data, &k, &sig), 0);
	assert_int_equal(qcreg_check_verify(k, &sig, pub), 1);
	qcreg_check_free(k);
	assert_int_equal(qcreg_check_parse(&up.data.via.map.ptr[0].val, &k,
	    &sig), QCREG_E_PROTO);
	assert_null(k);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

/* Each change of the stored answer loads, and fails. */
static void
test_tampered(void **state)
{
	msgpack_sbuffer		 sb;
	struct qcreg_check	*k;
	struct qcreg_checkpoint	 sig;
	int			 t;

	(void)state;
	msgpack_sbuffer_init(&sb);
	for (t = T_NONE + 1; t < T_COUNT; t++) {
		pack_answer(&sb, (enum tamper)t);
		assert_int_equal(qcreg_check_load(sb.data, sb.size, &k, &sig),
		    0);
		if (qcreg_check_verify(k, &sig, pub) != 0)
			fail_msg("change %d still verifies", t);
		qcreg_check_free(k);
	}
	msgpack_sbuffer_destroy(&sb);
}

/* A decoded answer held in memory, changed there. */
static void
test_changed_in_memory(void **state)
{
	msgpack_sbuffer		 sb;
	struct qcreg_check	*k;
	struct qcreg_checkpoint	 sig;
	const char		*raw;

	(void)state;
	msgpack_sbuffer_init(&sb);
	pack_answer(&sb, T_NONE);
	assert_int_equal(qcreg_check_load(sb.data, sb.size, &k, &sig), 0);
	k->items[1].verdict = QCREG_LISTED;
	assert_int_equal(qcreg_check_verify(k, &sig, pub), 0);
	k->items[1].verdict = QCREG_CLEAR;
	assert_int_equal(qcreg_check_verify(k, &sig, pub), 1);
	/* Without its raw bytes the refused subject is not what was signed. */
	raw = k->items[2].raw_subject;
	k->items[2].raw_subject = NULL;
	assert_int_equal(qcreg_check_verify(k, &sig, pub), 0);
	k->items[2].raw_subject = raw;
	k->items[0].nhits = 1;
	assert_int_equal(qcreg_check_verify(k, &sig, pub), 0);
	k->items[0].nhits = 2;
	sig.is_signed = 0;
	assert_int_equal(qcreg_check_verify(k, &sig, pub), 0);
	sig.is_signed = 1;
	strcpy(sig.key_id, "test-1\nx");
	assert_int_equal(qcreg_check_verify(k, &sig, pub), 0);
	qcreg_check_free(k);
	msgpack_sbuffer_destroy(&sb);
}

/* Packs {"results": [], "signed": block} with block as given (or none). */
static void
pack_block(msgpack_sbuffer *sb, int fields)
{
	msgpack_packer	 pk;

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, fields < 0 ? 1 : 2);
	tl_pack_str(&pk, "results");
	msgpack_pack_array(&pk, 0);
	if (fields < 0)
		return;
	tl_pack_str(&pk, "signed");
	msgpack_pack_map(&pk, (size_t)fields);
	pk_kv(&pk, "origin", "o");
	pk_uint(&pk, "time", 1);
	pk_uint(&pk, "size", 0);
	pk_kv(&pk, "root", "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	if (fields == 6) {
		pk_kv(&pk, "key_id", "k");
		pk_kv(&pk, "signature", "00");	/* not 64 bytes */
	}
}

/* Bytes that are not a signed answer are refused, never unpacked blind. */
static void
test_not_an_answer(void **state)
{
	/* A map declaring "results" an array of 2^32 - 1 items. */
	static const uint8_t	 bomb[] = { 0x81, 0xa7, 'r', 'e', 's', 'u',
	    'l', 't', 's', 0xdd, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t	 array[] = { 0x91, 0x80 };
	msgpack_sbuffer		 sb;
	struct qcreg_check	*k;
	struct qcreg_checkpoint	 sig;

	(void)state;
	msgpack_sbuffer_init(&sb);
	assert_int_equal(qcreg_check_load(bomb, sizeof(bomb), &k, &sig),
	    QCREG_E_PROTO);
	assert_int_equal(qcreg_check_load(array, sizeof(array), &k, &sig),
	    QCREG_E_PROTO);
	assert_int_equal(qcreg_check_load(NULL, 0, &k, &sig), QCREG_E_PROTO);
	pack_answer(&sb, T_NONE);
	assert_int_equal(qcreg_check_load(sb.data, sb.size - 1, &k, &sig),
	    QCREG_E_PROTO);
	assert_int_equal(msgpack_sbuffer_write(&sb, "\xc0", 1), 0);
	assert_int_equal(qcreg_check_load(sb.data, sb.size, &k, &sig),
	    QCREG_E_PROTO);
	assert_null(k);
	pack_block(&sb, -1);	/* unsigned */
	assert_int_equal(qcreg_check_load(sb.data, sb.size, &k, &sig),
	    QCREG_E_PROTO);
	pack_block(&sb, 4);	/* a server without a key */
	assert_int_equal(qcreg_check_load(sb.data, sb.size, &k, &sig),
	    QCREG_E_PROTO);
	pack_block(&sb, 6);	/* a short signature */
	assert_int_equal(qcreg_check_load(sb.data, sb.size, &k, &sig),
	    QCREG_E_PROTO);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_changed_in_memory),
		cmocka_unit_test(test_not_an_answer),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
