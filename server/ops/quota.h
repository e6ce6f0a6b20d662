/*
 * Quotas (PROTOCOL.md 4.14): per principal, a token bucket of requests a
 * second and one of subjects a second, each holding burst_seconds of its
 * rate, from the principal's section of the config. Buckets are per
 * server process, shared by its workers.
 */
#ifndef QCD_QUOTA_H
#define QCD_QUOTA_H

#include <stdint.h>

#include "config.h"

/*
 * Takes one request of n subjects from p's buckets: 0 when it may go on,
 * else the whole seconds to wait (at least 1), nothing taken.
 */
uint32_t quota_take(const struct principal *p, uint64_t n);

#endif
