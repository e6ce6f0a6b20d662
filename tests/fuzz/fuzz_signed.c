/*
 * Fuzz target: a signed check answer read back from storage
 * (qcreg_check_load, then qcreg_check_verify): what a damaged or forged
 * file kept by a platform can make the library do years later.
 *
 * Input: the msgpack bytes of the result map, as a platform keeps them.
 * Checked: a refused input leaves no result; a loaded one has a raw
 * subject only where its shown subject has '?' for a control character
 * (and the same bytes elsewhere), and its signature never verifies with
 * a key that signed nothing (Ed25519 cannot be forged by a fuzzer). The
 * texts of the results come from the decoder that fuzz_reply checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qcreg.h"

#define FUZZ_MAX_LEN	65536

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 must(int, const char *, const char *);
static void	 check_raw(const struct qcreg_check_item *);

/* Aborts, saying what broke, unless cond holds. */
static void
must(int cond, const char *what, const char *subject)
{
	if (cond)
		return;
	fprintf(stderr, "fuzz_signed: %s%s%s\n", what, subject ? ": " : "",
	    subject ? subject : "");
	abort();
}

/* The raw subject is the shown one with its '?' put back as sent. */
static void
check_raw(const struct qcreg_check_item *it)
{
	size_t		 i, controls = 0;
	unsigned char	 c;

	if (it->raw_subject == NULL)
		return;
	must(it->raw_len == strlen(it->subject), "raw subject of another "
	    "length", it->subject);
	for (i = 0; i < it->raw_len; i++) {
		c = (unsigned char)it->raw_subject[i];
		if (c < 0x20 || c == 0x7f) {
			controls++;
			must(it->subject[i] == '?', "control character not "
			    "shown as '?'", it->subject);
		} else
			must(it->subject[i] == (char)c, "raw subject differs",
			    it->subject);
	}
	must(controls > 0, "raw subject without a control character",
	    it->subject);
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
	size_t			 i;
	int			 rc;

	if (len > FUZZ_MAX_LEN)
		return 0;
	rc = qcreg_check_load(data, len, &k, &sig);
	if (rc != 0) {
		must(k == NULL && (rc == QCREG_E_PROTO ||
		    rc == QCREG_E_NOMEM), "a refusal with a result or an odd "
		    "code", NULL);
		return 0;
	}
	must(k != NULL && sig.is_signed, "loaded without a result or a "
	    "signature", NULL);
	for (i = 0; i < k->n; i++)
		check_raw(&k->items[i]);
	must(qcreg_check_verify(k, &sig, pub) == 0, "a signature verified "
	    "with a key that signed nothing", NULL);
	qcreg_check_free(k);
	return 0;
}
