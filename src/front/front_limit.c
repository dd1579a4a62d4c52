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

#include "front/front_internal.h"
#include "util/htable.h"

#define SOURCE_BUCKETS 256

struct source {
	struct htable_node node;
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
	/* Keyed, so that sources chosen by a client cannot pile into one
	 * chain. */
	struct htable sources;
	struct front_slot *slots; /* every slot held */
};

static struct source *source_get(struct front_limits *l,
				 const uint8_t key[ADDR_SOURCE_KEY_LEN], bool create)
{
	uint64_t h = htable_hash(&l->sources, key, ADDR_SOURCE_KEY_LEN);
	struct source *s;

	for (struct htable_node *n = htable_first(&l->sources, h); n;
	     n = htable_next(n, h)) {
		s = HTABLE_ENTRY(n, struct source, node);
		if (!memcmp(s->key, key, ADDR_SOURCE_KEY_LEN))
			return s;
	}
	if (!create || !(s = calloc(1, sizeof(*s))))
		return NULL;
	memcpy(s->key, key, ADDR_SOURCE_KEY_LEN);
	htable_insert(&l->sources, &s->node, h);
	return s;
}

static void source_put(struct front_limits *l, struct source *s)
{
	if (--s->n)
		return;
	htable_remove(&l->sources, &s->node);
	free(s);
}

struct front_limits *front_limits_new(unsigned max_total, unsigned max_per_source)
{
	struct front_limits *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (htable_init(&l->sources, SOURCE_BUCKETS)) {
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
	struct htable_iter it = { 0 };
	struct htable_node *n;

	if (!l)
		return;
	for (struct front_slot *s = l->slots; s; s = s->next)
		s->limits = NULL;
	while ((n = htable_iter_next(&l->sources, &it)))
		free(HTABLE_ENTRY(n, struct source, node));
	htable_fini(&l->sources);
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
