/* The room engine: rooms (their table is rooms_table.c), their
 * members, and the resume windows of members whose connection dropped
 * ("ghosts"). No I/O and no clock reads:
 * time is passed in, so resume windows are unit-tested with a fake clock.
 *
 * Lifetimes: a room exists while it has a member (connected or ghost); a
 * member from its join until it leaves or its resume window closes; a
 * peer handle from room_peer_new until room_peer_disconnect (or
 * room_engine_free). Invariant: a member is in the ghost list exactly
 * when its peer is NULL. */
#include "rooms/rooms_internal.h"

#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- members ---- */

struct room_member *room_member_find(const struct room *r, const char *user_id)
{
	for (unsigned i = 0; i < r->n_members; i++)
		if (!strcmp(r->members[i]->user_id, user_id))
			return r->members[i];
	return NULL;
}

/* Tokens are secrets: compared in constant time, so the time a wrong
 * guess takes says nothing about how close it was. */
static struct room_member *member_by_token(const struct room *r, const char *token)
{
	if (strnlen(token, ROOM_TOKEN_LEN + 1) != ROOM_TOKEN_LEN)
		return NULL;
	for (unsigned i = 0; i < r->n_members; i++)
		if (!CRYPTO_memcmp(r->members[i]->token, token, ROOM_TOKEN_LEN))
			return r->members[i];
	return NULL;
}

static bool ghost_expired(const struct room_engine *e, const struct room_member *m,
			  uint64_t now_ms)
{
	(void)e;
	return now_ms >= m->disconnected_at_ms && now_ms >= m->ghost_until_ms;
}

/* Inserted by the end of its window: at the tail, unless a reload
 * shortened the window, when it passes the longer ones still open. */
static void ghost_link(struct room_engine *e, struct room_member *m)
{
	struct room_member *after = e->ghost_tail;

	m->ghost_until_ms = m->disconnected_at_ms + m->room->resume_window_ms;
	while (after && after->ghost_until_ms > m->ghost_until_ms)
		after = after->ghost_prev;
	m->ghost_prev = after;
	m->ghost_next = after ? after->ghost_next : e->ghost_head;
	if (m->ghost_next)
		m->ghost_next->ghost_prev = m;
	else
		e->ghost_tail = m;
	if (after)
		after->ghost_next = m;
	else
		e->ghost_head = m;
}

static void ghost_unlink(struct room_engine *e, struct room_member *m)
{
	if (m->ghost_prev)
		m->ghost_prev->ghost_next = m->ghost_next;
	else
		e->ghost_head = m->ghost_next;
	if (m->ghost_next)
		m->ghost_next->ghost_prev = m->ghost_prev;
	else
		e->ghost_tail = m->ghost_prev;
	m->ghost_prev = m->ghost_next = NULL;
}

/* Drops m's whole queue from the accounting (the caller frees it). */
static struct room_msg *queue_take(struct room_engine *e, struct room_member *m)
{
	struct room_msg *q = m->q_head;

	e->queued_bytes -= m->q_bytes;
	m->q_head = m->q_tail = NULL;
	m->q_len = m->q_bytes = 0;
	return q;
}

static void queue_drop_oldest(struct room_engine *e, struct room_member *m)
{
	struct room_msg *old = m->q_head;

	m->q_head = old->next;
	if (!m->q_head)
		m->q_tail = NULL;
	m->q_len--;
	m->q_bytes -= old->len;
	e->queued_bytes -= old->len;
	free(old);
}

static void queue_free(struct room_msg *q)
{
	while (q) {
		struct room_msg *next = q->next;

		free(q);
		q = next;
	}
}

/* Queues a copy of a message for a disconnected member. The queue is
 * bounded by max_queued messages and max_queued_bytes of payload so that
 * a peer talking to a dropped connection cannot pin unbounded memory;
 * past either bound the OLDEST messages are dropped, keeping the latest
 * state (a client that missed some can renegotiate). A message larger
 * than max_queued_bytes on its own is not queued. */
