/* libFuzzer target for what a node reads from Redis: the fuzz bytes are
 * RESP (the first byte says which command waits for them). They go
 *  - through hiredis's reader, guarded as a node guards it, into every
 *    decoder (cluster_reply_decode): no read past a reply, and no push
 *    the guard passes that hiredis 0.14 would assert on;
 *  - into a node's live link (a listener of our own stands for Redis and
 *    never answers; the bytes are fed to the connection's reader and
 *    hiredis's read handler runs the node's callbacks): after a join, a
 *    checkRoom, a secret request, or on the subscription. A join's
 *    callback runs once, with string ids only.
 * Each input starts on a fresh, registered link. */
#include <event2/event.h>
#include <fcntl.h>
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
#include "fuzz.h"
#include "util/log.h"

#define MAX_PEERS 8

static struct {
	struct event_base *base;
	struct cluster *c;
	int lfd;
	int peers[MAX_PEERS];
	size_t n_peers;
	int joins, checks;
} F;

#define SUBSCRIBED                                                                       \
	"*3\r\n$9\r\nsubscribe\r\n$8\r\ntr:0:all\r\n:1\r\n"                              \
	"*3\r\n$9\r\nsubscribe\r\n$12\r\ntr:0:node:n1\r\n:2\r\n"
#define REGISTERED "+OK\r\n:1\r\n*2\r\n:1\r\n*0\r\n*0\r\n*2\r\n:0\r\n*0\r\n:0\r\n"

static void feed(struct redisAsyncContext *ac, const void *p, size_t len)
{
	if (!ac)
		return;
	redisReaderFeed(ac->c.reader, p, len);
	redisAsyncHandleRead(ac);
}

static void feed_str(struct redisAsyncContext *ac, const char *s)
{
	feed(ac, s, strlen(s));
}

/* The previous input's connections are gone: close our ends, connect
 * again, accept (so the listener's backlog never fills), register. */
static void fresh_link(void)
{
	int fd;

	cluster_redis_drop(F.c, false);
	for (size_t i = 0; i < F.n_peers; i++)
		close(F.peers[i]);
	F.n_peers = 0;
	cluster_redis_connect(F.c);
	while (F.n_peers < MAX_PEERS && (fd = accept(F.lfd, NULL, NULL)) >= 0)
		F.peers[F.n_peers++] = fd;
	feed_str(F.c->cmd, "+OK\r\n");
	feed_str(F.c->sub, SUBSCRIBED);
	feed_str(F.c->cmd, REGISTERED);
	if (!cluster_up(F.c))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cluster_config cc = { .node_id = "n1",
				     .node_timeout_ms = 60000,
				     .secret = (const uint8_t *)"fuzz-cluster-secret",
				     .secret_len = 19 };
	struct cluster_handlers h = { 0 };
	char err[128];

	log_open(NULL, false, LOG_LVL_ERR);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/tr-fuzz-redis-%ld.sock",
		 (long)getpid());
	unlink(sa.sun_path);
	F.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (F.lfd < 0 || bind(F.lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(F.lfd, 16) || fcntl(F.lfd, F_SETFL, O_NONBLOCK) ||
	    !(F.base = event_base_new()))
		abort();
	cc.redis.is_unix = true;
	snprintf(cc.redis.host, sizeof(cc.redis.host), "%s", sa.sun_path);
	F.c = cluster_new(F.base, &cc, &h, err, sizeof(err));
	if (!F.c)
		abort();
	return 0;
}

/* ---- the decoders and the guard, on their own ---- */

static void decode_all(const redisReply *r)
{
	struct cluster_reply d;
	struct cluster_reply_pair p;

	for (int k = CLUSTER_REPLY_OK; k <= CLUSTER_REPLY_PUBSUB; k++) {
		if (cluster_reply_decode((enum cluster_reply_kind)k, r, &d))
			continue;
		for (size_t i = 0; i < d.n_pairs; i++) {
			cluster_reply_pair_at(&d, i, &p);
			if (!p.user || !p.node || !p.user_len || !p.node_len)
				abort();
		}
	}
}

/* What hiredis 0.14's __redisGetSubscribeCallback reads of a push. */
static void push_ok_for_hiredis(const redisReply *r)
{
	if (r->type == REDIS_REPLY_ERROR)
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING)
		abort();
}

static void reader_pass(const uint8_t *data, size_t size, bool sub, bool awaited)
{
	redisReader *rd = redisReaderCreate();
	struct cluster_guard g = { .sub = sub };
	redisCallbackList list = { 0 };
	redisCallback cb = { 0 };
	void *reply;

	if (!rd)
		return;
	list.head = awaited ? &cb : NULL;
	g.replies = &list;
	cluster_reply_guard(rd, &g);
	redisReaderFeed(rd, (const char *)data, size);
	for (int n = 0; n < 16; n++) {
		reply = NULL;
		if (redisReaderGetReply(rd, &reply) != REDIS_OK || !reply)
			break;
		decode_all(reply);
		if (sub && !awaited)
			push_ok_for_hiredis(reply);
		if (!sub && !awaited && ((redisReply *)reply)->type != REDIS_REPLY_ERROR)
			abort(); /* hiredis asserts on a reply to no command */
		freeReplyObject(reply);
	}
	redisReaderFree(rd);
}

/* ---- the live link ---- */

static void joined(void *arg, enum cluster_status st, unsigned n,
		   const struct cluster_member *others, size_t n_others)
{
	F.joins++;
	if (st != CLUSTER_OK && n_others)
		abort();
	for (size_t i = 0; i < n_others; i++)
		if (!others[i].user || !others[i].node || !*others[i].user ||
		    !*others[i].node)
			abort();
}

static void checked(void *arg, enum cluster_status st, unsigned n)
{
	F.checks++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	reader_pass(data, size, sel & 1, sel & 2);
	fresh_link();
	F.joins = F.checks = 0;
	switch (sel % 3) {
	case 0:
		cluster_join(F.c, "room", "u1", 2, joined, NULL);
		feed(F.c->cmd, data, size);
		break;
	case 1:
		cluster_check(F.c, "room", checked, NULL);
		feed(F.c->cmd, data, size);
		break;
	default:
		feed(F.c->sub, data, size);
		break;
	}
	/* Whatever is still waiting ends with the link: each callback runs
	 * exactly once. */
	cluster_redis_drop(F.c, false);
	if (F.joins + F.checks != (sel % 3 == 2 ? 0 : 1))
		abort();
	return 0;
}
