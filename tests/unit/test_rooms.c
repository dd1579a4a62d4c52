/* signaling/rooms: the room engine driven directly, with a recording deliver
 * callback and a fake clock. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rooms/rooms.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_EVENTS 256
#define MAX_CLIENTS 8
#define WINDOW 1000

/* One delivered event, copied out of the borrowed room_event. */
struct rec_ev {
	enum room_event_kind kind;
	int who; /* receiving client */
	char room_id[ROOM_ID_MAX + 1];
	char user_id[ROOM_USER_ID_LEN + 1];
	char from[ROOM_USER_ID_LEN + 1];
	char token[ROOM_TOKEN_LEN + 1];
	char payload[64];
	size_t payload_len;
	unsigned user_num, capacity;
	size_t n_peers;
	char peers[MAX_CLIENTS][ROOM_USER_ID_LEN + 1];
	bool resumed;
};

struct fx;

struct client {
	struct fx *f;
	int id;
	struct room_peer *p;
	/* Re-entrancy probes: what this client's callback does to the engine. */
	bool disconnect_on_message, leave_on_bye;
};

struct fx {
	struct room_engine *e;
	struct rec_ev ev[MAX_EVENTS];
	size_t n_ev;
	char gone_room[8][ROOM_ID_MAX + 1], gone_user[8][ROOM_USER_ID_LEN + 1];
	size_t n_gone;
	struct client c[MAX_CLIENTS];
	uint64_t now;
};

static void copy_str(char *dst, size_t size, const char *src)
{
	dst[0] = '\0';
	if (src)
		snprintf(dst, size, "%s", src);
}

static void record(void *ctx, const struct room_event *ev)
{
	struct client *c = ctx;
	struct fx *f = c->f;
	struct rec_ev *r;

	if (f->n_ev < MAX_EVENTS) {
		r = &f->ev[f->n_ev++];
		memset(r, 0, sizeof(*r));
		r->kind = ev->kind;
		r->who = c->id;
		copy_str(r->room_id, sizeof(r->room_id), ev->room_id);
		copy_str(r->user_id, sizeof(r->user_id), ev->user_id);
		copy_str(r->from, sizeof(r->from), ev->from);
		copy_str(r->token, sizeof(r->token), ev->resume_token);
		r->payload_len = ev->payload_len;
		if (ev->payload_len && ev->payload_len <= sizeof(r->payload))
			memcpy(r->payload, ev->payload, ev->payload_len);
		r->user_num = ev->user_num;
		r->capacity = ev->capacity;
		r->n_peers = ev->n_peers;
		for (size_t i = 0; i < ev->n_peers && i < MAX_CLIENTS; i++)
			copy_str(r->peers[i], sizeof(r->peers[i]), ev->peers[i]);
		r->resumed = ev->resumed;
	}
	if (ev->kind == ROOM_EV_MESSAGE && c->disconnect_on_message && c->p) {
		room_peer_disconnect(f->e, c->p, f->now);
		c->p = NULL;
	}
	if (ev->kind == ROOM_EV_BYE && c->leave_on_bye && c->p)
		room_leave(f->e, c->p);
}

static void record_gone(void *ctx, const char *room_id, const char *user_id)
{
	struct fx *f = ctx;

	if (f->n_gone < NROWS(f->gone_room)) {
		copy_str(f->gone_room[f->n_gone], sizeof(f->gone_room[0]), room_id);
		copy_str(f->gone_user[f->n_gone], sizeof(f->gone_user[0]), user_id);
		f->n_gone++;
	}
}

/* A fixture with clients 0..n-1, each with a peer handle; resume queues
 * of at most max_queued_bytes (0: the default). */
static struct fx *fx_new_bytes(unsigned capacity, size_t max_queued,
			       size_t max_queued_bytes, int n)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct room_config cfg = {
		.capacity = capacity,
		.resume_window_ms = WINDOW,
		.max_queued = max_queued,
		.max_queued_bytes = max_queued_bytes,
		.on_gone = record_gone,
	};

	cfg.gone_ctx = f;
	f->e = room_engine_new(&cfg);
	for (int i = 0; i < n; i++) {
		f->c[i].f = f;
		f->c[i].id = i;
		f->c[i].p = room_peer_new(f->e, record, &f->c[i]);
	}
	return f;
}

static struct fx *fx_new(unsigned capacity, size_t max_queued, int n)
{
	return fx_new_bytes(capacity, max_queued, 0, n);
}

static void fx_free(struct fx *f)
{
	room_engine_free(f->e); /* frees the peer handles still live */
	free(f);
}

/* A new handle for client i (its old one is disconnected by the caller). */
static struct room_peer *fx_reconnect(struct fx *f, int i)
{
	f->c[i].p = room_peer_new(f->e, record, &f->c[i]);
	return f->c[i].p;
}

static void fx_disconnect(struct fx *f, int i)
{
	room_peer_disconnect(f->e, f->c[i].p, f->now);
	f->c[i].p = NULL;
}

static size_t count(const struct fx *f, int kind, int who)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_ev; i++)
		if ((kind < 0 || f->ev[i].kind == (enum room_event_kind)kind) &&
		    (who < 0 || f->ev[i].who == who))
			n++;
	return n;
}

/* The last event of that kind to that client, or NULL. */
static const struct rec_ev *last(const struct fx *f, enum room_event_kind kind, int who)
{
	for (size_t i = f->n_ev; i-- > 0;)
		if (f->ev[i].kind == kind && f->ev[i].who == who)
			return &f->ev[i];
	return NULL;
}

static const char *uid(const struct fx *f, int i)
{
	return room_peer_user_id(f->c[i].p);
}

