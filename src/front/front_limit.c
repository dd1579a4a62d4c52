/* Connection accounting for every TCP and TLS connection the front door
 * accepts (TURN, HTTP, WebSocket): a total and a count per source, where
 * a source is an IPv4 address or an IPv6 /64 (addr_source_key, the unit
 * of every per-source limit).
 * A slot travels with its connection to whichever module ends up owning
 * it, which gives it back when it frees the connection. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <openssl/rand.h>

#include "front/front_internal.h"

#define SOURCE_BUCKETS 4096

struct source {
	struct source *next;
	uint8_t key[ADDR_SOURCE_KEY_LEN]; /* addr_source_key */
	unsigned n;
};

struct front_slot {
	struct front_limits *limits; /* NULL once the limits are freed */
	struct source *source;
	struct front_slot *prev, *next;
};

struct front_limits {
	unsigned max_total, max_per_source;
	size_t total;
	uint64_t seed[2];
	struct source *buckets[SOURCE_BUCKETS];
	struct front_slot *slots; /* every slot held */
};

/* Keyed so that sources chosen by a client cannot pile into one bucket. */
static size_t source_bucket(const struct front_limits *l,
			    const uint8_t key[ADDR_SOURCE_KEY_LEN])
{
	uint64_t h = l->seed[0], w[2];

	memcpy(w, key, 16);
	for (int i = 0; i < 2; i++) {
		h ^= w[i] + l->seed[1];
		h *= 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	h *= 0xBF58476D1CE4E5B9ull;
	return (size_t)((h ^ (h >> 32)) % SOURCE_BUCKETS);
}

static struct source *source_get(struct front_limits *l,
				 const uint8_t key[ADDR_SOURCE_KEY_LEN], bool create)
{
	size_t b = source_bucket(l, key);
	struct source *s;

	for (s = l->buckets[b]; s; s = s->next)
		if (!memcmp(s->key, key, ADDR_SOURCE_KEY_LEN))
			return s;
	if (!create || !(s = calloc(1, sizeof(*s))))
		return NULL;
	memcpy(s->key, key, ADDR_SOURCE_KEY_LEN);
	s->next = l->buckets[b];
	l->buckets[b] = s;
	return s;
}

static void source_put(struct front_limits *l, struct source *s)
{
	struct source **pp = &l->buckets[source_bucket(l, s->key)];

	if (--s->n)
		return;
	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	free(s);
}

struct front_limits *front_limits_new(unsigned max_total, unsigned max_per_source)
{
	struct front_limits *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (RAND_bytes((unsigned char *)l->seed, sizeof(l->seed)) != 1) {
		free(l);
		return NULL;
	}
	front_limits_set(l, max_total, max_per_source);
	return l;
}

void front_limits_set(struct front_limits *l, unsigned max_total, unsigned max_per_source)
{
	l->max_total = max_total ? max_total : 1;
	l->max_per_source = max_per_source ? max_per_source : 1;
}

void front_limits_free(struct front_limits *l)
{
	if (!l)
		return;
	for (struct front_slot *s = l->slots; s; s = s->next)
		s->limits = NULL;
	for (size_t b = 0; b < SOURCE_BUCKETS; b++)
		while (l->buckets[b]) {
			struct source *s = l->buckets[b];

			l->buckets[b] = s->next;
			free(s);
		}
	free(l);
}

struct front_slot *front_limits_admit(struct front_limits *l,
				      const struct tr_addr *client, enum front_admit *why)
{
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	struct source *src;
	struct front_slot *slot;

	addr_source_key(client, key);
	src = source_get(l, key, false);
	*why = l->total >= l->max_total             ? FRONT_ADMIT_TOTAL
	       : src && src->n >= l->max_per_source ? FRONT_ADMIT_SOURCE
						    : FRONT_ADMIT_OK;
	if (*why != FRONT_ADMIT_OK)
		return NULL;
	*why = FRONT_ADMIT_NOMEM;
	if (!src && !(src = source_get(l, key, true)))
		return NULL;
	if (!(slot = calloc(1, sizeof(*slot)))) {
		src->n++;
		source_put(l, src);
		return NULL;
	}
	*why = FRONT_ADMIT_OK;
	src->n++;
	l->total++;
	slot->limits = l;
	slot->source = src;
	slot->next = l->slots;
	if (l->slots)
		l->slots->prev = slot;
	l->slots = slot;
	return slot;
}

void front_slot_release(struct front_slot *slot)
{
	struct front_limits *l;

	if (!slot)
		return;
	l = slot->limits;
	if (l) {
		if (slot->prev)
			slot->prev->next = slot->next;
		else
			l->slots = slot->next;
		if (slot->next)
			slot->next->prev = slot->prev;
		source_put(l, slot->source);
		l->total--;
	}
	free(slot);
}

size_t front_limits_open(const struct front_limits *l)
{
	return l->total;
}

uint64_t front_raise_nofile(void)
{
	struct rlimit rl;
	rlim_t before;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	before = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = before;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1u << 20;
	if (rl.rlim_cur != before)
		log_info("open files limit (RLIMIT_NOFILE) raised from %llu to %llu",
			 (unsigned long long)before, (unsigned long long)rl.rlim_cur);
	else
		log_info("open files limit (RLIMIT_NOFILE) %llu",
			 (unsigned long long)rl.rlim_cur);
	return rl.rlim_cur;
}
