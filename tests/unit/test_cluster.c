/* The cluster module's pure parts: the pub/sub frame codec, the Redis
 * endpoint syntax, the member mirror and the decoding of Redis replies;
 * and the link's handlers fed hostile replies through hiredis's own
 * reader (a listener of the test's own stands for Redis, which never
 * answers: the test feeds each reply). The live link is tested against a
 * real redis-server by tests/interop/test_signal_cluster.sh, against a
 * hostile one by tests/interop/test_cluster_hostile.sh. */
#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "cluster/cluster_internal.h"
#include "util/errors.h"

#include "harness.h"

static struct cluster_frame sample(void)
{
	struct cluster_frame f = { .kind = CLUSTER_MSG_EVENT };

	f.node = "node-a";
	f.node_len = 6;
	f.room = "room.1";
	f.room_len = 6;
	f.from = "0123456789abcdef0123456789abcdef";
	f.from_len = 32;
	f.to = "fedcba9876543210fedcba9876543210";
	f.to_len = 32;
	f.payload = "{\"event\":\"message\",\"data\":\"a:b\\n\"}";
	f.payload_len = strlen(f.payload);
	return f;
}

static void test_frame_roundtrip(void)
{
	struct cluster_frame f = sample(), g;
	uint8_t buf[512];
	ssize_t n = cluster_frame_encode(&f, buf, sizeof(buf));

	CHECK(n > 0);
	CHECK_EQ_INT((size_t)n, cluster_frame_size(&f));
	CHECK_EQ_INT(cluster_frame_decode(buf, (size_t)n, &g), 0);
	CHECK_EQ_INT(g.kind, CLUSTER_MSG_EVENT);
	CHECK(g.payload_len == f.payload_len &&
	      !memcmp(g.payload, f.payload, f.payload_len));
	CHECK(g.to_len == 32 && !memcmp(g.to, f.to, 32));
	CHECK(g.room_len == 6 && !memcmp(g.room, "room.1", 6));
	/* Too small an output buffer is refused, not overrun. */
	CHECK_EQ_INT(cluster_frame_encode(&f, buf, (size_t)n - 1), TR_ETRUNC);
}

/* The Lua reaper writes GONE frames by hand: they must decode. */
static void test_frame_as_lua_writes_it(void)
{
	static const char lua[] =
		"TR1G6:node-b6:room.132:0123456789abcdef0123456789abcdef0:0:";
	struct cluster_frame g;

	CHECK_EQ_INT(cluster_frame_decode((const uint8_t *)lua, strlen(lua), &g), 0);
	CHECK_EQ_INT(g.kind, CLUSTER_MSG_GONE);
	CHECK(g.node_len == 6 && !memcmp(g.node, "node-b", 6));
	CHECK_EQ_INT(g.to_len, 0);
	CHECK_EQ_INT(g.payload_len, 0);
}

static void test_frame_refusals(void)
{
	static const char *bad[] = {
		"",
		"TR1",
		"TR2E0:0:0:0:0:",                    /* magic */
		"TR1X0:0:0:0:0:",                    /* unknown kind */
		"TR1E0:0:0:0:",                      /* a field missing */
		"TR1E0:0:0:0:0:x",                   /* trailing byte */
		"TR1E01:a0:0:0:0:",                  /* leading zero */
		"TR1E:0:0:0:0:",                     /* no digits */
		"TR1E5:ab0:0:0:0:",                  /* length past the end */
		"TR1E0:0:0:0:99999999999999999999:", /* overflowing length */
		"TR1E65:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0:0:0:0:",
	};
	struct cluster_frame g;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(cluster_frame_decode((const uint8_t *)bad[i], strlen(bad[i]),
						  &g),
			     TR_EINVAL);
	/* A NUL inside an id field; the payload may be binary. */
	CHECK_EQ_INT(cluster_frame_decode((const uint8_t *)"TR1E1:\0"
							   "0:0:0:0:",
					  14, &g),
		     TR_EINVAL);
	CHECK_EQ_INT(cluster_frame_decode((const uint8_t *)"TR1E0:0:0:0:2:\0\1", 16, &g),
		     0);
}

