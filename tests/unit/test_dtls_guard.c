/* turn/turn_dtls_guard: the stateless DTLS cookie (RFC 6347 4.2.1) and the
 * per-source handshake counts, on a fake clock and a fixed secret. */
#include <string.h>

#include "harness.h"
#include "turn/turn_dtls.h"
#include "util/addr.h"

#define HS DTLS_SRC_HANDSHAKES
#define EST DTLS_SRC_SESSIONS

static const uint8_t secret[DTLS_SECRET_LEN] = "0123456789abcdef0123456789abcdef";

static struct tr_addr ip(const char *text, uint16_t port)
{
	struct tr_addr a;

	memset(&a, 0, sizeof(a));
	CHECK(addr_parse_ip(&a, text, port) == 0);
	return a;
}

static void test_cookie_round_trip(void)
{
	struct dtls_guard *g = dtls_guard_new(secret);
	struct tr_addr a = ip("192.0.2.1", 5000);
	uint8_t c[DTLS_COOKIE_LEN];
	uint64_t t0 = 10 * DTLS_COOKIE_SLOT_MS + 123;

	CHECK(g != NULL);
	CHECK(dtls_guard_cookie(g, &a, t0, c) == 0);
	CHECK(dtls_guard_cookie_ok(g, &a, t0, c, sizeof(c)));
	/* Good for the rest of its slot and all of the next one. */
	CHECK(dtls_guard_cookie_ok(g, &a, t0 + DTLS_COOKIE_SLOT_MS, c, sizeof(c)));
	CHECK(dtls_guard_cookie_ok(g, &a, 12 * DTLS_COOKIE_SLOT_MS - 1, c, sizeof(c)));
	/* Two slots later it is stale. */
	CHECK(!dtls_guard_cookie_ok(g, &a, 12 * DTLS_COOKIE_SLOT_MS, c, sizeof(c)));
	/* Not accepted before it was made (a cookie from the future). */
	CHECK(!dtls_guard_cookie_ok(g, &a, 9 * DTLS_COOKIE_SLOT_MS, c, sizeof(c)));
	/* Only the full length. */
	CHECK(!dtls_guard_cookie_ok(g, &a, t0, c, sizeof(c) - 1));
	CHECK(!dtls_guard_cookie_ok(g, &a, t0, c, 0));
	dtls_guard_free(g);
}

static void test_cookie_bound_to_address(void)
{
	struct dtls_guard *g = dtls_guard_new(secret);
	struct tr_addr a = ip("192.0.2.1", 5000), other_port = ip("192.0.2.1", 5001);
	struct tr_addr other_ip = ip("192.0.2.2", 5000), v6 = ip("2001:db8::1", 5000);
	uint8_t c[DTLS_COOKIE_LEN], c6[DTLS_COOKIE_LEN];

	CHECK(dtls_guard_cookie(g, &a, 1000, c) == 0);
	CHECK(!dtls_guard_cookie_ok(g, &other_port, 1000, c, sizeof(c)));
	CHECK(!dtls_guard_cookie_ok(g, &other_ip, 1000, c, sizeof(c)));
	CHECK(!dtls_guard_cookie_ok(g, &v6, 1000, c, sizeof(c)));
	CHECK(dtls_guard_cookie(g, &v6, 1000, c6) == 0);
	CHECK(dtls_guard_cookie_ok(g, &v6, 1000, c6, sizeof(c6)));
	/* One flipped bit anywhere is refused. */
	for (size_t i = 0; i < sizeof(c); i++) {
		c[i] ^= 0x01;
		CHECK(!dtls_guard_cookie_ok(g, &a, 1000, c, sizeof(c)));
		c[i] ^= 0x01;
	}
	CHECK(dtls_guard_cookie_ok(g, &a, 1000, c, sizeof(c)));
	dtls_guard_free(g);
}

static void test_cookie_depends_on_secret(void)
{
	uint8_t other[DTLS_SECRET_LEN];
	struct dtls_guard *g = dtls_guard_new(secret), *h, *r1, *r2;
	struct tr_addr a = ip("192.0.2.1", 5000);
	uint8_t c[DTLS_COOKIE_LEN];

	memcpy(other, secret, sizeof(other));
	other[0] ^= 1;
	h = dtls_guard_new(other);
	CHECK(dtls_guard_cookie(g, &a, 1000, c) == 0);
	CHECK(!dtls_guard_cookie_ok(h, &a, 1000, c, sizeof(c)));
	/* Random secrets: two servers do not accept each other's cookies. */
	r1 = dtls_guard_new(NULL);
	r2 = dtls_guard_new(NULL);
	CHECK(r1 && r2);
	CHECK(dtls_guard_cookie(r1, &a, 1000, c) == 0);
	CHECK(dtls_guard_cookie_ok(r1, &a, 1000, c, sizeof(c)));
	CHECK(!dtls_guard_cookie_ok(r2, &a, 1000, c, sizeof(c)));
	dtls_guard_free(g);
	dtls_guard_free(h);
	dtls_guard_free(r1);
	dtls_guard_free(r2);
}

