/* Sessions per source (addr_source_key: an IPv4 address or an IPv6 /64),
 * kept as sessions open and close so that a handshake learns its source's
 * count in O(1) instead of walking every session. A util/htable, keyed so
 * clients cannot choose sources that pile into one chain; an entry goes
 * when its count drops to zero, so it holds at most one entry per
 * session. */
#include <stdlib.h>
#include <string.h>

#include "eio/eio_internal.h"

#define SOURCES_INITIAL_BUCKETS 64

struct eio_source {
	struct htable_node node;
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	unsigned n;
};

struct eio_sources {
	struct htable h; /* of eio_source.node */
};

struct eio_sources *eio_sources_new(void)
{
	struct eio_sources *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (htable_init(&t->h, SOURCES_INITIAL_BUCKETS)) {
		free(t);
		return NULL;
	}
	return t;
}

void eio_sources_free(struct eio_sources *t)
{
	struct htable_iter it = { 0 };
	struct htable_node *n;

	if (!t)
		return;
	while ((n = htable_iter_next(&t->h, &it)))
		free(HTABLE_ENTRY(n, struct eio_source, node));
	htable_fini(&t->h);
	free(t);
}

static struct eio_source *find(const struct eio_sources *t, const uint8_t *key,
			       uint64_t h)
{
	for (struct htable_node *n = htable_first(&t->h, h); n; n = htable_next(n, h)) {
		struct eio_source *s = HTABLE_ENTRY(n, struct eio_source, node);

		if (!memcmp(s->key, key, ADDR_SOURCE_KEY_LEN))
			return s;
	}
	return NULL;
}

unsigned eio_sources_count(const struct eio_sources *t, const struct tr_addr *a)
{
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	const struct eio_source *s;

	addr_source_key(a, key);
	s = find(t, key, htable_hash(&t->h, key, sizeof(key)));
	return s ? s->n : 0;
}

bool eio_sources_add(struct eio_sources *t, const struct tr_addr *a)
{
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	struct eio_source *s;
	uint64_t h;

	addr_source_key(a, key);
	h = htable_hash(&t->h, key, sizeof(key));
	if ((s = find(t, key, h))) {
		s->n++;
		return true;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return false;
	memcpy(s->key, key, sizeof(key));
	s->n = 1;
	htable_insert(&t->h, &s->node, h);
	return true;
}

void eio_sources_remove(struct eio_sources *t, const struct tr_addr *a)
{
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	struct eio_source *s;

	addr_source_key(a, key);
	if (!(s = find(t, key, htable_hash(&t->h, key, sizeof(key)))) || --s->n)
		return;
	htable_remove(&t->h, &s->node);
	free(s);
}

size_t eio_sources_size(const struct eio_sources *t)
{
	return htable_count(&t->h);
}