static bool is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void test_room_id_valid(void)
{
	char max[ROOM_ID_MAX + 2];
	static const char *bad[] = {
		"",     " ",   "a b",    "a/b", "../x", "caf\xc3\xa9",
		"a\tb", "a:b", "room?x", "%2e", "a+b",
	};
	struct fx *f = fx_new(0, 0, 1);

	memset(max, 'x', ROOM_ID_MAX);
	max[ROOM_ID_MAX] = '\0';
	CHECK(room_id_valid(max));
	CHECK(room_id_valid("a.b_c-D9"));
	CHECK(room_id_valid("a"));
	CHECK(!room_id_valid(NULL));
	for (size_t i = 0; i < NROWS(bad); i++) {
		if (room_id_valid(bad[i])) {
			fprintf(stderr, "  \"%s\" accepted\n", bad[i]);
			harness_failed_checks++;
		}
		CHECK_EQ_INT(room_join(f->e, f->c[0].p, bad[i], NULL, 0),
			     ROOM_E_BAD_ROOM_ID);
	}
	max[ROOM_ID_MAX] = 'x';
	max[ROOM_ID_MAX + 1] = '\0';
	CHECK(!room_id_valid(max));
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, max, NULL, 0), ROOM_E_BAD_ROOM_ID);
	CHECK_EQ_INT(room_engine_room_count(f->e), 0);
	CHECK_EQ_INT(f->n_ev, 0);
	max[ROOM_ID_MAX] = '\0';
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, max, NULL, 0), ROOM_OK);
	CHECK_STR(room_peer_room(f->c[0].p), max);
	CHECK_EQ_INT(room_leave(f->e, f->c[0].p), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "a.b_c-D9", NULL, 0), ROOM_OK);
	fx_free(f);
}

static void test_join_fields(void)
{
	struct fx *f = fx_new(0, 0, 2);
	const struct rec_ev *ev;

	CHECK(room_peer_room(f->c[0].p) == NULL);
	CHECK(room_peer_user_id(f->c[0].p) == NULL);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r1", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(f->n_ev, 1);
	ev = last(f, ROOM_EV_JOINED, 0);
	REQUIRE_OR_GOTO(ev != NULL, out);
	CHECK_STR(ev->room_id, "r1");
	CHECK_STR(ev->user_id, uid(f, 0));
	CHECK(is_hex(ev->user_id, ROOM_USER_ID_LEN));
	CHECK(is_hex(ev->token, ROOM_TOKEN_LEN));
	CHECK_EQ_INT(ev->user_num, 1);
	CHECK_EQ_INT(ev->capacity, 2);
	CHECK_EQ_INT(ev->n_peers, 0);
	CHECK(!ev->resumed);
	CHECK_STR(room_peer_room(f->c[0].p), "r1");

	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r1", NULL, 0), ROOM_OK);
	ev = last(f, ROOM_EV_JOINED, 1);
	REQUIRE_OR_GOTO(ev != NULL, out);
	CHECK_EQ_INT(ev->user_num, 2);
	CHECK_EQ_INT(ev->n_peers, 1);
	CHECK_STR(ev->peers[0], uid(f, 0));
	CHECK(strcmp(uid(f, 0), uid(f, 1)) != 0);
	ev = last(f, ROOM_EV_OTHER_JOINED, 0);
	CHECK(ev != NULL);
	if (ev) {
		CHECK_STR(ev->room_id, "r1");
		CHECK_STR(ev->user_id, uid(f, 1));
	}
	CHECK_EQ_INT(count(f, ROOM_EV_JOINED, 0), 1);
	CHECK_EQ_INT(count(f, ROOM_EV_OTHER_JOINED, 1), 0);
	CHECK_EQ_INT(f->n_ev, 3);
	CHECK_EQ_INT(room_engine_room_count(f->e), 1);
	CHECK_EQ_INT(room_engine_member_count(f->e), 2);
out:
	fx_free(f);
}

static void test_full(void)
{
	struct fx *f = fx_new(0, 0, 3);
	unsigned n = 0, cap = 0;

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	f->n_ev = 0;
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r", NULL, 0), ROOM_E_FULL);
	CHECK_EQ_INT(f->n_ev, 0);
	CHECK(room_peer_room(f->c[2].p) == NULL);
	CHECK_EQ_INT(room_check(f->e, "r", &n, &cap), ROOM_OK);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(cap, 2);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "other", NULL, 0), ROOM_OK);
	fx_free(f);

	f = fx_new(3, 0, 4);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(room_join(f->e, f->c[i].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(last(f, ROOM_EV_JOINED, 2)->user_num, 3);
	CHECK_EQ_INT(last(f, ROOM_EV_JOINED, 2)->capacity, 3);
	CHECK_EQ_INT(last(f, ROOM_EV_JOINED, 2)->n_peers, 2);
	CHECK_EQ_INT(count(f, ROOM_EV_OTHER_JOINED, 0), 2);
	CHECK_EQ_INT(room_join(f->e, f->c[3].p, "r", NULL, 0), ROOM_E_FULL);
	fx_free(f);
}

static void test_already_in_room(void)
{
	struct fx *f = fx_new(3, 0, 2);

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_E_ALREADY_IN_ROOM);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r2", NULL, 0), ROOM_E_ALREADY_IN_ROOM);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", last(f, ROOM_EV_JOINED, 0)->token,
			       0),
		     ROOM_E_ALREADY_IN_ROOM);
	CHECK_EQ_INT(room_engine_member_count(f->e), 1);
	CHECK_EQ_INT(room_engine_room_count(f->e), 1);
	CHECK_EQ_INT(count(f, -1, 0), 1);
	fx_free(f);
}

