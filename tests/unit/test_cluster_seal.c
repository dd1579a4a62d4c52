/* Sealed frames (src/cluster/cluster_seal.c): what opens, and why
 * everything else does not: a frame sealed without the secret, any byte
 * changed, another channel, a replay within a sender's process, a frame
 * of an earlier process of the sender, a frame too old for a receiver
 * that has not heard its sender. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_internal.h"
#include "harness.h"
#include "util/errors.h"

#define SECRET "unit-test-cluster-secret-0123456789"
#define CHAN "tr:0:all"
#define NOW ((uint64_t)1800000000000) /* ms */

struct sealed {
	uint8_t b[512];
	size_t n;
};

static bool contains(const uint8_t *p, size_t n, const char *s, size_t sl)
{
	for (size_t i = 0; i + sl <= n; i++)
		if (!memcmp(p + i, s, sl))
			return true;
	return false;
}

static struct cluster_seal *node(const char *secret, const char *id)
{
	return cluster_seal_new((const uint8_t *)secret, strlen(secret), id);
}

static bool seal(struct cluster_seal *s, const char *chan, const char *text, uint64_t t,
		 struct sealed *out)
{
	ssize_t n = cluster_seal_frame(s, chan, (const uint8_t *)text, strlen(text), t,
				       out->b, sizeof(out->b));

	out->n = n > 0 ? (size_t)n : 0;
	return n > 0 && (size_t)n == cluster_seal_size(s, strlen(text));
}

static enum cluster_reject open_at(struct cluster_seal *r, const char *chan,
				   const struct sealed *f, uint64_t t, const char *want)
{
	uint8_t plain[512];
	size_t n = 0;
	enum cluster_reject why =
		cluster_open_frame(r, chan, f->b, f->n, t, plain, sizeof(plain), &n);

	if (why == CLUSTER_REJECT_NONE && want)
		CHECK(n == strlen(want) && !memcmp(plain, want, n));
	return why;
}

static void test_roundtrip(void)
{
	struct cluster_seal *a = node(SECRET, "a"), *b = node(SECRET, "b");
	struct sealed f, g;

	REQUIRE_OR_GOTO(a && b, out);
	REQUIRE_OR_GOTO(seal(a, CHAN, "TR1E hello", NOW, &f), out);
	/* Confidential: the plain text is nowhere in the frame. */
	CHECK(!contains(f.b, f.n, "hello", 5));
	CHECK_EQ_INT(open_at(b, CHAN, &f, NOW, "TR1E hello"), CLUSTER_REJECT_NONE);
	/* An empty frame too; its own frames open for the sender. */
	REQUIRE_OR_GOTO(seal(a, CHAN, "", NOW, &g), out);
	CHECK_EQ_INT(open_at(b, CHAN, &g, NOW, ""), CLUSTER_REJECT_NONE);
	REQUIRE_OR_GOTO(seal(a, CHAN, "x", NOW, &g), out);
	CHECK_EQ_INT(open_at(a, CHAN, &g, NOW, "x"), CLUSTER_REJECT_NONE);
	/* Two frames of the same text differ (the sequence is in the nonce). */
	REQUIRE_OR_GOTO(seal(a, CHAN, "TR1E hello", NOW, &g), out);
	CHECK(f.n == g.n && memcmp(f.b, g.b, f.n));
out:
	cluster_seal_free(a);
	cluster_seal_free(b);
}

/* Every byte of a genuine frame, changed, makes it refused, and the
 * refusals leave nothing behind: the genuine frame opens after them. */
static void test_tamper_each_byte(void)
{
	struct cluster_seal *a = node(SECRET, "node-a"), *b = node(SECRET, "b");
	struct sealed f, t;
	size_t refused = 0;

	REQUIRE_OR_GOTO(a && b && seal(a, CHAN, "TR1E payload", NOW, &f), out);
	for (size_t i = 0; i < f.n; i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			t = f;
			t.b[i] ^= (uint8_t)(1u << bit);
			refused += open_at(b, CHAN, &t, NOW, NULL) != CLUSTER_REJECT_NONE;
		}
	}
	CHECK_EQ_INT(refused, 2 * f.n);
	/* Truncated or extended. */
	t = f;
	for (t.n = 0; t.n < f.n; t.n++)
		CHECK(open_at(b, CHAN, &t, NOW, NULL) != CLUSTER_REJECT_NONE);
	t.n = f.n + 1;
	CHECK(open_at(b, CHAN, &t, NOW, NULL) != CLUSTER_REJECT_NONE);
	CHECK_EQ_INT(open_at(b, CHAN, &f, NOW, "TR1E payload"), CLUSTER_REJECT_NONE);
