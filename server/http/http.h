/*
 * The HTTPS JSON API (PROTOCOL.md 10): a second listener of every worker
 * (http_listen) with the same mutual TLS, principals, roles and limits
 * as the msgpack one; POST /v1/{op} runs the op through the op table
 * (ops_dispatch), so quotas, audit and metrics cover it too.
 */
#ifndef QCD_HTTP_H
#define QCD_HTTP_H

#include "net.h"

extern const struct front_ops http_front_ops;

#endif