static void test_message(void)
{
	static const char payload[] = "hi\0the\xffre"; /* embedded NUL and 0xff */
	struct fx *f = fx_new(3, 0, 4);
	const struct rec_ev *ev;
	char self[ROOM_USER_ID_LEN + 1];

	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(room_join(f->e, f->c[i].p, "r", NULL, 0), ROOM_OK);
	f->n_ev = 0;
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, payload, sizeof(payload)), ROOM_OK);
	CHECK_EQ_INT(f->n_ev, 2);
	CHECK_EQ_INT(count(f, ROOM_EV_MESSAGE, 0), 0);
	for (int i = 1; i < 3; i++) {
		ev = last(f, ROOM_EV_MESSAGE, i);
		CHECK(ev != NULL);
		if (!ev)
			continue;
		CHECK_STR(ev->from, uid(f, 0));
		CHECK_STR(ev->room_id, "r");
		CHECK_EQ_INT(ev->payload_len, sizeof(payload));
		CHECK(!memcmp(ev->payload, payload, sizeof(payload)));
	}

	f->n_ev = 0;
	CHECK_EQ_INT(room_send(f->e, f->c[1].p, uid(f, 2), "x", 1), ROOM_OK);
	CHECK_EQ_INT(f->n_ev, 1);
	CHECK_EQ_INT(count(f, ROOM_EV_MESSAGE, 2), 1);
	CHECK_STR(last(f, ROOM_EV_MESSAGE, 2)->from, uid(f, 1));
	CHECK_EQ_INT(room_send(f->e, f->c[1].p, NULL, NULL, 0), ROOM_OK);
	CHECK_EQ_INT(last(f, ROOM_EV_MESSAGE, 0)->payload_len, 0);

	f->n_ev = 0;
	snprintf(self, sizeof(self), "%s", uid(f, 0));
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, self, "x", 1), ROOM_E_NO_SUCH_PEER);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, "0123456789abcdef0123456789abcdef", "x",
			       1),
		     ROOM_E_NO_SUCH_PEER);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, "", "x", 1), ROOM_E_NO_SUCH_PEER);
	CHECK_EQ_INT(room_send(f->e, f->c[3].p, NULL, "x", 1), ROOM_E_NOT_IN_ROOM);
	CHECK_EQ_INT(room_send(f->e, f->c[3].p, self, "x", 1), ROOM_E_NOT_IN_ROOM);
	/* A user id of another room is no peer of this one. */
	CHECK_EQ_INT(room_join(f->e, f->c[3].p, "elsewhere", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, uid(f, 3), "x", 1), ROOM_E_NO_SUCH_PEER);
	CHECK_EQ_INT(count(f, ROOM_EV_MESSAGE, -1), 0);
	fx_free(f);
}

static void test_leave(void)
{
	struct fx *f = fx_new(0, 0, 2);
	char a[ROOM_USER_ID_LEN + 1];
	const struct rec_ev *ev;

	CHECK_EQ_INT(room_leave(f->e, f->c[0].p), ROOM_E_NOT_IN_ROOM);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	snprintf(a, sizeof(a), "%s", uid(f, 0));
	f->n_ev = 0;
	CHECK_EQ_INT(room_leave(f->e, f->c[0].p), ROOM_OK);
	CHECK_EQ_INT(f->n_ev, 2);
	ev = last(f, ROOM_EV_LEAVED, 0);
	CHECK(ev && !strcmp(ev->room_id, "r"));
	ev = last(f, ROOM_EV_BYE, 1);
	CHECK(ev != NULL);
	if (ev) {
		CHECK_STR(ev->room_id, "r");
		CHECK_STR(ev->user_id, a);
	}
	CHECK_EQ_INT(f->n_gone, 1);
	CHECK_STR(f->gone_room[0], "r");
	CHECK_STR(f->gone_user[0], a);
	CHECK(room_peer_room(f->c[0].p) == NULL);
	CHECK_EQ_INT(room_leave(f->e, f->c[0].p), ROOM_E_NOT_IN_ROOM);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "x", 1), ROOM_E_NOT_IN_ROOM);
	CHECK_EQ_INT(room_engine_room_count(f->e), 1);
	CHECK_EQ_INT(room_engine_member_count(f->e), 1);

	/* The last one out frees the room. */
	CHECK_EQ_INT(room_leave(f->e, f->c[1].p), ROOM_OK);
	CHECK_EQ_INT(room_engine_room_count(f->e), 0);
	CHECK_EQ_INT(room_engine_member_count(f->e), 0);
	CHECK_EQ_INT(f->n_gone, 2);
	/* A fresh join gets a fresh user id. */
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK(strcmp(uid(f, 0), a) != 0);
	CHECK_EQ_INT(last(f, ROOM_EV_JOINED, 0)->user_num, 1);
	fx_free(f);
}

static void test_disconnect_window(void)
{
	struct fx *f = fx_new(3, 0, 4);
	char b[ROOM_USER_ID_LEN + 1];
	unsigned n;

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	snprintf(b, sizeof(b), "%s", uid(f, 1));
	f->now = 100;
	fx_disconnect(f, 1);
	/* A peer never in a room disconnects quietly. */
	fx_disconnect(f, 3);
	CHECK_EQ_INT(room_engine_member_count(f->e), 2);
	/* The ghost is still a member: counted, listed to a newcomer. */
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r", NULL, 200), ROOM_OK);
	CHECK_EQ_INT(last(f, ROOM_EV_JOINED, 2)->user_num, 3);
	CHECK_EQ_INT(last(f, ROOM_EV_JOINED, 2)->n_peers, 2);
	f->n_ev = 0;
	room_engine_tick(f->e, 100 + WINDOW - 1);
	CHECK_EQ_INT(f->n_ev, 0);
	CHECK_EQ_INT(f->n_gone, 0);
	room_engine_tick(f->e, 100 + WINDOW);
	CHECK_EQ_INT(count(f, ROOM_EV_BYE, 0), 1);
	CHECK_EQ_INT(count(f, ROOM_EV_BYE, 2), 1);
	CHECK_EQ_INT(f->n_ev, 2);
	CHECK_STR(last(f, ROOM_EV_BYE, 0)->user_id, b);
	CHECK_EQ_INT(f->n_gone, 1);
	CHECK_STR(f->gone_user[0], b);
	CHECK_EQ_INT(room_check(f->e, "r", &n, NULL), ROOM_OK);
	CHECK_EQ_INT(n, 2);
	room_engine_tick(f->e, 100000);
	CHECK_EQ_INT(f->n_ev, 2);

	/* Everyone disconnects: the room lives until the last window ends. */
	f->now = 5000;
	fx_disconnect(f, 0);
	f->now = 5500;
	fx_disconnect(f, 2);
	room_engine_tick(f->e, 6000);
	CHECK_EQ_INT(room_engine_member_count(f->e), 1);
	CHECK_EQ_INT(room_engine_room_count(f->e), 1);
	room_engine_tick(f->e, 6500);
	CHECK_EQ_INT(room_engine_member_count(f->e), 0);
	CHECK_EQ_INT(room_engine_room_count(f->e), 0);
	CHECK_EQ_INT(f->n_gone, 3);
	fx_free(f);
}