static void test_mirror(void)
{
	struct cluster_mirror *m = cluster_mirror_new();
	char id[33];

	REQUIRE(m != NULL);
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "%032x", i);
		CHECK_EQ_INT(cluster_mirror_put(m, id, 32, "n1", 2, "r", 1), 0);
	}
	CHECK_EQ_INT(cluster_mirror_count(m), 1000);
	CHECK(cluster_mirror_has(m, "000000000000000000000000000003e7", 32));
	CHECK(!cluster_mirror_has(m, "000000000000000000000000000003e8", 32));
	/* Putting again updates, does not duplicate. */
	CHECK_EQ_INT(cluster_mirror_put(m, "000000000000000000000000000003e7", 32, "n2",
					2, "r", 1),
		     0);
	CHECK_EQ_INT(cluster_mirror_count(m), 1000);
	for (int i = 0; i < 1000; i += 2) {
		snprintf(id, sizeof(id), "%032x", i);
		cluster_mirror_del(m, id, 32);
	}
	CHECK_EQ_INT(cluster_mirror_count(m), 500);
	CHECK(!cluster_mirror_has(m, "00000000000000000000000000000000", 32));
	CHECK(cluster_mirror_has(m, "00000000000000000000000000000001", 32));
	cluster_mirror_del(m, "nope", 4);
	CHECK_EQ_INT(cluster_mirror_count(m), 500);
	cluster_mirror_clear(m);
	CHECK_EQ_INT(cluster_mirror_count(m), 0);
	cluster_mirror_free(m);
}

static void test_relay_roundtrip(void)
{
	static const uint8_t bin[] = { 0, 1, 2, 255, 0, 128 };
	struct cluster_relay r = { .event = "receiveOffer",
				   .event_len = 12,
				   .args = "[\"receiveOffer\",{\"a\":1}]",
				   .args_len = 24,
				   .n_blobs = 2 };
	struct cluster_relay g;
	uint8_t buf[256];
	ssize_t n;

	r.blob[0] = bin;
	r.blob_len[0] = sizeof(bin);
	r.blob[1] = bin;
	r.blob_len[1] = 0;
	n = cluster_relay_encode(&r, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n == cluster_relay_size(&r));
	CHECK_EQ_INT(cluster_relay_decode(buf, (size_t)n, &g), 0);
	CHECK(g.event_len == 12 && !memcmp(g.event, "receiveOffer", 12));
	CHECK(g.args_len == 24 && !memcmp(g.args, r.args, 24));
	CHECK_EQ_INT(g.n_blobs, 2);
	CHECK(g.blob_len[0] == sizeof(bin) && !memcmp(g.blob[0], bin, sizeof(bin)));
	CHECK_EQ_INT(g.blob_len[1], 0);
	CHECK_EQ_INT(cluster_relay_decode(buf, (size_t)n - 1, &g), TR_EINVAL);
	CHECK_EQ_INT(cluster_relay_decode((const uint8_t *)"R1:e2:[]2:65", 12, &g),
		     TR_EINVAL);
	CHECK_EQ_INT(cluster_relay_encode(&r, buf, (size_t)n - 1), TR_ETRUNC);
}

/* ---- Redis replies ---- */

struct reply_case {
	enum cluster_reply_kind kind;
	const char *resp;
	bool ok;
};

