/* The failed-authentication budgets (src/auth/auth_limit.c): per source
 * with IPv6 aggregated per /64, per username, in total; refill; 0 means
 * no limit; a reload changes the budgets. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "harness.h"
#include "util/addr.h"

static struct tr_addr ip(const char *text)
{
	struct tr_addr a;

	memset(&a, 0, sizeof(a));
	if (addr_parse_ip(&a, text, 1234))
		fprintf(stderr, "  bad test address %s\n", text);
	return a;
}

/* How many failures of (client, user) are checked before the first
 * refusal, at time now (at most max). */
static int answered(struct auth_limiter *l, const char *client, const char *user,
		    uint64_t now, int max)
{
	struct tr_addr a = ip(client);
	int n = 0;

	while (n < max && auth_limiter_check(l, &a, user, now) == AUTH_LIMIT_OK) {
		auth_limiter_fail(l, &a, user, now);
		n++;
	}
	return n;
}

static void test_source_key_aggregation(void)
{
	uint8_t k1[17], k2[17];
	struct tr_addr a = ip("2001:db8:1:2:aaaa::1"), b = ip("2001:db8:1:2:ffff::9");
	struct tr_addr c = ip("2001:db8:1:3::1"), d = ip("::ffff:192.0.2.7");
	struct tr_addr e = ip("192.0.2.7"), f = ip("192.0.2.8");

	auth_limiter_source_key(&a, k1);
	auth_limiter_source_key(&b, k2);
	CHECK(!memcmp(k1, k2, sizeof(k1))); /* same /64 */
	auth_limiter_source_key(&c, k2);
	CHECK(memcmp(k1, k2, sizeof(k1)) != 0); /* next /64 */
	auth_limiter_source_key(&d, k1);
	auth_limiter_source_key(&e, k2);
	CHECK(!memcmp(k1, k2, sizeof(k1))); /* v4-mapped is the IPv4 */
	auth_limiter_source_key(&f, k1);
	CHECK(memcmp(k1, k2, sizeof(k1)) != 0); /* IPv4 per address */
}

static void test_per_source_v6_64(void)
{
	struct auth_limiter *l = auth_limiter_new(&(struct auth_limits){ 5, 0, 0 });

	CHECK(l != NULL);
	/* Different users from one /64 share its budget. */
	CHECK_EQ_INT(answered(l, "2001:db8::1", "u1", 1000, 100), 5);
	CHECK_EQ_INT(answered(l, "2001:db8::2:3", "u2", 1000, 100), 0);
	CHECK_EQ_INT(auth_limiter_dropped(l, AUTH_LIMIT_SOURCE), 2);
	/* Another /64 has its own. */
	CHECK_EQ_INT(answered(l, "2001:db8:0:1::1", "u3", 1000, 100), 5);
	/* Refill: 5 per minute, one every 12 s. */
	CHECK_EQ_INT(answered(l, "2001:db8::1", "u1", 1000 + 12000, 100), 1);
	CHECK_EQ_INT(answered(l, "2001:db8::1", "u1", 1000 + 12000 + 60000 * 10, 100), 5);
	auth_limiter_free(l);
}

static void test_per_user_across_sources(void)
{
	struct auth_limiter *l = auth_limiter_new(&(struct auth_limits){ 20, 10, 0 });
	char src[32];
	int total = 0;

	/* 50 sources guessing one name: the name's budget bounds them. */
	for (int i = 1; i <= 50; i++) {
		snprintf(src, sizeof(src), "127.0.0.%d", i);
		total += answered(l, src, "alice", 5000, 21);
	}
	CHECK_EQ_INT(total, 10);
	CHECK(auth_limiter_dropped(l, AUTH_LIMIT_USER) >= 49);
	/* Another name from a fresh source is still checked... */
	CHECK_EQ_INT(answered(l, "10.0.0.1", "bob", 5000, 5), 5);
	/* ...and the source-only check (existing allocations) ignores names. */
	struct tr_addr a = ip("127.0.0.1");
	CHECK_EQ_INT(auth_limiter_check(l, &a, NULL, 5000), AUTH_LIMIT_OK);
	auth_limiter_free(l);
}

static void test_global(void)
{
	struct auth_limiter *l = auth_limiter_new(&(struct auth_limits){ 3, 3, 12 });
	char src[32], user[32];
	int total = 0;

	for (int i = 1; i <= 20; i++) {
		snprintf(src, sizeof(src), "198.51.100.%d", i);
		snprintf(user, sizeof(user), "user%d", i);
		total += answered(l, src, user, 100, 10);
	}
	CHECK_EQ_INT(total, 12);
	CHECK(auth_limiter_dropped(l, AUTH_LIMIT_GLOBAL) >= 16);
	auth_limiter_free(l);
}

static void test_zero_is_unlimited_and_reconfigure(void)
{
	struct auth_limiter *l = auth_limiter_new(&(struct auth_limits){ 0, 0, 0 });

	CHECK_EQ_INT(answered(l, "192.0.2.1", "alice", 0, 1000), 1000);
	auth_limiter_configure(l, &(struct auth_limits){ 0, 4, 0 });
	CHECK_EQ_INT(answered(l, "192.0.2.1", "carol", 0, 1000), 4);
	auth_limiter_free(l);
}

int main(void)
{
	RUN(test_source_key_aggregation);
	RUN(test_per_source_v6_64);
	RUN(test_per_user_across_sources);
	RUN(test_global);
	RUN(test_zero_is_unlimited_and_reconfigure);
	return HARNESS_DONE();
}
