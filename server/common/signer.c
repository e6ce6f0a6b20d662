/*
 * Ed25519 signing with a key from a PEM file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "signer.h"

struct signer {
	EVP_PKEY	*sg_key;
	char		 sg_id[QC_KEY_ID_MAX + 1];
	uint8_t		 sg_pub[QC_PUB_LEN];
};

struct signer *
signer_load(const char *path, const char *key_id, char *err, size_t errlen)
{
	struct signer	*s;
	FILE		*f;
	size_t		 len = QC_PUB_LEN;

	if (key_id[0] == '\0' || strlen(key_id) > QC_KEY_ID_MAX ||
	    strpbrk(key_id, " \t\n") != NULL) {
		snprintf(err, errlen, "signing_key_id: 1 to %d bytes without "
		    "spaces", QC_KEY_ID_MAX);
		return NULL;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->sg_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (s->sg_key == NULL || EVP_PKEY_get_id(s->sg_key) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(s->sg_key, s->sg_pub, &len) != 1 ||
	    len != QC_PUB_LEN) {
		snprintf(err, errlen, "%s: not an Ed25519 private key (PEM, "
		    "unencrypted; openssl genpkey -algorithm ed25519)", path);
		signer_free(s);
		return NULL;
	}
	strcpy(s->sg_id, key_id);
	return s;
}

void
signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->sg_key);
	free(s);
}

const char *
signer_key_id(const struct signer *s)
{
	return s->sg_id;
}

const uint8_t *
signer_public(const struct signer *s)
{
	return s->sg_pub;
}

int
signer_sign(const struct signer *s, const void *msg, size_t len,
    uint8_t sig[QC_SIG_LEN])
{
	EVP_MD_CTX	*ctx;
	size_t		 n = QC_SIG_LEN;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->sg_key) == 1 &&
	    EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n == QC_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}