static void test_resume(void)
{
	struct fx *f = fx_new(0, 0, 3);
	char b[ROOM_USER_ID_LEN + 1], tok[ROOM_TOKEN_LEN + 1], tok2[ROOM_TOKEN_LEN + 1];
	const struct rec_ev *ev;
	size_t first;

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	snprintf(b, sizeof(b), "%s", uid(f, 1));
	snprintf(tok, sizeof(tok), "%s", last(f, ROOM_EV_JOINED, 1)->token);
	f->now = 100;
	fx_disconnect(f, 1);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, b, "m1", 2), ROOM_OK);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, b, "m2", 2), ROOM_OK);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "m3", 2), ROOM_OK);
	f->n_ev = 0;
	fx_reconnect(f, 1);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", tok, 100 + WINDOW - 1), ROOM_OK);
	CHECK_STR(uid(f, 1), b);
	CHECK_EQ_INT(f->n_ev, 4);
	ev = &f->ev[0];
	CHECK_EQ_INT(ev->kind, ROOM_EV_JOINED);
	CHECK_EQ_INT(ev->who, 1);
	CHECK(ev->resumed);
	CHECK_STR(ev->user_id, b);
	CHECK_EQ_INT(ev->user_num, 2);
	CHECK_EQ_INT(ev->n_peers, 1);
	CHECK_STR(ev->peers[0], uid(f, 0));
	CHECK(is_hex(ev->token, ROOM_TOKEN_LEN));
	CHECK(strcmp(ev->token, tok) != 0);
	snprintf(tok2, sizeof(tok2), "%s", ev->token);
	for (int i = 1; i <= 3; i++) {
		char want[3] = { 'm', (char)('0' + i), '\0' };

		CHECK_EQ_INT(f->ev[i].kind, ROOM_EV_MESSAGE);
		CHECK_EQ_INT(f->ev[i].who, 1);
		CHECK_STR(f->ev[i].from, uid(f, 0));
		CHECK_EQ_INT(f->ev[i].payload_len, 2);
		CHECK(!memcmp(f->ev[i].payload, want, 2));
	}
	CHECK_EQ_INT(count(f, -1, 0), 0); /* no otherjoined, no bye */
	room_engine_tick(f->e, 100000);
	CHECK_EQ_INT(count(f, -1, -1), 4);
	CHECK_EQ_INT(f->n_gone, 0);

	/* The old token was single-use; the new one works once. */
	first = f->n_ev;
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r", tok, 100000), ROOM_E_BAD_RESUME);
	f->now = 200000;
	fx_disconnect(f, 1);
	fx_reconnect(f, 1);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", tok, 200001), ROOM_E_BAD_RESUME);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", tok2, 200001), ROOM_OK);
	CHECK_STR(uid(f, 1), b);
	CHECK_EQ_INT(count(f, ROOM_EV_MESSAGE, 1), 3); /* nothing queued this time */
	CHECK_EQ_INT(f->n_ev, first + 1);
	fx_free(f);
}

static void test_resume_after_window(void)
{
	struct fx *f = fx_new(0, 0, 2);
	char tok[ROOM_TOKEN_LEN + 1];

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	snprintf(tok, sizeof(tok), "%s", last(f, ROOM_EV_JOINED, 1)->token);
	fx_disconnect(f, 1);
	fx_reconnect(f, 1);
	/* The window is over even before the tick sweeps the ghost. */
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", tok, WINDOW), ROOM_E_BAD_RESUME);
	room_engine_tick(f->e, WINDOW);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", tok, WINDOW), ROOM_E_BAD_RESUME);
	CHECK(room_peer_room(f->c[1].p) == NULL);
	CHECK_EQ_INT(room_engine_member_count(f->e), 1);
	fx_free(f);
}

static void count_deliver(void *ctx, const struct room_event *ev)
{
	(*(size_t *)ctx)++;
}

