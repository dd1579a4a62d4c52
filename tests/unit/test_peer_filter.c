/* Peer filter: the default deny list range by range, the IPv4-in-IPv6
 * forms, allow_loopback, allowed/denied ranges and their syntax.
 * Every verdict is a {address, expected} row so coverage reads at a glance. */
#include <stdbool.h>
#include <stdio.h>

#include "harness.h"
#include "turn/turn.h"
#include "util/errors.h"
#include "util/peer_range.h"

struct row {
	const char *ip;
	bool allowed;
};

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* The filter takes parsed ranges (src/conf parses the options once);
 * these parse text with the one parser, util/peer_range.c. */
static int add_text(struct peer_filter *f, const char *text, bool allow)
{
	struct peer_range r;

	return peer_range_parse(text, &r) < 0 ? TR_EINVAL : peer_filter_add(f, &r, allow);
}

static int add_self_text(struct peer_filter *f, const char *text, bool pinned)
{
	struct peer_range r;

	return peer_range_parse(text, &r) < 0 ? TR_EINVAL
					      : peer_filter_add_self(f, &r, pinned);
}

/* Checks every row against f; label names the table in failure output. */
static void check_rows(const struct peer_filter *f, const struct row *rows, size_t n,
		       const char *label)
{
	for (size_t i = 0; i < n && rows[i].ip; i++) {
		struct tr_addr a;
		bool got;

		if (addr_parse_ip(&a, rows[i].ip, 3478) < 0) {
			fprintf(stderr, "  %s: bad test address %s\n", label, rows[i].ip);
			harness_failed_checks++;
			continue;
		}
		got = peer_filter_allows(f, &a);
		if (got != rows[i].allowed) {
			fprintf(stderr, "  %s: %s %s, expected %s\n", label, rows[i].ip,
				got ? "allowed" : "denied",
				rows[i].allowed ? "allowed" : "denied");
			harness_failed_checks++;
		}
	}
}

static void check_table(bool allow_loopback, const struct row *rows, size_t n,
			const char *label)
{
	struct peer_filter *f = peer_filter_new(allow_loopback);

	CHECK(f != NULL);
	if (f)
		check_rows(f, rows, n, label);
	peer_filter_free(f);
}

