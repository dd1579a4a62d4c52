/* The room engine's entry points for members of other nodes (used by
 * signaling_cluster.c): joins under an id a node registered in Redis,
 * events a node forwards to a member here, and the member ids a caller
 * chooses (a Socket.IO sid, a cluster node's registration). The engine
 * itself is rooms.c. */
#include <string.h>

#include "rooms/rooms_internal.h"

int room_join_as(struct room_engine *e, struct room_peer *p, const char *room_id,
		 const struct room_join_opts *o)
{
	if (!room_id_valid(room_id))
		return ROOM_E_BAD_ROOM_ID;
	if (p->member)
		return ROOM_E_ALREADY_IN_ROOM;
	return room_join_fresh(e, p, room_id, o);
}

int room_deliver_message(struct room_engine *e, const char *room_id, const char *to,
			 const char *from, const char *payload, size_t len)
{
	struct room *r = room_find(e, room_id);
	struct room_member *m = r ? room_member_find(r, to) : NULL;
	struct room_event ev = { .kind = ROOM_EV_MESSAGE,
				 .room_id = room_id,
				 .user_id = from,
				 .from = from,
				 .payload = payload,
				 .payload_len = len };

	if (!m)
		return ROOM_E_NO_SUCH_PEER;
	if (strlen(from) > ROOM_USER_ID_LEN)
		return ROOM_E_NO_SUCH_PEER;
	if (!m->peer)
		return room_queue_push(e, m, from, payload, len);
	if (m->peer->deliver)
		m->peer->deliver(m->peer->ctx, &ev);
	return ROOM_OK;
}

bool room_has_member(const struct room_engine *e, const char *room_id,
		     const char *user_id)
{
	const struct room *r = room_id_valid(room_id) ? room_find(e, room_id) : NULL;

	return r && room_member_find(r, user_id);
}

void *room_member_ctx(const struct room_engine *e, const char *room_id,
		      const char *user_id, room_deliver_fn deliver)
{
	const struct room *r = room_find(e, room_id);
	const struct room_member *m = r ? room_member_find(r, user_id) : NULL;

	return m && m->peer && m->peer->deliver == deliver ? m->peer->ctx : NULL;
}

int room_deliver_relay(struct room_engine *e, const char *room_id, const char *to,
		       const char *from, const char *event, const char *payload,
		       size_t len, const struct room_blob *blobs, size_t n_blobs)
{
	struct room *r = room_find(e, room_id);
	struct room_member *m = r ? room_member_find(r, to) : NULL;
	struct room_event ev = { .kind = ROOM_EV_RELAY,
				 .room_id = room_id,
				 .user_id = from,
				 .from = from,
				 .event = event,
				 .payload = payload,
				 .payload_len = len,
				 .blobs = blobs,
				 .n_blobs = n_blobs };

	if (!m)
		return ROOM_E_NO_SUCH_PEER;
	/* As room_relay: a member waiting for its resume misses it. */
	if (m->peer && m->peer->deliver)
		m->peer->deliver(m->peer->ctx, &ev);
	return ROOM_OK;
}
int room_peer_set_user_id(struct room_peer *p, const char *user_id)
{
	size_t n = strlen(user_id);

	if (!n || n > ROOM_USER_ID_LEN)
		return ROOM_E_BAD_ROOM_ID;
	memcpy(p->user_id, user_id, n + 1);
	return ROOM_OK;
}

const char *room_peer_chosen_id(const struct room_peer *p)
{
	return p->user_id[0] ? p->user_id : NULL;
}
