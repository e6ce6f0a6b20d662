/*
 * Ed25519 verification and the checkpoint text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "sig.h"

int
qc_sig_verify(const uint8_t pub[QC_PUB_LEN], const void *msg, size_t len,
    const uint8_t sig[QC_SIG_LEN])
{
	EVP_PKEY	*key;
	EVP_MD_CTX	*ctx = NULL;
	int		 ok = 0;

	if ((key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
	    QC_PUB_LEN)) == NULL)
		return 0;
	/* Ed25519 hashes the message itself: no digest is named. */
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1)
		ok = EVP_DigestVerify(ctx, sig, QC_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}

void
qc_hex(const uint8_t *p, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
qc_unhex(const char *s, size_t n, uint8_t *out)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if ((hi = hexval(s[2 * i])) < 0 || (lo = hexval(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
qc_checkpoint_text(char *out, size_t cap, const char *origin, uint64_t size,
    const uint8_t root[QC_ROOT_LEN], uint64_t time, const char *key_id)
{
	char	 hex[2 * QC_ROOT_LEN + 1];
	int	 n;

	if (strchr(origin, '\n') != NULL || strchr(key_id, '\n') != NULL ||
	    strlen(origin) > QC_ORIGIN_MAX || strlen(key_id) > QC_KEY_ID_MAX)
		return -1;
	qc_hex(root, QC_ROOT_LEN, hex);
	n = snprintf(out, cap, "qcreg-checkpoint-v1\n%s\n%" PRIu64 "\n%s\n%"
	    PRIu64 "\n%s\n", origin, size, hex, time, key_id);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}