/* First, middle and last address of every default range. */
static const struct row default_inside[] = {
	/* 0.0.0.0/8 */
	{ "0.0.0.0", false },
	{ "0.127.255.255", false },
	{ "0.255.255.255", false },
	/* 10.0.0.0/8 */
	{ "10.0.0.0", false },
	{ "10.127.255.255", false },
	{ "10.255.255.255", false },
	/* 100.64.0.0/10 */
	{ "100.64.0.0", false },
	{ "100.95.255.255", false },
	{ "100.127.255.255", false },
	/* 127.0.0.0/8 */
	{ "127.0.0.0", false },
	{ "127.127.255.255", false },
	{ "127.255.255.255", false },
	/* 169.254.0.0/16 */
	{ "169.254.0.0", false },
	{ "169.254.127.255", false },
	{ "169.254.255.255", false },
	/* 172.16.0.0/12 */
	{ "172.16.0.0", false },
	{ "172.23.255.255", false },
	{ "172.31.255.255", false },
	/* 192.0.0.0/24 */
	{ "192.0.0.0", false },
	{ "192.0.0.127", false },
	{ "192.0.0.255", false },
	/* 192.0.2.0/24 */
	{ "192.0.2.0", false },
	{ "192.0.2.127", false },
	{ "192.0.2.255", false },
	/* 192.31.196.0/24 */
	{ "192.31.196.0", false },
	{ "192.31.196.127", false },
	{ "192.31.196.255", false },
	/* 192.52.193.0/24 */
	{ "192.52.193.0", false },
	{ "192.52.193.127", false },
	{ "192.52.193.255", false },
	/* 192.88.99.0/24 */
	{ "192.88.99.0", false },
	{ "192.88.99.127", false },
	{ "192.88.99.255", false },
	/* 192.168.0.0/16 */
	{ "192.168.0.0", false },
	{ "192.168.127.255", false },
	{ "192.168.255.255", false },
	/* 192.175.48.0/24 */
	{ "192.175.48.0", false },
	{ "192.175.48.127", false },
	{ "192.175.48.255", false },
	/* 198.18.0.0/15 */
	{ "198.18.0.0", false },
	{ "198.18.255.255", false },
	{ "198.19.255.255", false },
	/* 198.51.100.0/24 */
	{ "198.51.100.0", false },
	{ "198.51.100.127", false },
	{ "198.51.100.255", false },
	/* 203.0.113.0/24 */
	{ "203.0.113.0", false },
	{ "203.0.113.127", false },
	{ "203.0.113.255", false },
	/* 224.0.0.0/4 */
	{ "224.0.0.0", false },
	{ "231.255.255.255", false },
	{ "239.255.255.255", false },
	/* 240.0.0.0/4 */
	{ "240.0.0.0", false },
	{ "247.255.255.255", false },
	{ "255.255.255.255", false },
	/* ::/128 */
	{ "::", false },
	/* ::1/128 */
	{ "::1", false },
	/* 64:ff9b::/96 */
	{ "64:ff9b::", false },
	{ "64:ff9b::7fff:ffff", false },
	{ "64:ff9b::ffff:ffff", false },
	/* 64:ff9b:1::/48 */
	{ "64:ff9b:1::", false },
	{ "64:ff9b:1:7fff:ffff:ffff:ffff:ffff", false },
	{ "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", false },
	/* 100::/64 */
	{ "100::", false },
	{ "100::7fff:ffff:ffff:ffff", false },
	{ "100::ffff:ffff:ffff:ffff", false },
	/* 2001::/23 */
	{ "2001::", false },
	{ "2001:ff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* 2001:db8::/32 */
	{ "2001:db8::", false },
	{ "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", false },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* 2002::/16 */
	{ "2002::", false },
	{ "2002:7fff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* 2620:4f:8000::/48 */
	{ "2620:4f:8000::", false },
	{ "2620:4f:8000:7fff:ffff:ffff:ffff:ffff", false },
	{ "2620:4f:8000:ffff:ffff:ffff:ffff:ffff", false },
	/* 3fff::/20 */
	{ "3fff::", false },
	{ "3fff:7ff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* 5f00::/16 */
	{ "5f00::", false },
	{ "5f00:7fff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* fc00::/7 */
	{ "fc00::", false },
	{ "fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* fe80::/10 */
	{ "fe80::", false },
	{ "fe9f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* fec0::/10 */
	{ "fec0::", false },
	{ "fedf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* ff00::/8 */
	{ "ff00::", false },
	{ "ff7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
};

/* The public neighbours just outside each range (IPv6: within 2000::/3),
 * one line per range: the address below it, then the one above. */
/* clang-format off */
static const struct row default_outside[] = {
	/* around 0.0.0.0/8 */
	{ "1.0.0.0", true },
	/* around 10.0.0.0/8 */
	{ "9.255.255.255", true }, { "11.0.0.0", true },
	/* around 100.64.0.0/10 */
	{ "100.63.255.255", true }, { "100.128.0.0", true },
	/* around 127.0.0.0/8 */
	{ "126.255.255.255", true }, { "128.0.0.0", true },
	/* around 169.254.0.0/16 */
	{ "169.253.255.255", true }, { "169.255.0.0", true },
	/* around 172.16.0.0/12 */
	{ "172.15.255.255", true }, { "172.32.0.0", true },
	/* around 192.0.0.0/24 */
	{ "191.255.255.255", true }, { "192.0.1.0", true },
	/* around 192.0.2.0/24 */
	{ "192.0.1.255", true }, { "192.0.3.0", true },
	/* around 192.31.196.0/24 */
	{ "192.31.195.255", true }, { "192.31.197.0", true },
	/* around 192.52.193.0/24 */
	{ "192.52.192.255", true }, { "192.52.194.0", true },
	/* around 192.88.99.0/24 */
	{ "192.88.98.255", true }, { "192.88.100.0", true },
	/* around 192.168.0.0/16 */
	{ "192.167.255.255", true }, { "192.169.0.0", true },
	/* around 192.175.48.0/24 */
	{ "192.175.47.255", true }, { "192.175.49.0", true },
	/* around 198.18.0.0/15 */
	{ "198.17.255.255", true }, { "198.20.0.0", true },
	/* around 198.51.100.0/24 */
	{ "198.51.99.255", true }, { "198.51.101.0", true },
	/* around 203.0.113.0/24 */
	{ "203.0.112.255", true }, { "203.0.114.0", true },
	/* around 224.0.0.0/4 */
	{ "223.255.255.255", true },
	/* around 2001::/23 */
	{ "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true }, { "2001:200::", true },
	/* around 2001:db8::/32 */
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true }, { "2001:db9::", true },
	/* around 2002::/16 */
	{ "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true }, { "2003::", true },
	/* around 2620:4f:8000::/48 */
	{ "2620:4f:7fff:ffff:ffff:ffff:ffff:ffff", true }, { "2620:4f:8001::", true },
	/* around 3fff::/20 */
	{ "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true }, { "3fff:1000::", true },
};
/* clang-format on */

/* 26 probe addresses an attacker would try through a relay (loopback,
 * private, CGNAT, metadata, their IPv4-in-IPv6 forms, ...), and some
 * public addresses that must stay reachable. */
static const struct row probes[] = {
	{ "0.0.0.0", false },
	{ "127.0.0.1", false },
	{ "10.0.0.1", false },
	{ "172.16.0.1", false },
	{ "192.168.1.1", false },
	{ "100.64.0.1", false },
	{ "169.254.169.254", false },
	{ "192.0.0.1", false },
	{ "192.0.2.1", false },
	{ "198.18.0.1", false },
	{ "198.51.100.1", false },
	{ "203.0.113.1", false },
	{ "224.0.0.1", false },
	{ "239.255.255.250", false },
	{ "240.0.0.1", false },
	{ "255.255.255.255", false },
	{ "::", false },
	{ "::1", false },
	{ "fe80::1", false },
	{ "fc00::1", false },
	{ "fd00::1", false },
	{ "ff02::1", false },
	{ "2001:db8::1", false },
	{ "::ffff:127.0.0.1", false },
	{ "::ffff:169.254.169.254", false },
	{ "64:ff9b::7f00:1", false },
	{ "8.8.8.8", true },
	{ "1.1.1.1", true },
	{ "2606:4700::1111", true },
	{ "2a00:1450:4001::200e", true },
};

/* IPv4 carried in IPv6 (CVE-2026-27624): judged as IPv4 as well. */
static const struct row embedded[] = {
	/* mapped ::ffff:a.b.c.d */
	{ "::ffff:127.0.0.1", false },
	{ "::ffff:10.1.2.3", false },
	{ "::ffff:169.254.169.254", false },
	{ "::ffff:0.0.0.0", false },
	{ "::ffff:255.255.255.255", false },
	{ "::ffff:8.8.8.8", true },
	{ "::ffff:1.1.1.1", true },
	/* compatible ::a.b.c.d */
	{ "::127.0.0.1", false },
	{ "::10.1.2.3", false },
	{ "::169.254.169.254", false },
	{ "::2", false },
	{ "::8.8.8.8", true },
	/* NAT64 64:ff9b::/96 is shut whatever it carries */
	{ "64:ff9b::a9fe:a9fe", false },
	{ "64:ff9b::808:808", false },
	{ "64:ff9b::7f00:1", false },
	/* 6to4 2002:AABB:CCDD::/48 likewise */
	{ "2002:7f00:1::1", false },
	{ "2002:a9fe:a9fe::1", false },
	{ "2002:808:808::1", false },
	/* look-alikes that carry nothing */
	{ "::ffff:0:808:808", true },
	{ "1::ffff:808:808", true },
};

static const struct row loopback_on[] = {
	{ "127.0.0.1", true },
	{ "127.255.255.255", true },
	{ "::1", true },
	{ "::ffff:127.0.0.1", true },
	{ "::127.0.0.1", true },
	{ "10.0.0.1", false },
	{ "0.0.0.0", false },
	{ "::", false },
	{ "::ffff:10.0.0.1", false },
	{ "169.254.169.254", false },
	{ "64:ff9b::7f00:1", false },
	{ "2002:7f00:1::1", false },
	{ "8.8.8.8", true },
};

static void test_default_inside(void)
{
	check_table(false, default_inside, NROWS(default_inside), "inside");
}

static void test_default_outside(void)
{
	check_table(false, default_outside, NROWS(default_outside), "outside");
}

static void test_probes(void)
{
	check_table(false, probes, NROWS(probes), "probes");
}

static void test_embedded(void)
{
	check_table(false, embedded, NROWS(embedded), "embedded");
}

static void test_allow_loopback(void)
{
	check_table(true, loopback_on, NROWS(loopback_on), "loopback");
}

/* Up to three ranges added to a default filter, then rows checked. */
struct add_case {
	struct {
		const char *range;
		bool allow;
	} add[3];
	struct row rows[10];
};

static const struct add_case add_cases[] = {
	{ { { "10.0.0.0/8", true } },
	  { { "10.0.0.0", true },
	    { "10.255.255.255", true },
	    { "::ffff:10.1.2.3", true },
	    { "::10.1.2.3", true },
	    { "64:ff9b::a01:203", false },
	    { "2002:a01:203::1", false },
	    { "9.255.255.255", true },
	    { "172.16.0.1", false },
	    { "127.0.0.1", false } } },
	{ { { "10.1.1.1-10.1.1.5", true } },
	  { { "10.1.1.0", false },
	    { "10.1.1.1", true },
	    { "10.1.1.3", true },
	    { "10.1.1.5", true },
	    { "10.1.1.6", false },
	    { "::ffff:10.1.1.4", true } } },
	{ { { "10.2.2.2", true } },
	  { { "10.2.2.1", false },
	    { "10.2.2.2", true },
	    { "10.2.2.3", false },
	    { "::ffff:10.2.2.2", true } } },
	{ { { "fd00::/8", true } },
	  { { "fd00::", true },
	    { "fd12:3456::1", true },
	    { "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	    { "fc00::1", false },
	    { "fe80::1", false },
	    { "10.0.0.1", false } } },
	/* Host bits past the prefix are ignored. */
	{ { { "192.168.1.77/16", true } },
	  { { "192.168.0.0", true },
	    { "192.168.255.255", true },
	    { "172.16.0.1", false } } },
	{ { { "127.0.0.1", true } },
	  { { "127.0.0.1", true },
	    { "::ffff:127.0.0.1", true },
	    { "127.0.0.2", false },
	    { "::1", false } } },
	{ { { "::1", true } },
	  { { "::1", true }, { "127.0.0.1", false }, { "::", false } } },
	/* Opening NAT64 or 6to4 keeps what they carry judged. */
	{ { { "64:ff9b::/96", true } },
	  { { "64:ff9b::808:808", true },
	    { "64:ff9b::a9fe:a9fe", false },
	    { "64:ff9b::7f00:1", false },
	    { "64:ff9b:1::1", false } } },
	{ { { "2002::/16", true } },
	  { { "2002:808:808::1", true }, { "2002:a9fe:a9fe::1", false } } },
	{ { { "64:ff9b::/96", true }, { "169.254.169.254", true } },
	  { { "64:ff9b::a9fe:a9fe", true },
	    { "169.254.169.254", true },
	    { "169.254.169.253", false } } },
	{ { { "8.8.8.0/24", false } },
	  { { "8.8.8.0", false },
	    { "8.8.8.8", false },
	    { "8.8.8.255", false },
	    { "8.8.7.255", true },
	    { "8.8.9.0", true },
	    { "::ffff:8.8.8.8", false },
	    { "::8.8.8.8", false } } },
	{ { { "2001:4860::/32", false } },
	  { { "2001:4860::", false },
	    { "2001:4860:4860::8888", false },
	    { "2001:4860:ffff:ffff:ffff:ffff:ffff:ffff", false },
	    { "2001:485f:ffff:ffff:ffff:ffff:ffff:ffff", true },
	    { "2001:4861::", true } } },
	/* A mapped range means IPv4: it also catches plain IPv4 peers. */
	{ { { "::ffff:1.2.3.0/120", false } },
	  { { "1.2.3.4", false }, { "::ffff:1.2.3.4", false }, { "1.2.4.0", true } } },
	{ { { "1.1.1.1-1.1.1.1", false } },
	  { { "1.1.1.1", false }, { "1.1.1.0", true }, { "1.1.1.2", true } } },
	{ { { "0.0.0.0/0", false } },
	  { { "8.8.8.8", false },
	    { "::ffff:8.8.8.8", false },
	    { "2606:4700::1111", true } } },
	{ { { "::/0", false } },
	  { { "2606:4700::1111", false },
	    { "::ffff:8.8.8.8", false },
	    { "8.8.8.8", true } } },
	/* Allowed beats denied, in either order of adding. */
	{ { { "8.8.0.0/16", false }, { "8.8.8.0/24", true } },
	  { { "8.8.8.8", true },
	    { "::ffff:8.8.8.8", true },
	    { "8.8.9.9", false },
	    { "8.9.0.0", true } } },
	{ { { "10.0.0.0/8", true }, { "10.1.0.0/16", false } },
	  { { "10.1.2.3", true }, { "10.200.0.1", true } } },
	{ { { "2606:4700::/32", true },
	    { "2606:4700::/32", false },
	    { "2606::/16", false } },
	  { { "2606:4700::1111", true }, { "2606:4701::1", false } } },
};

static void test_added_ranges(void)
{
	for (size_t i = 0; i < NROWS(add_cases); i++) {
		const struct add_case *c = &add_cases[i];
		struct peer_filter *f = peer_filter_new(false);
		char label[64];

		CHECK(f != NULL);
		if (!f)
			continue;
		for (size_t j = 0; j < NROWS(c->add) && c->add[j].range; j++)
			CHECK_EQ_INT(add_text(f, c->add[j].range, c->add[j].allow), 0);
		snprintf(label, sizeof(label), "case %zu (%s)", i, c->add[0].range);
		check_rows(f, c->rows, NROWS(c->rows), label);
		peer_filter_free(f);
	}
}

static const struct {
	const char *text;
	int rc;
} syntax[] = {
	{ "1.2.3.4", 0 },
	{ "1.2.3.4/32", 0 },
	{ "1.2.3.4/0", 0 },
	{ "1.2.3.4/008", 0 },
	{ "1.2.3.4-1.2.3.4", 0 },
	{ "::1", 0 },
	{ "[::1]", 0 },
	{ "::/0", 0 },
	{ "::1/128", 0 },
	{ "fd00::/8", 0 },
	{ "::1-::2", 0 },
	{ "10.0.0.1-", TR_EINVAL },
	{ "-10.0.0.1", TR_EINVAL },
	{ "10.0.0.5-10.0.0.1", TR_EINVAL },
	{ "::2-::1", TR_EINVAL },
	{ "1.2.3.4/33", TR_EINVAL },
	{ "::1/129", TR_EINVAL },
	{ "1.2.3.4/99999999999999999999", TR_EINVAL },
	{ "1.2.3.4/", TR_EINVAL },
	{ "/8", TR_EINVAL },
	{ "1.2.3.4/-1", TR_EINVAL },
	{ "1.2.3.4/+8", TR_EINVAL },
	{ "1.2.3.4/ 8", TR_EINVAL },
	{ "1.2.3.4/8/8", TR_EINVAL },
	{ "1.2.3.4/8-1.2.3.5", TR_EINVAL },
	{ "1.2.3.4-1.2.3.5-1.2.3.6", TR_EINVAL },
	{ "1.2.3.4-::1", TR_EINVAL },
	{ "::1-1.2.3.4", TR_EINVAL },
	{ " 1.2.3.4", TR_EINVAL },
	{ "1.2.3.4 ", TR_EINVAL },
	{ "1.2.3", TR_EINVAL },
	{ "1.2.3.256", TR_EINVAL },
	{ "fe80::1%eth0", TR_EINVAL },
	{ "1.2.3.4:3478", TR_EINVAL },
	{ "nonsense", TR_EINVAL },
	{ "", TR_EINVAL },
	{ "1.2.3.4 1.2.3.5", TR_EINVAL },
	{ "1111:2222:3333:4444:5555:6666:7777:8888-1111:2222:3333:4444:5555:"
	  "6666:7777:8888:9",
	  TR_EINVAL },
	{ "[1.2.3.4]", TR_EINVAL },
};

static void test_syntax(void)
{
	struct peer_filter *ok = peer_filter_new(false);
	struct peer_filter *bad = peer_filter_new(false);
	/* Were any rejected text half-applied as a deny, one of these (all
	 * public, all named in the bad rows) would be refused. */
	static const struct row untouched[] = {
		{ "1.2.3.4", true }, { "1.2.3.5", true },         { "1.2.3.6", true },
		{ "8.8.8.8", true }, { "2606:4700::1111", true },
	};
	char longtext[300];

	CHECK(ok != NULL && bad != NULL);
	for (size_t i = 0; ok && bad && i < NROWS(syntax); i++) {
		struct peer_filter *f = syntax[i].rc == 0 ? ok : bad;
		int rc = add_text(f, syntax[i].text, false);

		if (rc != syntax[i].rc) {
			fprintf(stderr, "  syntax: \"%s\" -> %d, expected %d\n",
				syntax[i].text, rc, syntax[i].rc);
			harness_failed_checks++;
		}
	}
	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	CHECK_EQ_INT(add_text(bad, longtext, false), TR_EINVAL);
	CHECK_EQ_INT(peer_filter_add(ok, NULL, true), TR_EINVAL);
	CHECK_EQ_INT(peer_filter_add_self(ok, NULL, true), TR_EINVAL);
	{
		struct peer_range r;

		CHECK_EQ_INT(peer_range_parse("1.2.3.4", &r), 0);
		CHECK_EQ_INT(peer_filter_add(NULL, &r, true), TR_EINVAL);
	}
	if (bad)
		check_rows(bad, untouched, NROWS(untouched), "after bad syntax");
	peer_filter_free(ok);
	peer_filter_free(bad);
}

/* Many ranges force the arrays to grow more than once. */
static void test_many_ranges(void)
{
	struct peer_filter *f = peer_filter_new(false);
	char text[32];
	struct tr_addr a;

	REQUIRE(f != NULL);
	for (int i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "45.0.%d.%d", i / 256, i % 256);
		CHECK_EQ_INT(add_text(f, text, false), 0);
		snprintf(text, sizeof(text), "10.9.%d.%d", i / 256, i % 256);
		CHECK_EQ_INT(add_text(f, text, true), 0);
	}
	CHECK_EQ_INT(addr_parse_ip(&a, "45.0.3.231", 1), 0);
	CHECK(!peer_filter_allows(f, &a));
	CHECK_EQ_INT(addr_parse_ip(&a, "45.0.3.232", 1), 0);
	CHECK(peer_filter_allows(f, &a));
	CHECK_EQ_INT(addr_parse_ip(&a, "10.9.3.231", 1), 0);
	CHECK(peer_filter_allows(f, &a));
	CHECK_EQ_INT(addr_parse_ip(&a, "10.9.3.232", 1), 0);
	CHECK(!peer_filter_allows(f, &a));
	peer_filter_free(f);
}

/* The port plays no part; an address of no known family is refused. */
static void test_port_and_family(void)
{
	struct peer_filter *f = peer_filter_new(false);
	struct tr_addr a;

	REQUIRE(f != NULL);
	CHECK_EQ_INT(addr_parse_ip(&a, "8.8.8.8", 0), 0);
	CHECK(peer_filter_allows(f, &a));
	addr_set_port(&a, 65535);
	CHECK(peer_filter_allows(f, &a));
	CHECK_EQ_INT(addr_parse_ip(&a, "10.0.0.1", 3478), 0);
	CHECK(!peer_filter_allows(f, &a));
	memset(&a, 0, sizeof(a));
	CHECK(!peer_filter_allows(f, &a));
	CHECK(!peer_filter_allows(f, NULL));
	peer_filter_free(f);
}

static bool allows_at(const struct peer_filter *f, const char *ip, uint16_t port)
{
	struct tr_addr a;

	return addr_parse_ip(&a, ip, port) == 0 && peer_filter_allows(f, &a);
}

static bool send_allowed(const struct peer_filter *f, const char *ip, uint16_t port)
{
	struct tr_addr a;

	return addr_parse_ip(&a, ip, port) == 0 && peer_filter_allows_port(f, &a);
}

static const uint16_t listen_ports[] = { 3478, 5349, 8080, 8443 };

/* external-ip=1.2.3.4/10.0.0.5 (issue 8 item 7): the private half was
 * open on every port, so any user reached the host's private services.
 * Now both halves are peers only on the relay ports, never on a listening
 * port, whatever allowed-peer-ip says; other addresses are unaffected. */
static void test_self_addresses(void)
{
	struct peer_filter *f = peer_filter_new(false);

	REQUIRE(f != NULL);
	CHECK_EQ_INT(add_text(f, "1.2.3.4", true), 0);
	CHECK_EQ_INT(add_self_text(f, "1.2.3.4", false), 0);
	CHECK_EQ_INT(add_self_text(f, "10.0.0.5", true), 0);
	CHECK_EQ_INT(peer_filter_set_ports(f, 49152, 65535, listen_ports, 4), 0);
	CHECK(!allows_at(f, "10.0.0.5", 53));
	CHECK(!allows_at(f, "10.0.0.5", 49151));
	CHECK(allows_at(f, "10.0.0.5", 49152));
	CHECK(allows_at(f, "10.0.0.5", 65535));
	CHECK(!allows_at(f, "10.0.0.5", 3478));
	CHECK(!allows_at(f, "::ffff:10.0.0.5", 53));
	CHECK(allows_at(f, "::ffff:10.0.0.5", 50000));
	CHECK(!allows_at(f, "10.0.0.6", 50000)); /* not ours: the deny list */
	CHECK(!allows_at(f, "1.2.3.4", 53));     /* allowed-peer-ip does not open it */
	CHECK(!allows_at(f, "1.2.3.4", 5349));
	CHECK(!allows_at(f, "1.2.3.4", 8443));
	CHECK(allows_at(f, "1.2.3.4", 50000));
	CHECK(allows_at(f, "8.8.8.8", 53));   /* someone else's service */
	CHECK(allows_at(f, "8.8.8.8", 3478)); /* someone else's TURN server */
	/* Send indications: only our own addresses are judged by port */
	CHECK(send_allowed(f, "8.8.8.8", 53));
	CHECK(!send_allowed(f, "10.0.0.5", 53));
	CHECK(!send_allowed(f, "::ffff:10.0.0.5", 53));
	CHECK(send_allowed(f, "10.0.0.5", 50001));
	CHECK(!send_allowed(f, "1.2.3.4", 3478));
	peer_filter_free(f);
}

/* Loopback stays the operator's choice for local tests (any port but a
 * listening one); the listening ports stay shut even with
 * allow-loopback-peers, also inside the relay range. */
static void test_self_loopback(void)
{
	struct peer_filter *open_lo = peer_filter_new(true),
			   *shut = peer_filter_new(false);
	const uint16_t inside[] = { 3478 };

	REQUIRE_OR_GOTO(open_lo && shut, out);
	CHECK_EQ_INT(add_self_text(open_lo, "127.0.0.1", false), 0);
	CHECK_EQ_INT(add_self_text(open_lo, "::1", false), 0);
	CHECK_EQ_INT(peer_filter_set_ports(open_lo, 3000, 4000, inside, 1), 0);
	CHECK(!allows_at(open_lo, "127.0.0.1", 3478));
	CHECK(!allows_at(open_lo, "::ffff:127.0.0.1", 3478));
	CHECK(!allows_at(open_lo, "::1", 3478));
	CHECK(allows_at(open_lo, "127.0.0.1", 9999));
	CHECK(allows_at(open_lo, "127.0.0.1", 3479));
	CHECK(!send_allowed(open_lo, "127.0.0.1", 3478));
	CHECK(send_allowed(open_lo, "127.0.0.1", 9999));
	/* external-ip=127.0.0.1/127.0.0.1 without allow-loopback-peers */
	CHECK_EQ_INT(add_self_text(shut, "127.0.0.1", true), 0);
	CHECK_EQ_INT(peer_filter_set_ports(shut, 20000, 20999, listen_ports, 4), 0);
	CHECK(!allows_at(shut, "127.0.0.1", 53));
	CHECK(!allows_at(shut, "127.0.0.1", 3478));
	CHECK(allows_at(shut, "127.0.0.1", 20000));
	CHECK(!send_allowed(shut, "127.0.0.1", 53));
	CHECK(!allows_at(shut, "127.0.0.2", 20000)); /* not ours */
	/* bad arguments */
	CHECK_EQ_INT(peer_filter_set_ports(shut, 2, 1, NULL, 0), TR_EINVAL);
	CHECK_EQ_INT(peer_filter_set_ports(shut, 1, 2, listen_ports, 9), TR_EINVAL);
	CHECK_EQ_INT(add_self_text(shut, "not-an-ip", false), TR_EINVAL);
out:
	peer_filter_free(open_lo);
	peer_filter_free(shut);
}

static void test_free_null(void)
{
	peer_filter_free(NULL);
	CHECK(1);
}

int main(void)
{
	RUN(test_default_inside);
	RUN(test_default_outside);
	RUN(test_probes);
	RUN(test_embedded);
	RUN(test_allow_loopback);
	RUN(test_added_ranges);
	RUN(test_syntax);
	RUN(test_many_ranges);
	RUN(test_port_and_family);
	RUN(test_self_addresses);
	RUN(test_self_loopback);
	RUN(test_free_null);
	return HARNESS_DONE();
}