/* resume-window=0 turns resume off: the ghost goes at the next tick. */
static void test_zero_window(void)
{
	struct room_config cfg = { .resume_window_ms = 0 };
	struct room_engine *e = room_engine_new(&cfg);
	size_t n = 0;
	struct room_peer *a = room_peer_new(e, count_deliver, &n);
	struct room_peer *b = room_peer_new(e, count_deliver, &n);

	CHECK_EQ_INT(room_join(e, a, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(e, b, "r", NULL, 0), ROOM_OK);
	room_peer_disconnect(e, a, 50);
	CHECK_EQ_INT(room_join(e, room_peer_new(e, count_deliver, &n), "r", NULL, 50),
		     ROOM_E_FULL);
	CHECK_EQ_INT(room_engine_member_count(e), 2);
	room_engine_tick(e, 50);
	CHECK_EQ_INT(room_engine_member_count(e), 1);
	CHECK_EQ_INT(n, 4); /* 2 joined, 1 otherjoined, 1 bye */
	CHECK(room_peer_room(b) != NULL);
	room_engine_free(e);
}

static void test_resume_own_ghost_not_full(void)
{
	struct fx *f = fx_new(0, 0, 3);
	char tok[ROOM_TOKEN_LEN + 1];

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	snprintf(tok, sizeof(tok), "%s", last(f, ROOM_EV_JOINED, 1)->token);
	fx_disconnect(f, 1);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r", NULL, 10), ROOM_E_FULL);
	fx_reconnect(f, 1);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", tok, 10), ROOM_OK);
	CHECK_EQ_INT(room_engine_member_count(f->e), 2);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r", NULL, 10), ROOM_E_FULL);
	fx_free(f);
}

static void test_resume_bad_tokens(void)
{
	struct fx *f = fx_new(0, 0, 3);
	char tok[ROOM_TOKEN_LEN + 1], wrong[ROOM_TOKEN_LEN + 1];

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r1", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r2", NULL, 0), ROOM_OK);
	snprintf(tok, sizeof(tok), "%s", last(f, ROOM_EV_JOINED, 1)->token);
	fx_disconnect(f, 1);
	/* Another room's token, a room that does not exist, malformed ones. */
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r1", tok, 1), ROOM_E_BAD_RESUME);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "nowhere", tok, 1), ROOM_E_BAD_RESUME);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r2", "", 1), ROOM_E_BAD_RESUME);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r2", "abc", 1), ROOM_E_BAD_RESUME);
	snprintf(wrong, sizeof(wrong), "%s", tok);
	wrong[ROOM_TOKEN_LEN - 1] = wrong[ROOM_TOKEN_LEN - 1] == '0' ? '1' : '0';
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r2", wrong, 1), ROOM_E_BAD_RESUME);
	CHECK_EQ_INT(room_engine_room_count(f->e), 2); /* "nowhere" not created */
	CHECK(room_peer_room(f->c[2].p) == NULL);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r2", tok, 1), ROOM_OK);
	fx_free(f);
}

/* The old connection is not yet noticed dead when the client comes back. */
static void test_resume_takeover(void)
{
	struct fx *f = fx_new(0, 0, 3);
	struct room_peer *old;
	char tok[ROOM_TOKEN_LEN + 1], b[ROOM_USER_ID_LEN + 1];

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	snprintf(tok, sizeof(tok), "%s", last(f, ROOM_EV_JOINED, 1)->token);
	snprintf(b, sizeof(b), "%s", uid(f, 1));
	old = f->c[1].p;
	f->n_ev = 0;
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r", tok, 5), ROOM_OK);
	CHECK_STR(uid(f, 2), b);
	CHECK(last(f, ROOM_EV_JOINED, 2) && last(f, ROOM_EV_JOINED, 2)->resumed);
	CHECK(room_peer_room(old) == NULL);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "x", 1), ROOM_OK);
	CHECK_EQ_INT(count(f, ROOM_EV_MESSAGE, 2), 1);
	CHECK_EQ_INT(count(f, -1, 1), 0);
	CHECK_EQ_INT(room_send(f->e, old, NULL, "x", 1), ROOM_E_NOT_IN_ROOM);
	/* Its late disconnect leaves the member alone. */
	room_peer_disconnect(f->e, old, 6);
	f->c[1].p = NULL;
	room_engine_tick(f->e, 100000);
	CHECK_EQ_INT(room_engine_member_count(f->e), 2);
	CHECK_EQ_INT(count(f, -1, 0), 0);
	CHECK_EQ_INT(f->n_gone, 0);
	fx_free(f);
}

static void test_max_queued(void)
{
	struct fx *f = fx_new(0, 3, 2);
	char tok[ROOM_TOKEN_LEN + 1];

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	snprintf(tok, sizeof(tok), "%s", last(f, ROOM_EV_JOINED, 1)->token);
	fx_disconnect(f, 1);
	for (char i = '1'; i <= '5'; i++)
		CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, &i, 1), ROOM_OK);
	f->n_ev = 0;
	fx_reconnect(f, 1);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", tok, 1), ROOM_OK);
	CHECK_EQ_INT(f->n_ev, 4);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(f->ev[1 + i].payload[0], '3' + i);
	fx_free(f);
}

/* A departed member's queue holds at most max_queued_bytes of payload:
 * the oldest go first, a message larger than the cap is not kept, and the
 * engine's total follows. */
static void test_max_queued_bytes(void)
{
	struct fx *f = fx_new_bytes(0, 100, 10, 2);
	char tok[ROOM_TOKEN_LEN + 1];
	char big[11] = "0123456789";

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	snprintf(tok, sizeof(tok), "%s", last(f, ROOM_EV_JOINED, 1)->token);
	fx_disconnect(f, 1);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "aaaa", 4), ROOM_OK);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "bbbb", 4), ROOM_OK);
	CHECK_EQ_INT(room_engine_queued_bytes(f->e), 8);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "cccc", 4), ROOM_OK);
	CHECK_EQ_INT(room_engine_queued_bytes(f->e), 8); /* aaaa dropped */
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, big, 11), ROOM_OK);
	CHECK_EQ_INT(room_engine_queued_bytes(f->e), 8); /* not kept */
	f->n_ev = 0;
	fx_reconnect(f, 1);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", tok, 1), ROOM_OK);
	CHECK_EQ_INT(f->n_ev, 3);
	CHECK_EQ_INT(f->ev[1].payload[0], 'b');
	CHECK_EQ_INT(f->ev[2].payload[0], 'c');
	CHECK_EQ_INT(room_engine_queued_bytes(f->e), 0);
	fx_free(f);
}

/* Memory pressure ends the departed member with the largest queue (the
 * others see bye, on_gone runs), and only one at least min_bytes large. */
