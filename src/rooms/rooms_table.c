/* The room engine's table (used by rooms.c): room ids, and rooms
 * by id in a hash table keyed per engine (util/htable.h: room ids are
 * chosen by clients, and an unkeyed hash would let them pile every room
 * into one chain). */
#include "rooms/rooms_internal.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"

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

static uint64_t room_hash(const struct room_engine *e, const char *id, size_t len)
{
	return htable_hash(&e->rooms, id, len);
}

struct room *room_find(const struct room_engine *e, const char *id)
{
	size_t len = strnlen(id, ROOM_ID_MAX + 1);
	uint64_t h;

	if (len > ROOM_ID_MAX)
		return NULL;
	h = room_hash(e, id, len);
	for (struct htable_node *n = htable_first(&e->rooms, h); n;
	     n = htable_next(n, h)) {
		struct room *r = HTABLE_ENTRY(n, struct room, node);

		if (!strcmp(r->id, id))
			return r;
	}
	return NULL;
}

/* id is valid (checked by the caller). NULL on allocation failure. */
struct room *room_create(struct room_engine *e, const char *id)
{
	size_t len = strlen(id);
	size_t slots = e->cfg.external_capacity ? ROOM_CAPACITY_MAX : e->cfg.capacity;
	struct room *r = calloc(1, sizeof(*r) + slots * sizeof(r->members[0]));

	if (!r)
		return NULL;
	memcpy(r->id, id, len + 1);
	r->capacity = e->cfg.capacity;
	r->resume_window_ms = e->cfg.resume_window_ms;
	htable_insert(&e->rooms, &r->node, room_hash(e, id, len));
	return r;
}

void room_destroy(struct room_engine *e, struct room *r)
{
	htable_remove(&e->rooms, &r->node);
	free(r);
}