static const struct reply_case reply_cases[] = {
	{ CLUSTER_REPLY_OK, "+OK\r\n", true },
	{ CLUSTER_REPLY_OK, ":1\r\n", false },
	{ CLUSTER_REPLY_OK, "$2\r\nOK\r\n", false },
	{ CLUSTER_REPLY_OK, "-ERR no\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:2\r\n*2\r\n$4\r\nuser\r\n$2\r\nn2\r\n",
	  true },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:1\r\n*0\r\n", true },
	{ CLUSTER_REPLY_JOIN, "*2\r\n:1\r\n:2\r\n", true },
	{ CLUSTER_REPLY_JOIN, "*2\r\n:2\r\n:1\r\n", true },
	/* issue 17: integers where the member list has strings */
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:2\r\n*2\r\n:1\r\n:2\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:2\r\n*2\r\n$-1\r\n$2\r\nn2\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:2\r\n*2\r\n*1\r\n$1\r\na\r\n$2\r\nn2\r\n",
	  false },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:2\r\n*1\r\n$1\r\nu\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:2\r\n*2\r\n$3\r\na b\r\n$2\r\nn2\r\n",
	  false },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:2\r\n*2\r\n$0\r\n\r\n$2\r\nn2\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:2\r\n:4\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*3\r\n:0\r\n:5\r\n*0\r\n",
	  false },                                           /* count != listed + 1 */
	{ CLUSTER_REPLY_JOIN, "*2\r\n:0\r\n:1\r\n", false }, /* joined, no list */
	{ CLUSTER_REPLY_JOIN, "*3\r\n:1\r\n:2\r\n*0\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*1\r\n:0\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*0\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*2\r\n:7\r\n:1\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*2\r\n:1\r\n:-1\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*2\r\n$1\r\n0\r\n:1\r\n", false },
	{ CLUSTER_REPLY_JOIN, "$-1\r\n", false },
	{ CLUSTER_REPLY_JOIN, "*-1\r\n", false },
	{ CLUSTER_REPLY_JOIN, ":0\r\n", false },
	{ CLUSTER_REPLY_MEMBERS, "*0\r\n", true },
	{ CLUSTER_REPLY_MEMBERS, "*2\r\n$1\r\nu\r\n$4\r\nn1 r\r\n", true },
	{ CLUSTER_REPLY_MEMBERS, "*2\r\n$1\r\nu\r\n$3\r\nn1r\r\n", false },
	{ CLUSTER_REPLY_MEMBERS, "*2\r\n$1\r\nu\r\n$3\r\nn1 \r\n", false },
	{ CLUSTER_REPLY_MEMBERS, "*2\r\n$1\r\nu\r\n$6\r\nn1 r s\r\n", false },
	{ CLUSTER_REPLY_MEMBERS, "*2\r\n:1\r\n$4\r\nn1 r\r\n", false },
	{ CLUSTER_REPLY_MEMBERS, "*2\r\n$1\r\nu\r\n:1\r\n", false },
	{ CLUSTER_REPLY_MEMBERS, "*1\r\n$1\r\nu\r\n", false },
	{ CLUSTER_REPLY_MEMBERS, "$-1\r\n", false },
	{ CLUSTER_REPLY_REAP, "*2\r\n:3\r\n*0\r\n", true },
	{ CLUSTER_REPLY_REAP, "*2\r\n:3\r\n*3\r\n$2\r\nn2\r\n$1\r\nr\r\n$1\r\nu\r\n",
	  true },
	{ CLUSTER_REPLY_SYNC, "*2\r\n:0\r\n*3\r\n$2\r\nn2\r\n$1\r\nr\r\n$1\r\nu\r\n",
	  true },
	{ CLUSTER_REPLY_REAP, "*2\r\n:3\r\n*2\r\n$2\r\nn2\r\n$1\r\nr\r\n", false },
	{ CLUSTER_REPLY_REAP, "*2\r\n:3\r\n*3\r\n$2\r\nn2\r\n:1\r\n$1\r\nu\r\n", false },
	{ CLUSTER_REPLY_SYNC, "*2\r\n:0\r\n*3\r\n$2\r\nn2\r\n$1\r\nr\r\n$3\r\nu u\r\n",
	  false },
	{ CLUSTER_REPLY_REAP, "*2\r\n:-3\r\n*0\r\n", false },
	{ CLUSTER_REPLY_REAP, "*2\r\n:0\r\n:3\r\n", false },
	{ CLUSTER_REPLY_REAP, "*2\r\n$1\r\n0\r\n*0\r\n", false },
	{ CLUSTER_REPLY_REAP, "*3\r\n:0\r\n*0\r\n:3\r\n", false },
	{ CLUSTER_REPLY_SYNC, ":0\r\n", false },
	{ CLUSTER_REPLY_COUNT, ":2\r\n", true },
	{ CLUSTER_REPLY_COUNT, ":-2\r\n", false },
	{ CLUSTER_REPLY_COUNT, ":9999999999999\r\n", false },
	{ CLUSTER_REPLY_COUNT, "$1\r\n2\r\n", false },
	{ CLUSTER_REPLY_PUBSUB, "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$0\r\n\r\n", true },
	{ CLUSTER_REPLY_MASTER, "*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n", true },
	{ CLUSTER_REPLY_MASTER, "*2\r\n$9\r\n127.0.0.1\r\n$5\r\n65536\r\n", false },
	{ CLUSTER_REPLY_MASTER, "*2\r\n$9\r\n127.0.0.1\r\n:6380\r\n", false },
	{ CLUSTER_REPLY_MASTER, "*2\r\n$3\r\na b\r\n$4\r\n6380\r\n", false },
	{ CLUSTER_REPLY_MASTER, "*1\r\n$9\r\n127.0.0.1\r\n", false },
	{ CLUSTER_REPLY_MASTER, "$-1\r\n", false },
	{ CLUSTER_REPLY_MASTER, "*-1\r\n", false },
	{ CLUSTER_REPLY_ROLE, "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", true },
	{ CLUSTER_REPLY_ROLE, "*1\r\n:1\r\n", false },
	{ CLUSTER_REPLY_ROLE, "$6\r\nmaster\r\n", false },
	{ CLUSTER_REPLY_PUBSUB, "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:2\r\n", true },
	{ CLUSTER_REPLY_PUBSUB, "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n:0\r\n", false },
	{ CLUSTER_REPLY_PUBSUB, "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:3\r\n", false },
	{ CLUSTER_REPLY_PUBSUB, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n", false },
	{ CLUSTER_REPLY_PUBSUB, "*2\r\n$7\r\nmessage\r\n$1\r\nc\r\n", false },
};