out:
	cluster_seal_free(a);
	cluster_seal_free(b);
}

static void test_wrong_key_and_channel(void)
{
	struct cluster_seal *a = node(SECRET, "a"),
			    *x = node("another-secret-0123456", "a"),
			    *b = node(SECRET, "b");
	struct sealed f, g;

	REQUIRE_OR_GOTO(a && x && b, out);
	REQUIRE_OR_GOTO(seal(x, CHAN, "TR1K forged", NOW, &f), out);
	CHECK_EQ_INT(open_at(b, CHAN, &f, NOW, NULL), CLUSTER_REJECT_AUTH);
	/* A genuine frame moved to another node's channel. */
	REQUIRE_OR_GOTO(seal(a, "tr:0:node:b", "TR1E for b", NOW, &g), out);
	CHECK_EQ_INT(open_at(b, "tr:0:node:c", &g, NOW, NULL), CLUSTER_REJECT_AUTH);
	CHECK_EQ_INT(open_at(b, "tr:0:node:b", &g, NOW, "TR1E for b"),
		     CLUSTER_REJECT_NONE);
	/* Not a sealed frame at all: the inner layout, as before sealing. */
	memcpy(f.b, "TR1E0:0:0:0:0:", 14);
	f.n = 14;
	CHECK_EQ_INT(open_at(b, CHAN, &f, NOW, NULL), CLUSTER_REJECT_MALFORMED);
	f.n = 0;
	CHECK_EQ_INT(open_at(b, CHAN, &f, NOW, NULL), CLUSTER_REJECT_MALFORMED);
out:
	cluster_seal_free(a);
	cluster_seal_free(x);
	cluster_seal_free(b);
}

static void test_replay(void)
{
	struct cluster_seal *a = node(SECRET, "a"), *b = node(SECRET, "b");
	struct sealed f1, f2, f3;

	REQUIRE_OR_GOTO(a && b, out);
	REQUIRE_OR_GOTO(seal(a, CHAN, "one", NOW, &f1) &&
				seal(a, CHAN, "two", NOW, &f2) &&
				seal(a, CHAN, "three", NOW, &f3),
			out);
	CHECK_EQ_INT(open_at(b, CHAN, &f1, NOW, "one"), CLUSTER_REJECT_NONE);
	CHECK_EQ_INT(open_at(b, CHAN, &f1, NOW, NULL), CLUSTER_REJECT_REPLAY);
	/* A gap is fine (a frame for another channel), going back is not. */
	CHECK_EQ_INT(open_at(b, CHAN, &f3, NOW, "three"), CLUSTER_REJECT_NONE);
	CHECK_EQ_INT(open_at(b, CHAN, &f2, NOW, NULL), CLUSTER_REJECT_REPLAY);
	CHECK_EQ_INT(open_at(b, CHAN, &f3, NOW + 1000, NULL), CLUSTER_REJECT_REPLAY);
out:
	cluster_seal_free(a);
	cluster_seal_free(b);
}

/* The sender restarts (a new epoch, its sequence from 1 again): its new
 * frames are taken, and a frame of the earlier process is a replay. */