static void test_end_largest_ghost(void)
{
	struct fx *f = fx_new_bytes(0, 100, 1000, 4);

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "s", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[3].p, "s", NULL, 0), ROOM_OK);
	fx_disconnect(f, 1);
	fx_disconnect(f, 3);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "small", 5), ROOM_OK);
	CHECK_EQ_INT(room_send(f->e, f->c[2].p, NULL, "larger one", 10), ROOM_OK);
	CHECK_EQ_INT(room_engine_end_largest_ghost(f->e, 11), 0);
	CHECK_EQ_INT(f->n_gone, 0);
	f->n_ev = 0;
	CHECK_EQ_INT(room_engine_end_largest_ghost(f->e, 1), 10);
	CHECK_EQ_INT(f->n_gone, 1);
	CHECK_STR(f->gone_room[0], "s");
	CHECK_EQ_INT(count(f, ROOM_EV_BYE, 2), 1);
	CHECK_EQ_INT(room_engine_queued_bytes(f->e), 5);
	CHECK_EQ_INT(room_engine_end_largest_ghost(f->e, 1), 5);
	CHECK_EQ_INT(room_engine_end_largest_ghost(f->e, 1), 0);
	CHECK_EQ_INT(room_engine_member_count(f->e), 2);
	fx_free(f);
}

/* Ghosts with queued messages, and peers in no room, are freed with the
 * engine (the leak checker of the sanitizer build watches). */
static void test_free_with_ghosts(void)
{
	struct fx *f = fx_new(0, 0, 4);

	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	fx_disconnect(f, 1);
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "queued", 6), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "s", NULL, 0), ROOM_OK);
	fx_disconnect(f, 2);
	fx_free(f);
	room_engine_free(NULL);
	room_peer_disconnect(NULL, NULL, 0);
}

static void test_many_rooms(void)
{
	struct room_engine *e = room_engine_new(NULL);
	struct room_peer *p[400];
	size_t delivered = 0;
	char id[16];
	unsigned n, cap;

	for (int i = 0; i < 400; i++) {
		p[i] = room_peer_new(e, count_deliver, &delivered);
		snprintf(id, sizeof(id), "room-%d", i / 2);
		CHECK_EQ_INT(room_join(e, p[i], id, NULL, 0), ROOM_OK);
	}
	CHECK_EQ_INT(room_engine_room_count(e), 200);
	CHECK_EQ_INT(room_engine_member_count(e), 400);
	CHECK_EQ_INT(delivered, 600); /* 400 joined, 200 otherjoined */
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "room-%d", i);
		CHECK_EQ_INT(room_check(e, id, &n, &cap), ROOM_OK);
		CHECK_EQ_INT(n, 2);
		CHECK_EQ_INT(cap, ROOM_DEFAULT_CAPACITY);
		CHECK_STR(room_peer_room(p[2 * i + 1]), id);
	}
	for (int i = 0; i < 400; i += 2)
		CHECK_EQ_INT(room_leave(e, p[i]), ROOM_OK);
	CHECK_EQ_INT(room_engine_room_count(e), 200);
	for (int i = 1; i < 400; i += 2)
		room_peer_disconnect(e, p[i], 10);
	CHECK_EQ_INT(room_engine_room_count(e), 200);
	room_engine_tick(e, 10 + ROOM_DEFAULT_RESUME_WINDOW_MS);
	CHECK_EQ_INT(room_engine_room_count(e), 0);
	CHECK_EQ_INT(room_engine_member_count(e), 0);
	for (int i = 0; i < 400; i += 2)
		room_peer_disconnect(e, p[i], 20);
	room_engine_free(e);
}

static void test_room_check(void)
{
	struct fx *f = fx_new(5, 0, 1);
	struct room_config cfg = { .capacity = 1000 };
	struct room_engine *e;
	unsigned n = 99, cap = 0;

	CHECK_EQ_INT(room_check(f->e, "none", &n, &cap), ROOM_OK);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(cap, 5);
	CHECK_EQ_INT(room_engine_room_count(f->e), 0); /* checking creates nothing */
	CHECK_EQ_INT(room_check(f->e, "bad id", &n, &cap), ROOM_E_BAD_ROOM_ID);
	CHECK_EQ_INT(room_check(f->e, "", NULL, NULL), ROOM_E_BAD_ROOM_ID);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "x", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_check(f->e, "x", &n, NULL), ROOM_OK);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(room_check(f->e, "X", &n, NULL), ROOM_OK); /* case-sensitive */
	CHECK_EQ_INT(n, 0);
	fx_free(f);

	/* The capacity ceiling. */
	e = room_engine_new(&cfg);

	CHECK_EQ_INT(room_check(e, "x", NULL, &cap), ROOM_OK);
	CHECK_EQ_INT(cap, ROOM_CAPACITY_MAX);
	room_engine_free(e);
}