static void test_sources_ipv4(void)
{
	struct dtls_guard *g = dtls_guard_new(secret);
	struct tr_addr a1 = ip("198.51.100.7", 1), a2 = ip("198.51.100.7", 2);
	struct tr_addr b = ip("198.51.100.8", 1);

	CHECK_EQ_INT(dtls_guard_source_count(g, &a1, HS), 0);
	CHECK(dtls_guard_source_add(g, &a1, HS) == 0);
	CHECK(dtls_guard_source_add(g, &a2, HS) == 0);
	/* The port does not matter: one address, two handshakes. */
	CHECK_EQ_INT(dtls_guard_source_count(g, &a1, HS), 2);
	CHECK_EQ_INT(dtls_guard_source_count(g, &b, HS), 0);
	CHECK_EQ_INT(dtls_guard_source_entries(g), 1);
	dtls_guard_source_remove(g, &a2, HS);
	CHECK_EQ_INT(dtls_guard_source_count(g, &a1, HS), 1);
	dtls_guard_source_remove(g, &a1, HS);
	CHECK_EQ_INT(dtls_guard_source_count(g, &a1, HS), 0);
	CHECK_EQ_INT(dtls_guard_source_entries(g), 0);
	/* Removing what is not there changes nothing. */
	dtls_guard_source_remove(g, &b, HS);
	CHECK_EQ_INT(dtls_guard_source_entries(g), 0);
	dtls_guard_free(g);
}

static void test_sources_ipv6_per_64(void)
{
	struct dtls_guard *g = dtls_guard_new(secret);
	struct tr_addr a = ip("2001:db8:1:2::1", 1),
		       same64 = ip("2001:db8:1:2:ffff::9", 7);
	struct tr_addr other64 = ip("2001:db8:1:3::1", 1), v4 = ip("32.1.13.184", 1);

	CHECK(dtls_guard_source_add(g, &a, HS) == 0);
	CHECK(dtls_guard_source_add(g, &same64, HS) == 0);
	CHECK_EQ_INT(dtls_guard_source_count(g, &a, HS), 2);
	CHECK_EQ_INT(dtls_guard_source_count(g, &same64, HS), 2);
	CHECK_EQ_INT(dtls_guard_source_count(g, &other64, HS), 0);
	/* An IPv4 address with the same leading bytes is another source. */
	CHECK_EQ_INT(dtls_guard_source_count(g, &v4, HS), 0);
	dtls_guard_free(g); /* frees live entries too (checked by ASan) */
}

static void test_sources_two_kinds(void)
{
	struct dtls_guard *g = dtls_guard_new(secret);
	struct tr_addr a = ip("203.0.113.5", 1);

	/* A handshake that completes: the source's entry carries it over. */
	CHECK(dtls_guard_source_add(g, &a, HS) == 0);
	CHECK(dtls_guard_source_add(g, &a, EST) == 0);
	dtls_guard_source_remove(g, &a, HS);
	CHECK_EQ_INT(dtls_guard_source_count(g, &a, HS), 0);
	CHECK_EQ_INT(dtls_guard_source_count(g, &a, EST), 1);
	CHECK_EQ_INT(dtls_guard_source_entries(g), 1);
	/* A kind at zero is not decremented below it. */
	dtls_guard_source_remove(g, &a, HS);
	CHECK_EQ_INT(dtls_guard_source_count(g, &a, EST), 1);
	dtls_guard_source_remove(g, &a, EST);
	CHECK_EQ_INT(dtls_guard_source_entries(g), 0);
	dtls_guard_free(g);
}

static void test_sources_many(void)
{
	struct dtls_guard *g = dtls_guard_new(NULL);
	char text[32];

	/* More sources than buckets: chains work, counts stay exact. */
	for (int i = 0; i < 3000; i++) {
		struct tr_addr a;

		snprintf(text, sizeof(text), "10.%d.%d.1", i / 256, i % 256);
		a = ip(text, 9);
		CHECK(dtls_guard_source_add(g, &a, HS) == 0);
		if (i % 3 == 0)
			CHECK(dtls_guard_source_add(g, &a, HS) == 0);
	}
	CHECK_EQ_INT(dtls_guard_source_entries(g), 3000);
	for (int i = 0; i < 3000; i++) {
		struct tr_addr a;

		snprintf(text, sizeof(text), "10.%d.%d.1", i / 256, i % 256);
		a = ip(text, 9);
		CHECK_EQ_INT(dtls_guard_source_count(g, &a, HS), i % 3 == 0 ? 2 : 1);
		dtls_guard_source_remove(g, &a, HS);
	}
	CHECK_EQ_INT(dtls_guard_source_entries(g), 1000);
	dtls_guard_free(g);
}

int main(void)
{
	RUN(test_cookie_round_trip);
	RUN(test_cookie_bound_to_address);
	RUN(test_cookie_depends_on_secret);
	RUN(test_sources_ipv4);
	RUN(test_sources_ipv6_per_64);
	RUN(test_sources_two_kinds);
	RUN(test_sources_many);
	return HARNESS_DONE();
}
