/* The cluster module's pure parts: the pub/sub frame codec, the Redis
 * endpoint syntax and the member mirror. The live link is tested against
 * a real redis-server by tests/interop/test_cluster_link.sh. */
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	RUN(test_relay_roundtrip);
	RUN(test_frame_roundtrip);
	RUN(test_frame_as_lua_writes_it);
	RUN(test_frame_refusals);
	RUN(test_mirror);
	return HARNESS_DONE();
}