static void test_old_epoch(void)
{
	struct cluster_seal *a1 = node(SECRET, "a"), *a2 = node(SECRET, "a"),
			    *b = node(SECRET, "b");
	struct sealed old1, old2, new1, new2;

	REQUIRE_OR_GOTO(a1 && a2 && b, out);
	cluster_seal_set_epoch(a1, 1);
	cluster_seal_set_epoch(a2, 2);
	REQUIRE_OR_GOTO(seal(a1, CHAN, "old1", NOW, &old1) &&
				seal(a1, CHAN, "old2", NOW + 10, &old2),
			out);
	REQUIRE_OR_GOTO(seal(a2, CHAN, "new1", NOW + 20, &new1) &&
				seal(a2, CHAN, "new2", NOW + 30, &new2),
			out);
	CHECK_EQ_INT(open_at(b, CHAN, &old1, NOW, "old1"), CLUSTER_REJECT_NONE);
	CHECK_EQ_INT(open_at(b, CHAN, &new1, NOW + 20, "new1"), CLUSTER_REJECT_NONE);
	/* old2 was never delivered: still a frame of an older process. */
	CHECK_EQ_INT(open_at(b, CHAN, &old2, NOW + 25, NULL), CLUSTER_REJECT_REPLAY);
	CHECK_EQ_INT(open_at(b, CHAN, &old1, NOW + 25, NULL), CLUSTER_REJECT_REPLAY);
	CHECK_EQ_INT(open_at(b, CHAN, &new2, NOW + 30, "new2"), CLUSTER_REJECT_NONE);
	/* The new process's sequence restarted at 1 and is tracked anew. */
	CHECK_EQ_INT(open_at(b, CHAN, &new1, NOW + 30, NULL), CLUSTER_REJECT_REPLAY);
out:
	cluster_seal_free(a1);
	cluster_seal_free(a2);
	cluster_seal_free(b);
}

/* A receiver that has not heard a sender takes its frames only if recent. */
static void test_stale(void)
{
	struct cluster_seal *a = node(SECRET, "a"), *b = node(SECRET, "b"),
			    *c = node(SECRET, "c");
	struct sealed f, g;

	REQUIRE_OR_GOTO(a && b && c, out);
	REQUIRE_OR_GOTO(seal(a, CHAN, "f", NOW, &f) && seal(a, CHAN, "g", NOW, &g), out);
	CHECK_EQ_INT(open_at(b, CHAN, &f, NOW + CLUSTER_SEAL_WINDOW_MS + 1, NULL),
		     CLUSTER_REJECT_STALE);
	CHECK_EQ_INT(open_at(b, CHAN, &f, NOW - CLUSTER_SEAL_WINDOW_MS - 1, NULL),
		     CLUSTER_REJECT_STALE);
	CHECK_EQ_INT(open_at(b, CHAN, &f, NOW + CLUSTER_SEAL_WINDOW_MS, "f"),
		     CLUSTER_REJECT_NONE);
	/* Once the sender is known, its sequence decides (a quiet link). */
	CHECK_EQ_INT(open_at(b, CHAN, &g, NOW + 10 * CLUSTER_SEAL_WINDOW_MS, "g"),
		     CLUSTER_REJECT_NONE);
	CHECK_EQ_INT(open_at(c, CHAN, &g, NOW, "g"), CLUSTER_REJECT_NONE);
out:
	cluster_seal_free(a);
	cluster_seal_free(b);
	cluster_seal_free(c);
}

/* One secret, a key per purpose: the REST secret is derived, fixed for a
 * secret, and is neither the secret nor another purpose's key. */
static void test_keys(void)
{
	struct cluster_seal *a = node(SECRET, "a"), *b = node(SECRET, "b"),
			    *x = node("another-secret-0123456", "a");
	uint8_t ka[32], kb[32], kx[32], kf[32];

	REQUIRE_OR_GOTO(a && b && x, out);
	CHECK_EQ_INT(cluster_seal_key(a, "turn rest secret", 16, ka, 32), 0);
	CHECK_EQ_INT(cluster_seal_key(b, "turn rest secret", 16, kb, 32), 0);
	CHECK_EQ_INT(cluster_seal_key(x, "turn rest secret", 16, kx, 32), 0);
	CHECK_EQ_INT(cluster_seal_key(a, "frame key", 9, kf, 32), 0);
	CHECK(!memcmp(ka, kb, 32));
	CHECK(memcmp(ka, kx, 32));
	CHECK(memcmp(ka, kf, 32));
	CHECK(!contains(ka, 32, SECRET, 8));
	CHECK(node("", "a") == NULL);
out:
	cluster_seal_free(a);
	cluster_seal_free(b);
	cluster_seal_free(x);
}

int main(void)
{
	RUN(test_roundtrip);
	RUN(test_tamper_each_byte);
	RUN(test_wrong_key_and_channel);
	RUN(test_replay);
	RUN(test_old_epoch);
	RUN(test_stale);
	RUN(test_keys);
	return HARNESS_DONE();
}