/* A chosen user id (a Socket.IO id) and the relayed-event kind. */
static void test_chosen_id_and_relay(void)
{
	struct fx *f = fx_new(3, 0, 3);
	static const char args[] = "[\"receiveOffer\",{\"_placeholder\":true,\"num\":0}]";
	const uint8_t blob[] = { 1, 2, 3 };
	struct room_blob b = { blob, sizeof(blob) };
	const struct rec_ev *r;

	CHECK_EQ_INT(room_peer_set_user_id(f->c[0].p, "dY3mlnbGYx0jM4DTAAAA"), ROOM_OK);
	CHECK_EQ_INT(room_peer_set_user_id(f->c[1].p, ""), ROOM_E_BAD_ROOM_ID);
	CHECK_EQ_INT(room_peer_set_user_id(f->c[1].p,
					   "012345678901234567890123456789012"),
		     ROOM_E_BAD_ROOM_ID); /* 33 characters */
	CHECK_EQ_INT(room_relay(f->e, f->c[0].p, "x", "[\"x\"]", 5, NULL, 0),
		     ROOM_E_NOT_IN_ROOM);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, 0), ROOM_OK);
	r = last(f, ROOM_EV_JOINED, 0);
	CHECK(r && !strcmp(r->user_id, "dY3mlnbGYx0jM4DTAAAA"));
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "r", NULL, 0), ROOM_OK);
	r = last(f, ROOM_EV_OTHER_JOINED, 0);
	CHECK(r && !strcmp(r->user_id, uid(f, 1)));
	CHECK_EQ_INT(room_join(f->e, f->c[2].p, "r", NULL, 0), ROOM_OK);
	fx_disconnect(f, 2); /* a ghost misses relayed events */
	f->n_ev = 0;
	CHECK_EQ_INT(room_relay(f->e, f->c[0].p, "receiveOffer", args, strlen(args), &b,
				1),
		     ROOM_OK);
	CHECK_EQ_INT(count(f, ROOM_EV_RELAY, 0), 0);
	CHECK_EQ_INT(count(f, ROOM_EV_RELAY, 1), 1);
	r = last(f, ROOM_EV_RELAY, 1);
	CHECK(r != NULL);
	if (r) {
		CHECK(!strcmp(r->from, "dY3mlnbGYx0jM4DTAAAA"));
		CHECK_EQ_INT(r->payload_len, strlen(args));
		CHECK(!memcmp(r->payload, args, strlen(args)));
	}
	CHECK_EQ_INT(count(f, ROOM_EV_RELAY, 2), 0);
	fx_free(f);
}

static void keep_user_id(void *ctx, const struct room_event *ev)
{
	if (ev->kind == ROOM_EV_JOINED)
		snprintf(ctx, ROOM_USER_ID_LEN + 1, "%s", ev->user_id);
}

static int cmp_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_user_ids_unique(void)
{
	enum { N = 1000 };
	struct room_engine *e = room_engine_new(NULL);
	char(*ids)[ROOM_USER_ID_LEN + 1] = calloc(N, sizeof(*ids));
	struct room_peer *p = room_peer_new(e, keep_user_id, NULL);
	size_t bad = 0, dups = 0;

	room_peer_disconnect(e, p, 0);
	for (int i = 0; i < N; i++) {
		p = room_peer_new(e, keep_user_id, ids[i]);
		CHECK_EQ_INT(room_join(e, p, "same", NULL, 0), ROOM_OK);
		CHECK_EQ_INT(room_leave(e, p), ROOM_OK);
		room_peer_disconnect(e, p, 0);
		if (!is_hex(ids[i], ROOM_USER_ID_LEN))
			bad++;
	}
	qsort(ids, N, sizeof(*ids), cmp_ids);
	for (int i = 1; i < N; i++)
		if (!strcmp(ids[i - 1], ids[i]))
			dups++;
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(dups, 0);
	free(ids);
	room_engine_free(e);
}

/* Callbacks that break the rule and call back into the engine must not
 * make it touch freed memory (the sanitizer build checks). */
static void test_reentrant_callbacks(void)
{
	struct fx *f = fx_new(3, 0, 3);

	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(room_join(f->e, f->c[i].p, "r", NULL, 0), ROOM_OK);
	f->c[1].disconnect_on_message = true;
	f->n_ev = 0;
	CHECK_EQ_INT(room_send(f->e, f->c[0].p, NULL, "x", 1), ROOM_OK);
	CHECK_EQ_INT(count(f, ROOM_EV_MESSAGE, 1), 1);
	CHECK_EQ_INT(count(f, ROOM_EV_MESSAGE, 2), 1);
	CHECK(f->c[1].p == NULL);
	CHECK_EQ_INT(room_engine_member_count(f->e), 3);

	/* A BYE makes its receiver leave too. */
	f->c[2].leave_on_bye = true;
	CHECK_EQ_INT(room_leave(f->e, f->c[0].p), ROOM_OK);
	CHECK_EQ_INT(count(f, ROOM_EV_BYE, 2), 1);
	CHECK_EQ_INT(count(f, ROOM_EV_LEAVED, 2), 1);
	CHECK_EQ_INT(room_engine_member_count(f->e), 1); /* the ghost of 1 */
	room_engine_tick(f->e, WINDOW);
	CHECK_EQ_INT(room_engine_room_count(f->e), 0);
	CHECK_EQ_INT(f->n_gone, 3);
	fx_free(f);

	/* Everyone leaves on BYE: the room empties and is freed in the
	 * middle of the first round of BYEs. */
	f = fx_new(3, 0, 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(room_join(f->e, f->c[i].p, "r", NULL, 0), ROOM_OK);
		f->c[i].leave_on_bye = true;
	}
	CHECK_EQ_INT(room_leave(f->e, f->c[0].p), ROOM_OK);
	CHECK_EQ_INT(room_engine_room_count(f->e), 0);
	CHECK_EQ_INT(count(f, ROOM_EV_LEAVED, -1), 3);
	CHECK_EQ_INT(f->n_gone, 3);
	fx_free(f);
}

/* Cluster mode: ids decided by the caller, silent joins of members that
 * were there before, capacity decided outside, messages from members of
 * other nodes delivered (or queued for a ghost). */
