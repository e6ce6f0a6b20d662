/*
 * Fuzz target: a signed check answer read back from storage
 * (qcreg_check_load, then qcreg_check_verify): what a damaged or forged
 * file kept by a platform can make the library do years later.
 *
 * Input: the msgpack bytes of the result map, as a platform keeps them.
 * Checked: a refused input leaves no result; a loaded one has every text
 * NUL-terminated and free of control characters, a raw subject only
 * where its shown subject has '?' for a control character (and the same
 * bytes elsewhere), and its signature never verifies with a key that
 * signed nothing (Ed25519 cannot be forged by a fuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcreg.h"

#define FUZZ_MAX_LEN	65536

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 fail(const char *, const char *);
static void	 check_text(const char *, const char *);
static void	 check_raw(const struct qcreg_check_item *);
static void	 check_loaded(const struct qcreg_check *);

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_signed: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	abort();
}

/* Text from the library: terminated, printable (no C0 controls or DEL). */
static void
check_text(const char *s, const char *what)
{
	if (s == NULL)
		fail("NULL text", what);
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fail("control character in text", what);
}

/* The raw subject is the shown one with its '?' put back as sent. */
static void
check_raw(const struct qcreg_check_item *it)
{
	size_t	 i, controls = 0;
	unsigned char c;

	if (it->raw_subject == NULL)
		return;
	if (it->raw_len != strlen(it->subject))
		fail("raw subject of another length", it->subject);
	for (i = 0; i < it->raw_len; i++) {
		c = (unsigned char)it->raw_subject[i];
		if (c < 0x20 || c == 0x7f) {
			controls++;
			if (it->subject[i] != '?')
				fail("control character not shown as '?'",
				    it->subject);
		} else if (it->subject[i] != (char)c)
			fail("raw subject differs", it->subject);
	}
	if (controls == 0)
		fail("raw subject without a control character", it->subject);
}

static void
check_loaded(const struct qcreg_check *k)
{
	const struct qcreg_check_item	*it;
	size_t				 i, j;

	for (i = 0; i < k->n; i++) {
		it = &k->items[i];
		check_text(it->subject, "subject");
		check_raw(it);
		for (j = 0; j < it->nhits; j++) {
			check_text(it->hits[j].list, "hit list");
			if (it->hits[j].grade != NULL)
				check_text(it->hits[j].grade, "grade");
			if (it->hits[j].until != NULL)
				check_text(it->hits[j].until, "until");
		}
		if (it->escalation != NULL) {
			check_text(it->escalation->list, "escalation list");
			check_text(it->escalation->to, "escalation to");
			check_text(it->escalation->first, "escalation first");
			check_text(it->escalation->last, "escalation last");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	/* A key that signed nothing: the public key of seed 64 .. 95. */
	static const uint8_t	 pub[QC_PUB_LEN] = {
		0x25, 0x43, 0xb9, 0x2f, 0xf1, 0x09, 0x55, 0x11,
		0x47, 0x6a, 0xdc, 0x83, 0x69, 0xdb, 0x6d, 0xdc,
		0x93, 0x36, 0x65, 0xa1, 0x19, 0x78, 0xdd, 0xa1,
		0x40, 0x4e, 0xe1, 0x06, 0x6c, 0xa9, 0x55, 0x9d
	};
	struct qcreg_check	*k = (struct qcreg_check *)1;
	struct qcreg_checkpoint	 sig;
	int			 rc;

	if (len > FUZZ_MAX_LEN)
		return 0;
	rc = qcreg_check_load(data, len, &k, &sig);
	if (rc != 0) {
		if (k != NULL || (rc != QCREG_E_PROTO && rc != QCREG_E_NOMEM))
			fail("a refusal with a result or an odd code", NULL);
		return 0;
	}
	if (k == NULL || !sig.is_signed)
		fail("loaded without a result or a signature", NULL);
	check_loaded(k);
	if (qcreg_check_verify(k, &sig, pub) != 0)
		fail("a signature verified with a key that signed nothing",
		    NULL);
	qcreg_check_free(k);
	return 0;
}
