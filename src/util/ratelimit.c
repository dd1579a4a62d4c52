/* A rate limiter keyed by source IP: a token bucket per address, in a
 * fixed-size table so a flood of sources costs no memory. A colliding
 * source takes the slot over; that can only forget a limit, never impose
 * one on an innocent address. */
#include <stdlib.h>
#include <string.h>

#include "util/ratelimit.h"

#define LIMITER_SLOTS 4096

struct limiter_slot {
	struct tr_addr ip;
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

/* The slot of ip, refilled up to now; NULL when ip has no slot. */
static struct limiter_slot *slot_of(struct ip_limiter *l, const struct tr_addr *ip,
				    uint64_t now_ms, bool create)
{
	struct tr_addr key = *ip;
	struct limiter_slot *s;
	uint64_t refill;

	addr_set_port(&key, 0);
	s = &l->slots[addr_hash(&key, l->seed) % LIMITER_SLOTS];
	if (!s->used || !addr_equal_ip(&s->ip, &key)) {
		if (!create)
			return NULL;
		s->used = true;
		s->ip = key;
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
