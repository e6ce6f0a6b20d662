/*
 * libqcreg: the registry's Ed25519 public key from a PEM file (the .pub
 * files `make certs` writes), for whoever verifies what it signs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "qcreg.h"

int
qcreg_pubkey_load(const char *path, uint8_t pub[QC_PUB_LEN], char *err,
    size_t errsize)
{
	EVP_PKEY	*key;
	FILE		*f;
	size_t		 len = QC_PUB_LEN;
	int		 ok;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return QCREG_E_USAGE;
	}
	key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (fclose(f) != 0 || key == NULL) {
		EVP_PKEY_free(key);
		ERR_clear_error();
		snprintf(err, errsize, "%s: not a PEM public key", path);
		return QCREG_E_USAGE;
	}
	ok = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 &&
	    EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 &&
	    len == QC_PUB_LEN;
	EVP_PKEY_free(key);
	ERR_clear_error();
	if (!ok) {
		snprintf(err, errsize, "%s: not an Ed25519 public key", path);
		return QCREG_E_USAGE;
	}
	return 0;
}