int room_queue_push(struct room_engine *e, struct room_member *m, const char *from,
		    const char *payload, size_t len)
{
	struct room_msg *msg;

	if (len > SIZE_MAX - sizeof(*msg))
		return ROOM_E_NOMEM;
	if (len > e->cfg.max_queued_bytes)
		return ROOM_OK;
	msg = malloc(sizeof(*msg) + len);
	if (!msg)
		return ROOM_E_NOMEM;
	msg->next = NULL;
	/* from may be shorter than an id buffer (a member of another node). */
	snprintf(msg->from, sizeof(msg->from), "%s", from);
	msg->len = len;
	if (len)
		memcpy(msg->payload, payload, len);
	while (m->q_head && (m->q_len >= e->cfg.max_queued ||
			     m->q_bytes + len > e->cfg.max_queued_bytes))
		queue_drop_oldest(e, m);
	if (m->q_tail)
		m->q_tail->next = msg;
	else
		m->q_head = msg;
	m->q_tail = msg;
	m->q_len++;
	m->q_bytes += len;
	e->queued_bytes += len;
	return ROOM_OK;
}

/* Takes m out of its room (freeing the room when it empties) and frees
 * it with its queue; a connected member's peer is left out of any room. */
static void member_remove(struct room_engine *e, struct room_member *m)
{
	struct room *r = m->room;
	unsigned i = 0;

	if (m->peer)
		m->peer->member = NULL;
	else
		ghost_unlink(e, m);
	while (r->members[i] != m)
		i++;
	memmove(&r->members[i], &r->members[i + 1],
		(r->n_members - i - 1) * sizeof(r->members[0]));
	r->n_members--;
	e->n_members--;
	queue_free(queue_take(e, m));
	OPENSSL_cleanse(m->token, sizeof(m->token));
	free(m);
	if (!r->n_members)
		room_destroy(e, r);
}

/* ---- deliveries ---- */

/* s gets the room and subject ids, and the user ids of the other members
 * of m's room (all of them, ghosts included: they are still members). */
static void snap_take(struct room_snap *s, const struct room_member *m)
{
	const struct room *r = m->room;

	memcpy(s->room_id, r->id, sizeof(s->room_id));
	memcpy(s->user_id, m->user_id, sizeof(s->user_id));
	s->capacity = r->capacity;
	s->n = 0;
	for (unsigned i = 0; i < r->n_members; i++)
		if (r->members[i] != m)
			memcpy(s->others[s->n++], r->members[i]->user_id,
			       sizeof(s->others[0]));
}

/* Looks the receiver up again for every delivery, so a callback that
 * changed the room before cannot make us touch freed memory. Ghosts get
 * nothing (messages to them are queued before). */
static void deliver_to(struct room_engine *e, const char *room_id, const char *user_id,
		       const struct room_event *ev)
{
	struct room *r = room_find(e, room_id);
	struct room_member *m = r ? room_member_find(r, user_id) : NULL;

	if (m && m->peer && m->peer->deliver)
		m->peer->deliver(m->peer->ctx, ev);
}

static void deliver_others(struct room_engine *e, const struct room_snap *s,
			   const struct room_event *ev)
{
	for (size_t i = 0; i < s->n; i++)
		deliver_to(e, s->room_id, s->others[i], ev);
}

static void deliver_joined(struct room_engine *e, const struct room_snap *s,
			   const char *token, bool resumed)
{
	const char *peers[ROOM_CAPACITY_MAX];
	struct room_event ev = {
		.kind = ROOM_EV_JOINED,
		.room_id = s->room_id,
		.user_id = s->user_id,
		.user_num = (unsigned)s->n + 1,
		.capacity = s->capacity,
		.peers = peers,
		.n_peers = s->n,
		.resume_token = token,
		.resumed = resumed,
	};

	for (size_t i = 0; i < s->n; i++)
		peers[i] = s->others[i];
	deliver_to(e, s->room_id, s->user_id, &ev);
}

/* Delivers, in order, the messages queued for s->user_id, and frees them
 * (takes ownership of q). Should a callback disconnect the receiver
 * meanwhile, the rest are dropped, not queued again. */
static void deliver_queued(struct room_engine *e, const struct room_snap *s,
			   struct room_msg *q)
{
	while (q) {
		struct room_msg *next = q->next;
		struct room_event ev = {
			.kind = ROOM_EV_MESSAGE,
			.room_id = s->room_id,
			.user_id = q->from,
			.from = q->from,
			.payload = q->payload,
			.payload_len = q->len,
		};

		deliver_to(e, s->room_id, s->user_id, &ev);
		free(q);
		q = next;
	}
}