/* RESP text into a reply tree, through hiredis's own reader. */
static redisReply *parse(const char *resp, size_t len)
{
	redisReader *r = redisReaderCreate();
	void *reply = NULL;

	if (r && redisReaderFeed(r, resp, len) == REDIS_OK)
		(void)redisReaderGetReply(r, &reply);
	redisReaderFree(r);
	return reply;
}

static size_t resp_len(const char *resp)
{
	/* The one case with a NUL inside: "$3\r\na\0c\r\n". */
	return strncmp(resp, "$3\r\na", 6) ? strlen(resp) : 9;
}

static void test_reply_decode(void)
{
	for (size_t i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		const struct reply_case *rc = &reply_cases[i];
		redisReply *r = parse(rc->resp, resp_len(rc->resp));
		struct cluster_reply d;
		int got;

		REQUIRE(r != NULL);
		got = cluster_reply_decode(rc->kind, r, &d);
		if ((got == 0) != rc->ok)
			fprintf(stderr, "# case %zu (%s): decode %d (%s)\n", i,
				cluster_reply_kind_name(rc->kind), got, d.why);
		CHECK_EQ_INT(got == 0, rc->ok);
		CHECK(got == 0 || d.why[0]);
		freeReplyObject(r);
	}
	CHECK_EQ_INT(cluster_reply_decode(CLUSTER_REPLY_JOIN, NULL,
					  &(struct cluster_reply){ 0 }),
		     TR_EINVAL);
}

static void test_reply_pairs(void)
{
	static const char members[] = "*4\r\n$2\r\nu1\r\n$7\r\nn1 room\r\n"
				      "$2\r\nu2\r\n$4\r\nn2 r\r\n";
	redisReply *r = parse(members, sizeof(members) - 1);
	struct cluster_reply d;
	struct cluster_reply_pair p;

	REQUIRE(r != NULL);
	REQUIRE(cluster_reply_decode(CLUSTER_REPLY_MEMBERS, r, &d) == 0);
	CHECK_EQ_INT(d.n_pairs, 2);
	cluster_reply_pair_at(&d, 0, &p);
	CHECK(p.user_len == 2 && !memcmp(p.user, "u1", 2));
	CHECK(p.node_len == 2 && !memcmp(p.node, "n1", 2));
	CHECK(p.room_len == 4 && !memcmp(p.room, "room", 4));
	cluster_reply_pair_at(&d, 1, &p);
	CHECK(p.room_len == 1 && !memcmp(p.room, "r", 1));
	freeReplyObject(r);
}