static void test_join_as_and_outside_messages(void)
{
	struct fx *f = fx_new(3, 8, 4);
	struct room_join_opts remote = { .user_id = "0123456789abcdef0123456789abcdef",
					 .silent = true };
	struct room_join_opts local = { .user_id = "fedcba9876543210fedcba9876543210" };
	const struct rec_ev *j;

	CHECK_EQ_INT(room_join_as(f->e, f->c[0].p, "r", &remote), ROOM_OK);
	CHECK_EQ_INT(room_join_as(f->e, f->c[1].p, "r", &local), ROOM_OK);
	CHECK_STR(uid(f, 0), remote.user_id);
	CHECK_STR(uid(f, 1), local.user_id);
	/* Not silent: the member already there saw otherjoined. */
	CHECK_EQ_INT(count(f, ROOM_EV_OTHER_JOINED, 0), 1);
	j = last(f, ROOM_EV_JOINED, 1);
	CHECK(j && j->n_peers == 1 && !strcmp(j->peers[0], remote.user_id));
	/* The same id twice in a room is refused. */
	CHECK_EQ_INT(room_join_as(f->e, f->c[2].p, "r", &local), ROOM_E_ALREADY_IN_ROOM);
	CHECK(room_has_member(f->e, "r", remote.user_id));
	CHECK(!room_has_member(f->e, "r", "nobody"));
	/* A message from a member of another node. */
	CHECK_EQ_INT(room_deliver_message(f->e, "r", local.user_id, "aaaa", "{\"x\":1}",
					  7),
		     ROOM_OK);
	j = last(f, ROOM_EV_MESSAGE, 1);
	CHECK(j && !strcmp(j->from, "aaaa") && j->payload_len == 7 &&
	      !memcmp(j->payload, "{\"x\":1}", 7));
	CHECK_EQ_INT(room_deliver_message(f->e, "r", "nobody", "aaaa", "x", 1),
		     ROOM_E_NO_SUCH_PEER);
	CHECK_EQ_INT(room_deliver_message(f->e, "nope", local.user_id, "aaaa", "x", 1),
		     ROOM_E_NO_SUCH_PEER);
	/* Queued for a ghost, delivered on resume. */
	{
		char token[ROOM_TOKEN_LEN + 1];

		copy_str(token, sizeof(token), last(f, ROOM_EV_JOINED, 1)->token);
		fx_disconnect(f, 1);
		CHECK_EQ_INT(room_deliver_message(f->e, "r", local.user_id, "bbbb", "q",
						  1),
			     ROOM_OK);
		CHECK_EQ_INT(room_join(f->e, fx_reconnect(f, 1), "r", token, f->now),
			     ROOM_OK);
	}
	j = last(f, ROOM_EV_MESSAGE, 1);
	CHECK(j && !strcmp(j->from, "bbbb") && j->payload_len == 1);
	fx_free(f);
}

static void other_deliver(void *ctx, const struct room_event *ev)
{
}

/* How the cluster finds its proxies: by room and member, through the
 * engine, only for peers delivering through the given function, and
 * never for a member in its resume window or one that left. */
static void test_member_ctx(void)
{
	struct fx *f = fx_new(4, 8, 2);
	int proxy_ctx = 0;
	struct room_peer *proxy = room_peer_new(f->e, other_deliver, &proxy_ctx);
	struct room_join_opts as = { .user_id = "abcd" };

	REQUIRE(proxy != NULL);
	CHECK_EQ_INT(room_join_as(f->e, proxy, "r", &as), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[0].p, "r", NULL, f->now), ROOM_OK);
	CHECK_EQ_INT(room_join(f->e, f->c[1].p, "s", NULL, f->now), ROOM_OK);
	CHECK(room_member_ctx(f->e, "r", "abcd", other_deliver) == &proxy_ctx);
	CHECK(room_member_ctx(f->e, "r", "abcd", record) == NULL);
	CHECK(room_member_ctx(f->e, "s", "abcd", other_deliver) == NULL);
	CHECK(room_member_ctx(f->e, "nope", "abcd", other_deliver) == NULL);
	CHECK(room_member_ctx(f->e, "r", uid(f, 0), record) == &f->c[0]);
	CHECK(room_member_ctx(f->e, "r", uid(f, 0), other_deliver) == NULL);
	/* A ghost has no peer. */
	{
		char id[ROOM_USER_ID_LEN + 1];

		copy_str(id, sizeof(id), uid(f, 1));
		fx_disconnect(f, 1);
		CHECK(room_has_member(f->e, "s", id));
		CHECK(room_member_ctx(f->e, "s", id, record) == NULL);
	}
	CHECK_EQ_INT(room_leave(f->e, proxy), ROOM_OK);
	CHECK(room_member_ctx(f->e, "r", "abcd", other_deliver) == NULL);
	fx_free(f);
}

static void test_external_capacity(void)
{
	struct fx *f;
	struct room_config cfg = { .capacity = 2, .external_capacity = true };
	int i;

	f = calloc(1, sizeof(*f));
	f->e = room_engine_new(&cfg);
	for (i = 0; i < 4; i++) {
		f->c[i].f = f;
		f->c[i].id = i;
		f->c[i].p = room_peer_new(f->e, record, &f->c[i]);
		/* Past the configured capacity: Redis decided, not this engine. */
		CHECK_EQ_INT(room_join(f->e, f->c[i].p, "big", NULL, 0), ROOM_OK);
	}
	CHECK_EQ_INT(last(f, ROOM_EV_JOINED, 3)->capacity, 2);
	CHECK_EQ_INT(last(f, ROOM_EV_JOINED, 3)->user_num, 4);
	fx_free(f);
}

int main(void)
{
	RUN(test_room_id_valid);
	RUN(test_join_fields);
	RUN(test_full);
	RUN(test_already_in_room);
	RUN(test_message);
	RUN(test_leave);
	RUN(test_disconnect_window);
	RUN(test_resume);
	RUN(test_resume_after_window);
	RUN(test_zero_window);
	RUN(test_resume_own_ghost_not_full);
	RUN(test_resume_bad_tokens);
	RUN(test_resume_takeover);
	RUN(test_max_queued);
	RUN(test_max_queued_bytes);
	RUN(test_end_largest_ghost);
	RUN(test_free_with_ghosts);
	RUN(test_many_rooms);
	RUN(test_room_check);
	RUN(test_chosen_id_and_relay);
	RUN(test_user_ids_unique);
	RUN(test_reentrant_callbacks);
	RUN(test_join_as_and_outside_messages);
	RUN(test_external_capacity);
	RUN(test_member_ctx);
	return HARNESS_DONE();
}
