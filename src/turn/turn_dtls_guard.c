/* What the DTLS listener knows before it creates any state for a client:
 * whether its ClientHello carries a cookie we made for its address (RFC
 * 6347 4.2.1, so a spoofed source never gets more than a reply smaller
 * than its request), and how many handshakes its address already has in
 * progress. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "turn/turn_dtls.h"
#include "util/bytes.h"
#include "util/errors.h"

/* Per-source counts live in a chained hash that doubles when its entries
 * outnumber its buckets (entries are bounded by dtls-max-sessions). */
#define SOURCE_INITIAL_BUCKETS 256

struct source {
	uint8_t key[17]; /* 0, then addr_source_key (IPv6: the /64) */
	unsigned count[DTLS_SRC_KINDS];
	struct source *next;
};

struct dtls_guard {
	uint8_t secret[DTLS_SECRET_LEN];
	uint32_t seed;
	size_t n_sources, n_buckets;
	struct source **buckets;
};

struct dtls_guard *dtls_guard_new(const uint8_t *secret)
{
	struct dtls_guard *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->n_buckets = SOURCE_INITIAL_BUCKETS;
	g->buckets = calloc(g->n_buckets, sizeof(*g->buckets));
	if (!g->buckets) {
		free(g);
		return NULL;
	}
	if (secret) {
		memcpy(g->secret, secret, DTLS_SECRET_LEN);
	} else if (RAND_bytes(g->secret, DTLS_SECRET_LEN) != 1 ||
		   RAND_bytes((uint8_t *)&g->seed, sizeof(g->seed)) != 1) {
		free(g->buckets);
		free(g);
		return NULL;
	}
	return g;
}

void dtls_guard_free(struct dtls_guard *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_buckets; i++) {
		while (g->buckets[i]) {
			struct source *next = g->buckets[i]->next;

			free(g->buckets[i]);
			g->buckets[i] = next;
		}
	}
	OPENSSL_cleanse(g->secret, sizeof(g->secret));
	free(g->buckets);
	free(g);
}

/* The MAC input: slot (8 bytes), family, port, address bytes. */
static int cookie_for_slot(const struct dtls_guard *g, const struct tr_addr *client,
			   uint64_t slot, uint8_t out[DTLS_COOKIE_LEN])
{
	uint8_t data[8 + 1 + 2 + 16], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t iplen;
	const uint8_t *ip = addr_bytes(client, &iplen);

	if (iplen > 16)
		return TR_EINVAL;
	wr32(data, (uint32_t)(slot >> 32));
	wr32(data + 4, (uint32_t)slot);
	data[8] = (uint8_t)addr_family(client);
	wr16(data + 9, addr_port(client));
	memcpy(data + 11, ip, iplen);
	if (!HMAC(EVP_sha256(), g->secret, DTLS_SECRET_LEN, data, 11 + iplen, mac,
		  &maclen) ||
	    maclen < DTLS_COOKIE_LEN)
		return TR_EIO;
	memcpy(out, mac, DTLS_COOKIE_LEN);
	return 0;
}

int dtls_guard_cookie(const struct dtls_guard *g, const struct tr_addr *client,
		      uint64_t now_ms, uint8_t out[DTLS_COOKIE_LEN])
{
	return cookie_for_slot(g, client, now_ms / DTLS_COOKIE_SLOT_MS, out);
}

bool dtls_guard_cookie_ok(const struct dtls_guard *g, const struct tr_addr *client,
			  uint64_t now_ms, const uint8_t *cookie, size_t len)
{
	uint64_t slot = now_ms / DTLS_COOKIE_SLOT_MS;
	uint8_t want[DTLS_COOKIE_LEN];

	if (len != DTLS_COOKIE_LEN)
		return false;
	for (uint64_t back = 0; back <= 1 && back <= slot; back++) {
		if (!cookie_for_slot(g, client, slot - back, want) &&
		    CRYPTO_memcmp(want, cookie, DTLS_COOKIE_LEN) == 0)
			return true;
	}
	return false;
}

static void source_key(const struct tr_addr *a, uint8_t key[17])
{
	/* IPv6: the /64 prefix, the unit one subscriber usually holds. */
	key[0] = 0;
	addr_source_key(a, key + 1);
}

static size_t source_bucket(const struct dtls_guard *g, const uint8_t key[17])
{
	uint32_t h = 2166136261u ^ g->seed;

	for (size_t i = 0; i < 17; i++)
		h = (h ^ key[i]) * 16777619u;
	return h & (g->n_buckets - 1);
}

/* Doubles the buckets; on allocation failure the chains grow longer. */
static void sources_grow(struct dtls_guard *g)
{
	size_t old_n = g->n_buckets;
	struct source **old = g->buckets, **b = calloc(old_n * 2, sizeof(*b));

	if (!b)
		return;
	g->buckets = b;
	g->n_buckets = old_n * 2;
	for (size_t i = 0; i < old_n; i++) {
		while (old[i]) {
			struct source *s = old[i];
			size_t j = source_bucket(g, s->key);

			old[i] = s->next;
			s->next = b[j];
			b[j] = s;
		}
	}
	free(old);
}

static struct source **source_find(const struct dtls_guard *g, const uint8_t key[17])
{
	struct source *const *pp = &g->buckets[source_bucket(g, key)];

	while (*pp && memcmp((*pp)->key, key, 17))
		pp = &(*pp)->next;
	return (struct source **)pp;
}

unsigned dtls_guard_source_count(const struct dtls_guard *g, const struct tr_addr *client,
				 enum dtls_source_kind kind)
{
	uint8_t key[17];
	struct source *s;

	source_key(client, key);
	s = *source_find(g, key);
	return s ? s->count[kind] : 0;
}

int dtls_guard_source_add(struct dtls_guard *g, const struct tr_addr *client,
			  enum dtls_source_kind kind)
{
	uint8_t key[17];
	struct source **pp, *s;

	source_key(client, key);
	pp = source_find(g, key);
	if (!*pp) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return TR_ENOMEM;
		memcpy(s->key, key, sizeof(key));
		*pp = s;
		g->n_sources++;
		s->count[kind]++;
		if (g->n_sources > g->n_buckets)
			sources_grow(g);
		return 0;
	}
	(*pp)->count[kind]++;
	return 0;
}

void dtls_guard_source_remove(struct dtls_guard *g, const struct tr_addr *client,
			      enum dtls_source_kind kind)
{
	uint8_t key[17];
	struct source **pp, *s;
	unsigned total = 0;

	source_key(client, key);
	pp = source_find(g, key);
	s = *pp;
	if (!s || !s->count[kind])
		return;
	s->count[kind]--;
	for (int k = 0; k < DTLS_SRC_KINDS; k++)
		total += s->count[k];
	if (total)
		return;
	*pp = s->next;
	free(s);
	g->n_sources--;
}

size_t dtls_guard_source_entries(const struct dtls_guard *g)
{
	return g->n_sources;
}