/* What the guard lets hiredis build; returns the reply or NULL (then
 * g->refused says why). awaited: a command waits for this reply. */
static redisReply *guarded(struct cluster_guard *g, bool sub, bool awaited,
			   const char *resp)
{
	redisReader *r = redisReaderCreate();
	redisCallbackList list = { 0 };
	redisCallback cb = { 0 };
	void *reply = NULL;

	if (!r)
		return NULL;
	list.head = awaited ? &cb : NULL;
	memset(g, 0, sizeof(*g));
	g->sub = sub;
	g->replies = &list;
	cluster_reply_guard(r, g);
	if (redisReaderFeed(r, resp, strlen(resp)) != REDIS_OK ||
	    redisReaderGetReply(r, &reply) != REDIS_OK)
		reply = NULL;
	g->replies = NULL;
	redisReaderFree(r);
	return reply;
}

static void test_reply_guard(void)
{
	static const char *const refused_push[] = {
		"*3\r\n:1\r\n$1\r\nc\r\n:1\r\n",            /* kind not a string */
		"*3\r\n$7\r\nmessage\r\n:1\r\n$1\r\nx\r\n", /* channel not a string */
		"*3\r\n$7\r\nmessage\r\n*0\r\n$1\r\nx\r\n",
		"*2\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n", /* hiredis reads element 2 */
		"*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n$1\r\nx\r\n",
		"*1\r\n$7\r\nmessage\r\n",
		"*0\r\n",
		"*-1\r\n",
		":1\r\n",
		"+OK\r\n",
		"*3\r\n+message\r\n$1\r\nc\r\n$1\r\nx\r\n",
	};
	struct cluster_guard g;
	redisReply *r;

	for (size_t i = 0; i < sizeof(refused_push) / sizeof(refused_push[0]); i++) {
		CHECK(guarded(&g, true, false, refused_push[i]) == NULL);
		CHECK(g.refused != NULL);
	}
	/* A push of the right shape passes, whatever its third element
	 * (the decoder judges that). */
	r = guarded(&g, true, false, "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n*1\r\n:1\r\n");
	CHECK(r != NULL && g.refused == NULL);
	freeReplyObject(r);
	/* AUTH's answer on the subscribed connection is a command's. */
	r = guarded(&g, true, true, ":1\r\n");
	CHECK(r != NULL && g.refused == NULL);
	freeReplyObject(r);
	/* The command connection: a reply with no command is refused
	 * (hiredis asserts), except an error (hiredis drops the link). */
	CHECK(guarded(&g, false, false, ":1\r\n") == NULL && g.refused);
	CHECK(guarded(&g, false, false, "*2\r\n:1\r\n:1\r\n") == NULL && g.refused);
	r = guarded(&g, false, false, "-ERR max clients\r\n");
	CHECK(r != NULL && g.refused == NULL);
	freeReplyObject(r);
	r = guarded(&g, false, true, "*2\r\n*1\r\n:1\r\n$-1\r\n");
	CHECK(r != NULL && g.refused == NULL);
	freeReplyObject(r);
	/* An element count hiredis would allocate a table for at once. */
	CHECK(guarded(&g, false, true, "*2097153\r\n") == NULL && g.refused);
	CHECK(guarded(&g, false, true, "*1\r\n*2147483647\r\n") == NULL && g.refused);
}

/* ---- the link's handlers, fed through hiredis ---- */

struct live {
	struct event_base *base;
	struct cluster *c;
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int ups, downs;
	/* the last join's outcome */
	int joins;
	enum cluster_status st;
	unsigned user_num;
	size_t n_others;
	bool others_ok;
};

static void live_state(void *ctx, bool up)
{
	struct live *L = ctx;

	if (up)
		L->ups++;
	else
		L->downs++;
}

static void live_joined(void *arg, enum cluster_status st, unsigned user_num,
			const struct cluster_member *others, size_t n_others)
{
	struct live *L = arg;

	L->joins++;
	L->st = st;
	L->user_num = user_num;
	L->n_others = n_others;
	L->others_ok = true;
	for (size_t i = 0; i < n_others; i++)
		if (!others[i].user || !others[i].node || !*others[i].user ||
		    !*others[i].node)
			L->others_ok = false;
}

