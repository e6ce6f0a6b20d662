/*
 * libqcreg mirror: the registry's checkpoint key, given raw or as a PEM
 * public key file (the .pub files `make certs` writes).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "qcreg_mirror_int.h"

/* The 32-byte Ed25519 key conf gives into pub; -1 with err set. */
int
mirror_key_load(const struct qcreg_mirror_conf *conf, uint8_t pub[32],
    char *err, size_t errsize)
{
	EVP_PKEY	*key;
	FILE		*f;
	size_t		 len = 32;
	int		 ok;

	if (conf->pubkey != NULL) {
		memcpy(pub, conf->pubkey, 32);
		return 0;
	}
	if (conf->pubkey_file == NULL) {
		snprintf(err, errsize, "a mirror needs the registry's public "
		    "key (raw or a PEM file)");
		return -1;
	}
	if ((f = fopen(conf->pubkey_file, "r")) == NULL) {
		snprintf(err, errsize, "%s: %s", conf->pubkey_file,
		    strerror(errno));
		return -1;
	}
	key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	ok = key != NULL && EVP_PKEY_id(key) == EVP_PKEY_ED25519 &&
	    EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 && len == 32;
	EVP_PKEY_free(key);
	if (!ok) {
		snprintf(err, errsize, "%s: not a PEM Ed25519 public key",
		    conf->pubkey_file);
		return -1;
	}
	return 0;
}
