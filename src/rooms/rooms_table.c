/* The room engine's table (used by rooms.c): room ids, and rooms
 * by id in a hash table keyed per engine. */
#include "rooms/rooms_internal.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

/* SipHash-2-4 (Aumasson and Bernstein, 2012) with a random key per engine:
 * room ids are chosen by clients, and an unkeyed hash would let them pile
 * every room into one bucket. */
static uint64_t rd64le(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                         \
	do {                                                                             \
		v0 += v1;                                                                \
		v1 = ROTL64(v1, 13) ^ v0;                                                \
		v0 = ROTL64(v0, 32);                                                     \
		v2 += v3;                                                                \
		v3 = ROTL64(v3, 16) ^ v2;                                                \
		v0 += v3;                                                                \
		v3 = ROTL64(v3, 21) ^ v0;                                                \
		v2 += v1;                                                                \
		v1 = ROTL64(v1, 17) ^ v2;                                                \
		v2 = ROTL64(v2, 32);                                                     \
	} while (0)

static uint64_t room_hash(const uint8_t key[16], const uint8_t *s, size_t len)
{
	uint64_t k0 = rd64le(key), k1 = rd64le(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t last = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = rd64le(s + i);

		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)s[i + j] << (8 * j);
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

bool room_random_hex(char *out, size_t n_bytes)
{
	uint8_t buf[32];

	if (n_bytes > sizeof(buf) || RAND_bytes(buf, (int)n_bytes) != 1)
		return false;
	hex_encode(out, buf, n_bytes);
	out[2 * n_bytes] = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	return true;
}

bool room_id_valid(const char *room_id)
{
	size_t n;

	if (!room_id)
		return false;
	for (n = 0; room_id[n]; n++) {
		char c = room_id[n];

		if (n == ROOM_ID_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

/* ---- the room table ---- */

struct room *room_find(const struct room_engine *e, const char *id)
{
	size_t len = strnlen(id, ROOM_ID_MAX + 1);
	uint64_t h;

	if (len > ROOM_ID_MAX)
		return NULL;
	h = room_hash(e->hash_key, (const uint8_t *)id, len);
	for (struct room *r = e->buckets[h & (e->n_buckets - 1)]; r; r = r->hash_next)
		if (r->hash == h && !strcmp(r->id, id))
			return r;
	return NULL;
}

/* Doubles the buckets when the load factor passes 1; on allocation
 * failure the table simply stays denser. */
static void room_table_grow(struct room_engine *e)
{
	size_t n = e->n_buckets * 2;
	struct room **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (size_t i = 0; i < e->n_buckets; i++) {
		struct room *r = e->buckets[i];

		while (r) {
			struct room *next = r->hash_next;
			size_t b = r->hash & (n - 1);

			r->hash_next = nb[b];
			nb[b] = r;
			r = next;
		}
	}
	free(e->buckets);
	e->buckets = nb;
	e->n_buckets = n;
}

/* id is valid (checked by the caller). NULL on allocation failure. */
struct room *room_create(struct room_engine *e, const char *id)
{
	size_t len = strlen(id);
	size_t slots = e->cfg.external_capacity ? ROOM_CAPACITY_MAX : e->cfg.capacity;
	struct room *r = calloc(1, sizeof(*r) + slots * sizeof(r->members[0]));
	size_t b;

	if (!r)
		return NULL;
	memcpy(r->id, id, len + 1);
	r->capacity = e->cfg.capacity;
	r->resume_window_ms = e->cfg.resume_window_ms;
	r->hash = room_hash(e->hash_key, (const uint8_t *)id, len);
	b = r->hash & (e->n_buckets - 1);
	r->hash_next = e->buckets[b];
	e->buckets[b] = r;
	if (++e->n_rooms > e->n_buckets)
		room_table_grow(e);
	return r;
}

void room_destroy(struct room_engine *e, struct room *r)
{
	struct room **pp = &e->buckets[r->hash & (e->n_buckets - 1)];

	while (*pp != r)
		pp = &(*pp)->hash_next;
	*pp = r->hash_next;
	e->n_rooms--;
	free(r);
}
