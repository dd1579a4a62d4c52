/* Connection accounting of the front door (src/front/front_limit.c):
 * totals, sources (IPv4 address, IPv6 /64, v4-mapped as IPv4), release,
 * and slots outliving their limits. */
#include <stdlib.h>

#include "front/front_internal.h"
#include "harness.h"

static struct tr_addr ip(const char *text)
{
	struct tr_addr a;

	addr_parse_ip(&a, text, 1234);
	return a;
}

static void test_per_source(void)
{
	struct front_limits *l = front_limits_new(100, 2);
	struct tr_addr a = ip("192.0.2.1"), b = ip("192.0.2.2");
	struct tr_addr mapped = ip("::ffff:192.0.2.1");
	struct front_slot *s1, *s2, *s3;
	enum front_admit why;

	CHECK((s1 = front_limits_admit(l, &a, &why)) != NULL);
	CHECK((s2 = front_limits_admit(l, &a, &why)) != NULL);
	CHECK(front_limits_admit(l, &a, &why) == NULL);
	CHECK_EQ_INT(why, FRONT_ADMIT_SOURCE);
	/* The same IPv4 address written as v4-mapped IPv6 is the same source. */
	CHECK(front_limits_admit(l, &mapped, &why) == NULL);
	CHECK_EQ_INT(why, FRONT_ADMIT_SOURCE);
	CHECK((s3 = front_limits_admit(l, &b, &why)) != NULL);
	CHECK_EQ_INT(front_limits_open(l), 3);
	front_slot_release(s1);
	CHECK_EQ_INT(front_limits_open(l), 2);
	s1 = front_limits_admit(l, &a, &why);
	CHECK(s1 != NULL);
	front_slot_release(s1);
	front_slot_release(s2);
	front_slot_release(s3);
	front_slot_release(NULL);
	CHECK_EQ_INT(front_limits_open(l), 0);
	front_limits_free(l);
}

/* One IPv6 /64 is one source, whatever its interface ids. */
static void test_ipv6_prefix(void)
{
	struct front_limits *l = front_limits_new(100, 2);
	struct tr_addr x1 = ip("2001:db8:1:2::1"), x2 = ip("2001:db8:1:2:ffff::9");
	struct tr_addr x3 = ip("2001:db8:1:2:8000::"), y = ip("2001:db8:1:3::1");
	struct front_slot *s[3];
	enum front_admit why;

	CHECK((s[0] = front_limits_admit(l, &x1, &why)) != NULL);
	CHECK((s[1] = front_limits_admit(l, &x2, &why)) != NULL);
	CHECK(front_limits_admit(l, &x3, &why) == NULL);
	CHECK_EQ_INT(why, FRONT_ADMIT_SOURCE);
	CHECK((s[2] = front_limits_admit(l, &y, &why)) != NULL);
	for (int i = 0; i < 3; i++)
		front_slot_release(s[i]);
	front_limits_free(l);
}

static void test_total(void)
{
	struct front_limits *l = front_limits_new(3, 10);
	struct tr_addr a[4] = { ip("192.0.2.1"), ip("192.0.2.2"), ip("::1"),
				ip("192.0.2.4") };
	struct front_slot *s[3];
	enum front_admit why;

	for (int i = 0; i < 3; i++)
		CHECK((s[i] = front_limits_admit(l, &a[i], &why)) != NULL);
	CHECK(front_limits_admit(l, &a[3], &why) == NULL);
	CHECK_EQ_INT(why, FRONT_ADMIT_TOTAL);
	/* A reload lowers the limit: held slots stay, new ones wait. */
	front_limits_set(l, 2, 10);
	front_slot_release(s[0]);
	CHECK(front_limits_admit(l, &a[3], &why) == NULL);
	front_slot_release(s[1]);
	CHECK((s[0] = front_limits_admit(l, &a[3], &why)) != NULL);
	front_slot_release(s[0]);
	front_slot_release(s[2]);
	front_limits_free(l);
}

/* Connections outlive the front door at shutdown: their slots stay valid
 * and release nothing (the sanitizer build watches). */
static void test_slot_outlives_limits(void)
{
	struct front_limits *l = front_limits_new(10, 10);
	struct tr_addr a = ip("192.0.2.1");
	enum front_admit why;
	struct front_slot *s = front_limits_admit(l, &a, &why);

	CHECK(s != NULL);
	front_limits_free(l);
	front_slot_release(s);
	front_limits_free(NULL);
}

int main(void)
{
	RUN(test_per_source);
	RUN(test_ipv6_prefix);
	RUN(test_total);
	RUN(test_slot_outlives_limits);
	return HARNESS_DONE();
}
