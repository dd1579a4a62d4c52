/* max-bps token buckets and bps-capacity reservations (turn_bandwidth.c)
 * on a simulated clock: no sockets, a zeroed server with a config. */
#include <stdlib.h>

#include "conf/conf.h"
#include "harness.h"
#include "turn/turn_request.h"

struct rig {
	struct conf *conf;
	struct turn_server s;
};

static void rig_init(struct rig *g, unsigned max_bps, unsigned member, unsigned cap)
{
	memset(&g->s, 0, sizeof(g->s));
	g->conf = conf_new();
	g->conf->max_bps = max_bps;
	g->conf->member_max_bps = member;
	g->conf->bps_capacity = cap;
	g->s.conf = g->conf;
	g->s.now_ms = 1000;
}

/* Admits and grants as Allocate does; 0 or the error code. */
static int allocate(struct rig *g, struct allocation *a, enum auth_kind kind)
{
	struct turn_request r;
	enum stun_error code;

	memset(&r, 0, offsetof(struct turn_request, out));
	memset(a, 0, sizeof(*a));
	r.s = &g->s;
	r.cred.kind = kind;
	code = turn_bw_admit(&r);
	if (!code)
		turn_bw_grant(&r, a);
	return (int)code;
}

/* Offers len-byte packets every step_ms for ms; returns the bytes that
 * passed. */
static size_t offer(struct rig *g, struct allocation *a, bool to_peer, size_t len,
		    unsigned step_ms, unsigned ms)
{
	size_t passed = 0;

	for (unsigned t = 0; t < ms; t += step_ms) {
		g->s.now_ms += step_ms;
		if (turn_bw_pass(&g->s, a, to_peer, len))
			passed += len;
	}
	return passed;
}

static void test_rate_each_direction(void)
{
	struct rig g;
	struct allocation a;
	size_t out, in;

	rig_init(&g, 10000, 0, 0);
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_USER), 0);
	CHECK_EQ_INT(a.bps, 10000);
	/* 100 KB/s offered for 10 s: 10 KB/s plus the 1 KB burst passes. */
	out = offer(&g, &a, true, 1000, 10, 10000);
	CHECK(out >= 100000 && out <= 102000);
	/* The other direction has its own bucket. */
	in = offer(&g, &a, false, 500, 5, 10000);
	CHECK(in >= 100000 && in <= 102000);
	CHECK_EQ_INT(g.s.counters.bw_dropped_bytes[1], 1000000 - out);
	CHECK_EQ_INT(g.s.counters.bw_dropped_bytes[0], 1000000 - in);
	conf_free(g.conf);
}

static void test_below_limit_and_big_datagrams(void)
{
	struct rig g;
	struct allocation a;

	rig_init(&g, 2000, 0, 0);
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_USER), 0);
	/* 1 KB/s under a 2 KB/s limit: nothing dropped. */
	CHECK_EQ_INT(offer(&g, &a, true, 100, 100, 10000), 10000);
	/* A 60 KB datagram under a 2 KB/s limit passes once, then its debt
	 * (30 s worth) holds the direction shut. */
	CHECK(turn_bw_pass(&g.s, &a, true, 60000));
	CHECK_EQ_INT(offer(&g, &a, true, 100, 100, 20000), 0);
	CHECK(offer(&g, &a, true, 100, 100, 15000) > 0);
	conf_free(g.conf);
}

static void test_member_limit(void)
{
	struct rig g;
	struct allocation a;

	rig_init(&g, 50000, 20000, 0);
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_REST), 0);
	CHECK_EQ_INT(a.bps, 20000);
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_USER), 0);
	CHECK_EQ_INT(a.bps, 50000);
	conf_free(g.conf);
	/* member-max-bps alone limits members only. */
	rig_init(&g, 0, 20000, 0);
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_REST), 0);
	CHECK_EQ_INT(a.bps, 20000);
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_USER), 0);
	CHECK_EQ_INT(a.bps, 0);
	CHECK(turn_bw_pass(&g.s, &a, true, 65000));
	conf_free(g.conf);
}