static void member_gone(struct room_engine *e, const struct room_snap *s)
{
	if (e->cfg.on_gone)
		e->cfg.on_gone(e->cfg.gone_ctx, s->room_id, s->user_id);
}

/* ---- engine and peers ---- */

void room_engine_configure(struct room_engine *e, unsigned capacity,
			   uint64_t resume_window_ms)
{
	e->cfg.capacity = capacity ? capacity : ROOM_DEFAULT_CAPACITY;
	if (e->cfg.capacity > ROOM_CAPACITY_MAX)
		e->cfg.capacity = ROOM_CAPACITY_MAX;
	e->cfg.resume_window_ms = resume_window_ms;
}

struct room_engine *room_engine_new(const struct room_config *cfg)
{
	struct room_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (cfg)
		e->cfg = *cfg;
	else
		e->cfg.resume_window_ms = ROOM_DEFAULT_RESUME_WINDOW_MS;
	if (!e->cfg.capacity)
		e->cfg.capacity = ROOM_DEFAULT_CAPACITY;
	if (e->cfg.capacity > ROOM_CAPACITY_MAX)
		e->cfg.capacity = ROOM_CAPACITY_MAX;
	if (!e->cfg.max_queued)
		e->cfg.max_queued = ROOM_DEFAULT_MAX_QUEUED;
	if (!e->cfg.max_queued_bytes)
		e->cfg.max_queued_bytes = ROOM_DEFAULT_MAX_QUEUED_BYTES;
	if (htable_init(&e->rooms, ROOM_INITIAL_BUCKETS))
		goto fail;
	return e;
fail:
	room_engine_free(e);
	return NULL;
}

void room_engine_free(struct room_engine *e)
{
	struct htable_iter it = { 0 };
	struct htable_node *n;

	if (!e)
		return;
	while (e->rooms.b && (n = htable_iter_next(&e->rooms, &it))) {
		struct room *r = HTABLE_ENTRY(n, struct room, node);

		for (unsigned j = 0; j < r->n_members; j++) {
			queue_free(r->members[j]->q_head);
			free(r->members[j]);
		}
		free(r);
	}
	while (e->peers) {
		struct room_peer *next = e->peers->next;

		free(e->peers);
		e->peers = next;
	}
	htable_fini(&e->rooms);
	free(e);
}

struct room_peer *room_peer_new(struct room_engine *e, room_deliver_fn deliver, void *ctx)
{
	struct room_peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->deliver = deliver;
	p->ctx = ctx;
	p->next = e->peers;
	if (e->peers)
		e->peers->prev = p;
	e->peers = p;
	return p;
}

void room_peer_disconnect(struct room_engine *e, struct room_peer *p, uint64_t now_ms)
{
	struct room_member *m;

	if (!p)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		e->peers = p->next;
	if (p->next)
		p->next->prev = p->prev;
	m = p->member;
	if (m) {
		m->peer = NULL;
		m->disconnected_at_ms = now_ms;
		ghost_link(e, m);
	}
	free(p);
}

/* ---- the operations ---- */

/* Takes back the slot of the member holding token in room_id. A member
 * still connected (its old connection not yet noticed dead) is taken over:
 * the old handle is detached, gets no more events, and its later
 * disconnect touches nothing. The token is single-use: a new one goes out
 * in JOINED. */
static int join_resume(struct room_engine *e, struct room_peer *p, const char *room_id,
		       const char *token, uint64_t now_ms)
{
	struct room *r = room_find(e, room_id);
	struct room_member *m = r ? member_by_token(r, token) : NULL;
	char new_token[ROOM_TOKEN_LEN + 1];
	struct room_snap s;
	struct room_msg *q;

	/* An expired ghost the tick has not swept yet is gone all the same
	 * (with a zero window, every ghost is). */
	if (!m || (!m->peer && ghost_expired(e, m, now_ms)))
		return ROOM_E_BAD_RESUME;
	if (!room_random_hex(new_token, ROOM_TOKEN_LEN / 2))
		return ROOM_E_NOMEM;
	if (m->peer)
		m->peer->member = NULL;
	else
		ghost_unlink(e, m);
	m->peer = p;
	p->member = m;
	memcpy(m->token, new_token, sizeof(m->token));
	q = queue_take(e, m);
	snap_take(&s, m);
	deliver_joined(e, &s, new_token, true);
	deliver_queued(e, &s, q);
	OPENSSL_cleanse(new_token, sizeof(new_token));
	return ROOM_OK;
}