/* Hands the RESP text to the connection as if Redis had sent it: into
 * its reader, then hiredis's read handler (the socket has nothing to
 * read; the listener never accepts) runs the callbacks. */
static void feed(struct redisAsyncContext *ac, const char *resp)
{
	if (!ac)
		return;
	redisReaderFeed(ac->c.reader, resp, strlen(resp));
	redisAsyncHandleRead(ac);
}

#define SUBSCRIBED                                                                       \
	"*3\r\n$9\r\nsubscribe\r\n$8\r\ntr:0:all\r\n:1\r\n"                              \
	"*3\r\n$9\r\nsubscribe\r\n$12\r\ntr:0:node:n1\r\n:2\r\n"
/* SET, SADD, the reap script, HGETALL tr:members, the sync script, DEL
 * tr:secret. */
#define REGISTERED "+OK\r\n:1\r\n*2\r\n:1\r\n*0\r\n*0\r\n*2\r\n:0\r\n*0\r\n:0\r\n"

/* A node n1 whose Redis is a listener that never answers: the test
 * answers for it. Registered when it returns true. */
static bool live_open(struct live *L)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cluster_config cc = { .node_id = "n1",
				     .node_timeout_ms = 60000,
				     .secret = (const uint8_t *)"unit-cluster-secret",
				     .secret_len = 19 };
	struct cluster_handlers h = { .ctx = L, .on_state = live_state };
	char err[128];

	memset(L, 0, sizeof(*L));
	snprintf(L->path, sizeof(L->path), "/tmp/tr-test-cluster-%ld.sock",
		 (long)getpid());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", L->path);
	unlink(L->path);
	L->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (L->lfd < 0 || bind(L->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(L->lfd, 8) || !(L->base = event_base_new()))
		return false;
	cc.redis.is_unix = true;
	snprintf(cc.redis.host, sizeof(cc.redis.host), "%s", L->path);
	L->c = cluster_new(L->base, &cc, &h, err, sizeof(err));
	if (!L->c || !L->c->cmd || !L->c->sub)
		return false;
	feed(L->c->cmd, "+OK\r\n"); /* SELECT */
	feed(L->c->sub, SUBSCRIBED);
	feed(L->c->cmd, REGISTERED);
	return cluster_up(L->c) && L->ups == 1;
}

static void live_close(struct live *L)
{
	cluster_free(L->c);
	if (L->base)
		event_base_free(L->base);
	if (L->lfd >= 0)
		close(L->lfd);
	unlink(L->path);
}

/* The node answers a join whose reply is `resp`; a malformed one is an
 * outage: the joiner hears UNAVAILABLE, the node goes down (degraded)
 * and reconnects; never a member id that is not a string. */
static void join_with(const char *resp, enum cluster_status want, bool malformed)
{
	struct live L;
	struct cluster_stats st;

	REQUIRE_OR_GOTO(live_open(&L), out);
	cluster_join(L.c, "room", "u1", 2, live_joined, &L);
	feed(L.c->cmd, resp);
	CHECK_EQ_INT(L.joins, 1);
	CHECK(L.others_ok);
	CHECK_EQ_INT(L.st, want);
	cluster_get_stats(L.c, &st);
	CHECK_EQ_INT(cluster_up(L.c), !malformed);
	CHECK_EQ_INT(L.downs, malformed);
	CHECK_EQ_INT(st.replies_bad, malformed);
	CHECK_EQ_INT(st.reconnects, malformed);
out:
	live_close(&L);
}