static void test_capacity(void)
{
	struct rig g;
	struct allocation a[4];

	rig_init(&g, 40000, 0, 100000);
	CHECK_EQ_INT(allocate(&g, &a[0], AUTH_KIND_USER), 0);
	CHECK_EQ_INT(allocate(&g, &a[1], AUTH_KIND_USER), 0);
	CHECK_EQ_INT(allocate(&g, &a[2], AUTH_KIND_USER), 0);
	CHECK_EQ_INT(a[2].bps, 20000); /* what was left */
	CHECK_EQ_INT(g.s.bps_granted, 100000);
	CHECK_EQ_INT(allocate(&g, &a[3], AUTH_KIND_USER), 486);
	CHECK_EQ_INT(g.s.counters.bps_capacity_refused, 1);
	turn_bw_release(&g.s, &a[1]);
	turn_bw_release(&g.s, &a[1]); /* twice: no double credit */
	CHECK_EQ_INT(g.s.bps_granted, 60000);
	CHECK_EQ_INT(allocate(&g, &a[3], AUTH_KIND_USER), 0);
	CHECK_EQ_INT(a[3].bps, 40000);
	for (int i = 0; i < 4; i++)
		turn_bw_release(&g.s, &a[i]);
	CHECK_EQ_INT(g.s.bps_granted, 0);
	conf_free(g.conf);
}

/* A stream reader (RFC 6062 pair) on the simulated clock: reads len
 * bytes whenever not paused, then sleeps out the wait it is told, for ms;
 * returns the bytes read. */
static size_t stream(struct rig *g, struct allocation *a, bool to_peer, size_t len,
		     unsigned ms)
{
	uint64_t end = g->s.now_ms + ms;
	size_t read = 0;

	while (g->s.now_ms < end) {
		uint32_t wait = turn_bw_stream_wait(&g->s, a, to_peer, len);

		read += len;
		g->s.now_ms += wait ? wait : 1;
	}
	return read;
}

static void test_stream_paced(void)
{
	struct rig g;
	struct allocation a;
	size_t out, in;
	uint32_t wait;

	rig_init(&g, 10000, 4000, 0);
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_USER), 0);
	/* 10 s of 4000-byte reads: 10 KB/s plus the burst and one read,
	 * nothing dropped, each direction on its own. */
	out = stream(&g, &a, true, 4000, 10000);
	CHECK(out >= 100000 && out <= 105000);
	g.s.now_ms -= 10000; /* the same 10 s for the other direction */
	a.bw_from_peer.last_ms = g.s.now_ms;
	in = stream(&g, &a, false, 1000, 10000);
	CHECK(in >= 100000 && in <= 103000);
	CHECK_EQ_INT(g.s.counters.bw_dropped_bytes[0] + g.s.counters.bw_dropped_bytes[1],
		     0);
	/* A wait sleeps the debt out exactly: after it the bucket has room. */
	g.s.now_ms += 1000; /* a full bucket */
	wait = turn_bw_stream_wait(&g.s, &a, true, 5000);
	CHECK(wait >= 400 && wait <= 401);
	g.s.now_ms += wait - 1;
	CHECK(turn_bw_stream_wait(&g.s, &a, true, 0) > 0);
	g.s.now_ms += 1;
	CHECK_EQ_INT(turn_bw_stream_wait(&g.s, &a, true, 0), 0);
	CHECK_EQ_INT(turn_bw_stream_read_max(&a, 512, 65536), 1000);
	/* A member's stream gets member-max-bps; unlimited reads stay whole. */
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_REST), 0);
	CHECK(stream(&g, &a, true, 400, 5000) <= 20000 + 400 + 400);
	CHECK_EQ_INT(turn_bw_stream_read_max(&a, 512, 65536), 512);
	conf_free(g.conf);
	rig_init(&g, 0, 0, 0);
	CHECK_EQ_INT(allocate(&g, &a, AUTH_KIND_USER), 0);
	CHECK_EQ_INT(turn_bw_stream_wait(&g.s, &a, true, 1 << 20), 0);
	CHECK_EQ_INT(turn_bw_stream_read_max(&a, 512, 65536), 65536);
	conf_free(g.conf);
}

int main(void)
{
	RUN(test_rate_each_direction);
	RUN(test_below_limit_and_big_datagrams);
	RUN(test_member_limit);
	RUN(test_capacity);
	RUN(test_stream_paced);
	return HARNESS_DONE();
}