/* A new member: its id random, or o->user_id when the caller decided it
 * (a cluster node registers the id in Redis before joining here). */
int room_join_fresh(struct room_engine *e, struct room_peer *p, const char *room_id,
		    const struct room_join_opts *o)
{
	struct room *r = room_find(e, room_id);
	unsigned cap = e->cfg.external_capacity ? ROOM_CAPACITY_MAX
		       : r                      ? r->capacity
						: e->cfg.capacity;
	char token[ROOM_TOKEN_LEN + 1];
	struct room_event ev = { .kind = ROOM_EV_OTHER_JOINED };
	struct room_member *m;
	struct room_snap s;

	/* Ghosts count: they are members until their window closes. */
	if (r && r->n_members >= cap)
		return ROOM_E_FULL;
	if (o && o->user_id &&
	    (strlen(o->user_id) > ROOM_USER_ID_LEN ||
	     (r && room_member_find(r, o->user_id))))
		return ROOM_E_ALREADY_IN_ROOM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ROOM_E_NOMEM;
	/* 128 random bits: collisions are not worth a check. A CSPRNG
	 * failure is reported as NOMEM, the only "resources" code we have. */
	if (o && o->user_id) {
		strcpy(m->user_id, o->user_id);
	} else if (p->user_id[0]) {
		memcpy(m->user_id, p->user_id, sizeof(m->user_id));
	} else if (!room_random_hex(m->user_id, ROOM_USER_ID_LEN / 2)) {
		free(m);
		return ROOM_E_NOMEM;
	}
	if (!room_random_hex(m->token, ROOM_TOKEN_LEN / 2) ||
	    (!r && !(r = room_create(e, room_id)))) {
		free(m);
		return ROOM_E_NOMEM;
	}
	m->room = r;
	m->peer = p;
	p->member = m;
	r->members[r->n_members++] = m;
	e->n_members++;
	memcpy(token, m->token, sizeof(token));
	snap_take(&s, m);
	deliver_joined(e, &s, token, false);
	OPENSSL_cleanse(token, sizeof(token));
	if (o && o->silent)
		return ROOM_OK;
	ev.room_id = s.room_id;
	ev.user_id = s.user_id;
	deliver_others(e, &s, &ev);
	return ROOM_OK;
}

/* A resume_token of NULL means a plain join; any other string, even
 * empty, is a resume attempt. */
int room_join(struct room_engine *e, struct room_peer *p, const char *room_id,
	      const char *resume_token, uint64_t now_ms)
{
	if (!room_id_valid(room_id))
		return ROOM_E_BAD_ROOM_ID;
	if (p->member)
		return ROOM_E_ALREADY_IN_ROOM;
	if (resume_token)
		return join_resume(e, p, room_id, resume_token, now_ms);
	return room_join_fresh(e, p, room_id, NULL);
}

int room_leave(struct room_engine *e, struct room_peer *p)
{
	struct room_snap s;
	struct room_event ev = { .kind = ROOM_EV_LEAVED };

	if (!p->member)
		return ROOM_E_NOT_IN_ROOM;
	snap_take(&s, p->member);
	member_remove(e, p->member);
	ev.room_id = s.room_id;
	if (p->deliver)
		p->deliver(p->ctx, &ev);
	/* p may be gone now: only the snapshot is used below. */
	ev.kind = ROOM_EV_BYE;
	ev.user_id = s.user_id;
	deliver_others(e, &s, &ev);
	member_gone(e, &s);
	return ROOM_OK;
}

int room_send(struct room_engine *e, struct room_peer *p, const char *to,
	      const char *payload, size_t len)
{
	struct room_member *m = p->member, *target = NULL;
	struct room_event ev = { .kind = ROOM_EV_MESSAGE };
	struct room_snap s;
	struct room *r;
	int rc = ROOM_OK;

	if (!m)
		return ROOM_E_NOT_IN_ROOM;
	r = m->room;
	if (to) {
		target = room_member_find(r, to);
		if (!target || target == m)
			return ROOM_E_NO_SUCH_PEER;
	}
	memcpy(s.room_id, r->id, sizeof(s.room_id));
	memcpy(s.user_id, m->user_id, sizeof(s.user_id));
	s.n = 0;
	/* Queue for ghosts first, while the room is as the sender saw it;
	 * then deliver to the connected ones. */
	for (unsigned i = 0; i < r->n_members; i++) {
		struct room_member *x = r->members[i];

		if (x == m || (target && x != target))
			continue;
		if (x->peer)
			memcpy(s.others[s.n++], x->user_id, sizeof(s.others[0]));
		else if (room_queue_push(e, x, m->user_id, payload, len))
			rc = ROOM_E_NOMEM;
	}
	ev.room_id = s.room_id;
	ev.user_id = s.user_id;
	ev.from = s.user_id;
	ev.payload = payload;
	ev.payload_len = len;
	deliver_others(e, &s, &ev);
	return rc;
}

