/* Sessions per source (addr_source_key: an IPv4 address or an IPv6 /64),
 * kept as sessions open and close so that a handshake learns its source's
 * count in O(1) instead of walking every session. A small chained hash,
 * keyed with a random seed so clients cannot choose sources that pile into
 * one bucket; it doubles when its entries outnumber its buckets, and an
 * entry goes when its count drops to zero, so it holds at most one entry
 * per session. */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "eio/eio_internal.h"

#define SOURCES_INITIAL_BUCKETS 64

struct eio_source {
	struct eio_source *next;
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	unsigned n;
};

struct eio_sources {
	struct eio_source **buckets;
	size_t n_buckets, n_entries; /* n_buckets: a power of two */
	uint64_t seed[2];
};

static size_t bucket_of(const struct eio_sources *t, const uint8_t *key, size_t n_buckets)
{
	uint64_t h = t->seed[0], w[2];

	memcpy(w, key, sizeof(w));
	for (int i = 0; i < 2; i++) {
		h ^= w[i] + t->seed[1];
		h *= 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	h *= 0xBF58476D1CE4E5B9ull;
	return (size_t)(h ^ (h >> 32)) & (n_buckets - 1);
}

struct eio_sources *eio_sources_new(void)
{
	struct eio_sources *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_buckets = SOURCES_INITIAL_BUCKETS;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets || RAND_bytes((unsigned char *)t->seed, sizeof(t->seed)) != 1) {
		eio_sources_free(t);
		return NULL;
	}
	return t;
}

void eio_sources_free(struct eio_sources *t)
{
	if (!t)
		return;
	for (size_t b = 0; t->buckets && b < t->n_buckets; b++)
		while (t->buckets[b]) {
			struct eio_source *s = t->buckets[b];

			t->buckets[b] = s->next;
			free(s);
		}
	free(t->buckets);
	free(t);
}

/* The entry of key (its bucket's link to it in *link), or NULL. */
static struct eio_source *find(const struct eio_sources *t, const uint8_t *key,
			       struct eio_source ***link)
{
	struct eio_source **pp = &t->buckets[bucket_of(t, key, t->n_buckets)];

	for (; *pp; pp = &(*pp)->next)
		if (!memcmp((*pp)->key, key, ADDR_SOURCE_KEY_LEN))
			break;
	if (link)
		*link = pp;
	return *pp;
}

/* Twice the buckets; on allocation failure the table stays as it is
 * (longer chains, still correct). */
static void grow(struct eio_sources *t)
{
	size_t n = t->n_buckets * 2;
	struct eio_source **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (size_t b = 0; b < t->n_buckets; b++)
		while (t->buckets[b]) {
			struct eio_source *s = t->buckets[b];
			size_t i = bucket_of(t, s->key, n);

			t->buckets[b] = s->next;
			s->next = nb[i];
			nb[i] = s;
		}
	free(t->buckets);
	t->buckets = nb;
	t->n_buckets = n;
}

unsigned eio_sources_count(const struct eio_sources *t, const struct tr_addr *a)
{
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	const struct eio_source *s;

	addr_source_key(a, key);
	s = find(t, key, NULL);
	return s ? s->n : 0;
}

bool eio_sources_add(struct eio_sources *t, const struct tr_addr *a)
{
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	struct eio_source **link, *s;

	addr_source_key(a, key);
	if ((s = find(t, key, &link))) {
		s->n++;
		return true;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return false;
	memcpy(s->key, key, sizeof(key));
	s->n = 1;
	*link = s;
	if (++t->n_entries > t->n_buckets)
		grow(t);
	return true;
}

void eio_sources_remove(struct eio_sources *t, const struct tr_addr *a)
{
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	struct eio_source **link, *s;

	addr_source_key(a, key);
	if (!(s = find(t, key, &link)) || --s->n)
		return;
	*link = s->next;
	free(s);
	t->n_entries--;
}

size_t eio_sources_size(const struct eio_sources *t)
{
	return t->n_entries;
}
