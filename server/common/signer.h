/*
 * The registry's signing key (Ed25519), named by a key_id in the config.
 * Loaded with the configuration; SIGHUP may load a new one and switch to
 * it (config_signer). Public keys stay listed in the store for ever.
 */
#ifndef QCD_SIGNER_H
#define QCD_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "sig.h"

struct signer;

/*
 * Loads the PEM private key at path (it must be Ed25519) as key_id.
 * NULL with err set on failure.
 */
struct signer	*signer_load(const char *path, const char *key_id, char *err,
		    size_t errlen);
void		 signer_free(struct signer *);
const char	*signer_key_id(const struct signer *);
const uint8_t	*signer_public(const struct signer *);	/* QC_PUB_LEN */
/* Signs msg into sig: 0, or -1 (out of memory). */
int		 signer_sign(const struct signer *, const void *msg, size_t len,
		    uint8_t sig[QC_SIG_LEN]);

#endif