int room_relay(struct room_engine *e, struct room_peer *p, const char *event,
	       const char *payload, size_t len, const struct room_blob *blobs,
	       size_t n_blobs)
{
	struct room_event ev = { .kind = ROOM_EV_RELAY };
	struct room_snap s;

	if (!p->member)
		return ROOM_E_NOT_IN_ROOM;
	snap_take(&s, p->member);
	ev.room_id = s.room_id;
	ev.user_id = s.user_id;
	ev.from = s.user_id;
	ev.event = event;
	ev.payload = payload;
	ev.payload_len = len;
	ev.blobs = blobs;
	ev.n_blobs = n_blobs;
	/* deliver_to skips ghosts: a relayed event is not queued. */
	deliver_others(e, &s, &ev);
	return ROOM_OK;
}

int room_check(const struct room_engine *e, const char *room_id, unsigned *user_num,
	       unsigned *capacity)
{
	const struct room *r;

	if (!room_id_valid(room_id))
		return ROOM_E_BAD_ROOM_ID;
	r = room_find(e, room_id);
	if (user_num)
		*user_num = r ? r->n_members : 0;
	if (capacity)
		*capacity = r ? r->capacity : e->cfg.capacity;
	return ROOM_OK;
}

/* A disconnected member is really gone: BYE to the others, on_gone. */
static void ghost_end(struct room_engine *e, struct room_member *m)
{
	struct room_snap s;
	struct room_event ev = { .kind = ROOM_EV_BYE };

	snap_take(&s, m);
	member_remove(e, m);
	ev.room_id = s.room_id;
	ev.user_id = s.user_id;
	deliver_others(e, &s, &ev);
	member_gone(e, &s);
}

/* Closes the resume windows that ended: the member is really gone now. */
void room_engine_tick(struct room_engine *e, uint64_t now_ms)
{
	struct room_member *m;

	while ((m = e->ghost_head) && ghost_expired(e, m, now_ms))
		ghost_end(e, m);
}

size_t room_engine_queued_bytes(const struct room_engine *e)
{
	return e->queued_bytes;
}

/* A scan of the ghosts: only run when memory is over its budget. */
size_t room_engine_end_largest_ghost(struct room_engine *e, size_t min_bytes)
{
	struct room_member *big = NULL;
	size_t bytes;

	for (struct room_member *m = e->ghost_head; m; m = m->ghost_next)
		if (m->q_bytes >= min_bytes && m->q_bytes &&
		    (!big || m->q_bytes > big->q_bytes))
			big = m;
	if (!big)
		return 0;
	bytes = big->q_bytes;
	ghost_end(e, big);
	return bytes;
}

const char *room_peer_room(const struct room_peer *p)
{
	return p && p->member ? p->member->room->id : NULL;
}

const char *room_peer_user_id(const struct room_peer *p)
{
	return p && p->member ? p->member->user_id : NULL;
}

size_t room_engine_room_count(const struct room_engine *e)
{
	return htable_count(&e->rooms);
}

size_t room_engine_member_count(const struct room_engine *e)
{
	return e->n_members;
}

void room_engine_each_member(const struct room_engine *e,
			     void (*fn)(const char *room_id, const char *user_id,
					bool connected, void *arg),
			     void *arg)
{
	struct htable_iter it = { 0 };
	struct htable_node *n;

	while ((n = htable_iter_next(&e->rooms, &it))) {
		const struct room *r = HTABLE_ENTRY(n, struct room, node);

		for (unsigned i = 0; i < r->n_members; i++)
			fn(r->id, r->members[i]->user_id, r->members[i]->peer != NULL,
			   arg);
	}
}
