/* A rate limiter keyed by source (addr_source_key: an IPv4 address or an
 * IPv6 /64, so one host cannot be 2^64 sources): a token bucket per
 * source, in a fixed-size table so a flood of sources costs no memory. A
 * colliding source takes the slot over; that can only forget a limit,
 * never impose one on an innocent source. */
#include <stdlib.h>
#include <string.h>

#include "util/ratelimit.h"

#define LIMITER_SLOTS 4096

struct limiter_slot {
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	uint64_t last_ms;
	uint32_t tokens_milli; /* thousandths of an event allowed */
	bool used;
};

struct ip_limiter {
	uint32_t burst, per_sec, seed;
	struct limiter_slot slots[LIMITER_SLOTS];
};

struct ip_limiter *ip_limiter_new(uint32_t burst, uint32_t per_sec)
{
	struct ip_limiter *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->burst = burst;
	l->per_sec = per_sec;
	l->seed = (uint32_t)(uintptr_t)l * 2654435761u;
	return l;
}

void ip_limiter_free(struct ip_limiter *l)
{
	free(l);
}

/* FNV-1a over the seed and the key. */
static size_t slot_index(const struct ip_limiter *l, const uint8_t *key)
{
	uint32_t h = 2166136261u ^ l->seed;

	for (size_t i = 0; i < ADDR_SOURCE_KEY_LEN; i++)
		h = (h ^ key[i]) * 16777619u;
	return (h ^ (h >> 16)) % LIMITER_SLOTS;
}

/* The slot of ip's source, refilled up to now; NULL when it has none. */
static struct limiter_slot *slot_of(struct ip_limiter *l, const struct tr_addr *ip,
				    uint64_t now_ms, bool create)
{
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	struct limiter_slot *s;
	uint64_t refill;

	addr_source_key(ip, key);
	s = &l->slots[slot_index(l, key)];
	if (!s->used || memcmp(s->key, key, sizeof(key))) {
		if (!create)
			return NULL;
		s->used = true;
		memcpy(s->key, key, sizeof(key));
		s->last_ms = now_ms;
		s->tokens_milli = l->burst * 1000u;
		return s;
	}
	refill = (now_ms - s->last_ms) * l->per_sec;
	s->tokens_milli = refill + s->tokens_milli >= l->burst * 1000u
				  ? l->burst * 1000u
				  : s->tokens_milli + (uint32_t)refill;
	s->last_ms = now_ms;
	return s;
}

bool ip_limiter_blocked(struct ip_limiter *l, const struct tr_addr *ip, uint64_t now_ms)
{
	struct limiter_slot *s = slot_of(l, ip, now_ms, false);

	return s && s->tokens_milli < 1000u;
}

void ip_limiter_hit(struct ip_limiter *l, const struct tr_addr *ip, uint64_t now_ms)
{
	struct limiter_slot *s = slot_of(l, ip, now_ms, true);

	s->tokens_milli = s->tokens_milli >= 1000u ? s->tokens_milli - 1000u : 0;
}
