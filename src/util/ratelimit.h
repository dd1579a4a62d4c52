/* A rate limiter keyed by source, an IPv4 address or an IPv6 /64
 * (addr_source_key; the port is ignored): refused joins, for instance.
 * Fixed memory however many sources. */
#ifndef TR_RATELIMIT_H
#define TR_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"

struct ip_limiter;

/* burst events at once, then per_sec per second. NULL on allocation
 * failure. Caller frees. */
struct ip_limiter *ip_limiter_new(uint32_t burst, uint32_t per_sec);
void ip_limiter_free(struct ip_limiter *l);
/* True when ip's source has used up its events. */
bool ip_limiter_blocked(struct ip_limiter *l, const struct tr_addr *ip, uint64_t now_ms);
/* Counts one event for ip's source. */
void ip_limiter_hit(struct ip_limiter *l, const struct tr_addr *ip, uint64_t now_ms);

#endif