static void test_live_join(void)
{
	join_with("*3\r\n:0\r\n:2\r\n*2\r\n$4\r\nuser\r\n$2\r\nn2\r\n", CLUSTER_OK,
		  false);
	join_with("*2\r\n:1\r\n:2\r\n", CLUSTER_FULL, false);
	/* issue 17: this one was a NULL strcmp in signaling_cluster.c */
	join_with("*3\r\n:0\r\n:2\r\n*2\r\n:1\r\n:2\r\n", CLUSTER_UNAVAILABLE, true);
	join_with("*3\r\n:0\r\n:2\r\n*2\r\n*1\r\n$1\r\na\r\n$2\r\nn2\r\n",
		  CLUSTER_UNAVAILABLE, true);
	join_with("*3\r\n:0\r\n:2\r\n$-1\r\n", CLUSTER_UNAVAILABLE, true);
	join_with("*1\r\n:0\r\n", CLUSTER_UNAVAILABLE, true);
	join_with("$-1\r\n", CLUSTER_UNAVAILABLE, true);
	/* A script error is Redis refusing, not malformed: the link stays. */
	join_with("-ERR script\r\n", CLUSTER_UNAVAILABLE, false);
	/* A second reply to one command: hiredis would assert on it. */
	join_with("*2\r\n:1\r\n:2\r\n:1\r\n", CLUSTER_FULL, true);
}

/* Hostile pushes on the subscription: hiredis 0.14 asserts on some; the
 * guard refuses them first and the node goes down as in an outage. */
static void test_live_push(void)
{
	static const char *const pushes[] = {
		"*3\r\n:1\r\n$8\r\ntr:0:all\r\n:1\r\n",
		"*1\r\n$7\r\nmessage\r\n",
		"*2\r\n$11\r\nunsubscribe\r\n$8\r\ntr:0:all\r\n",
		"*3\r\n$7\r\nmessage\r\n$8\r\ntr:0:all\r\n:5\r\n",
		"*3\r\n$7\r\nmessage\r\n$8\r\ntr:0:all\r\n*1\r\n$1\r\nx\r\n",
		":7\r\n",
	};

	for (size_t i = 0; i < sizeof(pushes) / sizeof(pushes[0]); i++) {
		struct live L;
		struct cluster_stats st;

		REQUIRE_OR_GOTO(live_open(&L), out);
		feed(L.c->sub, pushes[i]);
		cluster_get_stats(L.c, &st);
		CHECK(!cluster_up(L.c));
		CHECK_EQ_INT(L.downs, 1);
		CHECK_EQ_INT(st.replies_bad, 1);
	out:
		live_close(&L);
	}
}

/* Registration with a hostile members' snapshot or reap reply: the node
 * stays down (degraded) and reconnects. */
static void test_live_register(void)
{
	static const char *const snap[] = {
		"+OK\r\n:1\r\n*2\r\n:1\r\n*0\r\n*2\r\n$2\r\nu1\r\n:3\r\n",
		"+OK\r\n:1\r\n*2\r\n:1\r\n*0\r\n*2\r\n$2\r\nu1\r\n$2\r\nn1\r\n",
		"+OK\r\n:1\r\n*2\r\n$1\r\nx\r\n*0\r\n",
		"+OK\r\n:1\r\n*2\r\n:1\r\n:0\r\n",
	};

	for (size_t i = 0; i < sizeof(snap) / sizeof(snap[0]); i++) {
		struct live L;
		struct cluster_stats st;

		REQUIRE_OR_GOTO(live_open(&L), out);
		/* Start over on a fresh link, as after an outage. */
		cluster_redis_drop(L.c, false);
		cluster_redis_connect(L.c);
		REQUIRE_OR_GOTO(L.c->cmd && L.c->sub, out);
		feed(L.c->cmd, "+OK\r\n");
		feed(L.c->sub, SUBSCRIBED);
		feed(L.c->cmd, snap[i]);
		cluster_get_stats(L.c, &st);
		CHECK(!cluster_up(L.c));
		CHECK_EQ_INT(st.replies_bad, 1);
		CHECK_EQ_INT(cluster_member_count(L.c), 0);
	out:
		live_close(&L);
	}
}

int main(void)
{
	RUN(test_relay_roundtrip);
	RUN(test_frame_roundtrip);
	RUN(test_frame_as_lua_writes_it);
	RUN(test_frame_refusals);
	RUN(test_mirror);
	RUN(test_reply_decode);
	RUN(test_reply_pairs);
	RUN(test_reply_guard);
	RUN(test_live_join);
	RUN(test_live_push);
	RUN(test_live_register);
	return HARNESS_DONE();
}
