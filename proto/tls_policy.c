/*
 * The TLS policy (tls_policy.h).
 */
#include "tls_policy.h"

#define QC_TLS12_CIPHERS	"ECDHE+AESGCM:ECDHE+CHACHA20"
#define QC_TLS13_SUITES		"TLS_AES_256_GCM_SHA384:" \
				"TLS_CHACHA20_POLY1305_SHA256:" \
				"TLS_AES_128_GCM_SHA256"
#define QC_TLS_GROUPS		"X25519:P-256"

int
qc_tls_policy(SSL_CTX *ctx)
{
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, 0) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, QC_TLS12_CIPHERS) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, QC_TLS13_SUITES) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, QC_TLS_GROUPS) != 1)
		return -1;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Early data could be replayed: neither sent nor accepted. */
	if (SSL_CTX_set_max_early_data(ctx, 0) != 1 ||
	    SSL_CTX_set_recv_max_early_data(ctx, 0) != 1)
		return -1;
	return 0;
}
