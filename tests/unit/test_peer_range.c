/* The one peer range parser (util/peer_range.c): exact bytes of CIDR,
 * "ip-ip" and single addresses, IPv4-mapped folding, the grammar's edges,
 * and the text form that parses back to the same range. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "util/errors.h"
#include "util/peer_range.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* text parses to exactly [first, last] of one family. */
static const struct {
	const char *text, *first, *last;
} exact[] = {
	{ "10.1.2.3/16", "10.1.0.0", "10.1.255.255" },
	{ "10.1.2.3/0", "0.0.0.0", "255.255.255.255" },
	{ "10.1.2.3/32", "10.1.2.3", "10.1.2.3" },
	{ "10.1.2.3/31", "10.1.2.2", "10.1.2.3" },
	{ "10.1.2.3/007", "10.0.0.0", "11.255.255.255" },
	{ "192.0.2.7", "192.0.2.7", "192.0.2.7" },
	{ "10.0.0.0-10.255.255.255", "10.0.0.0", "10.255.255.255" },
	{ "[2001:db8::1]", "2001:db8::1", "2001:db8::1" },
	{ "fc00::1/7", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "2001:db8::/127", "2001:db8::", "2001:db8::1" },
	{ "::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "::1-::2", "::1", "::2" },
	/* RFC 4291 2.5.5.2: mapped ranges are the IPv4 ranges they mean. */
	{ "::ffff:10.0.0.1", "10.0.0.1", "10.0.0.1" },
	{ "::ffff:10.0.0.0/120", "10.0.0.0", "10.0.0.255" },
	{ "::ffff:1.2.3.4-::ffff:1.2.3.9", "1.2.3.4", "1.2.3.9" },
	/* only when both ends are mapped */
	{ "::ffff:1.2.3.4-::1:0:0:0", "::ffff:1.2.3.4", "::1:0:0:0" },
	{ "::ffff:0.0.0.0/95", "::fffe:0:0", "::ffff:ffff:ffff" },
};

static bool bytes_of(const char *ip, uint8_t out[16], uint8_t *len)
{
	if (inet_pton(AF_INET, ip, out) == 1) {
		*len = 4;
		return true;
	}
	*len = 16;
	return inet_pton(AF_INET6, ip, out) == 1;
}

static void test_exact_bytes(void)
{
	for (size_t i = 0; i < NROWS(exact); i++) {
		struct peer_range r;
		uint8_t first[16], last[16], len, len2;

		REQUIRE(bytes_of(exact[i].first, first, &len) &&
			bytes_of(exact[i].last, last, &len2) && len == len2);
		if (peer_range_parse(exact[i].text, &r) != 0 || r.len != len ||
		    memcmp(r.first, first, len) || memcmp(r.last, last, len)) {
			fprintf(stderr, "  \"%s\" did not give %s-%s\n", exact[i].text,
				exact[i].first, exact[i].last);
			harness_failed_checks++;
		}
	}
}

/* The grammar's edges: the stricter of the two parsers this one replaced
 * (they agreed on every row; see peer_range.c). */
static const char *const bad[] = {
	"",
	"10.0.0.0/33",
	"::/129",
	"10.0.0.9-10.0.0.1",
	"::2-::1",
	"1.2.3.4-::1",
	"::1-1.2.3.4",
	"1.2.3.0/24-1.2.3.9",
	"1.2.3.4/8/8",
	"1.2.3.4-1.2.3.5-1.2.3.6",
	"10.0.0.0/",
	"/8",
	"10.0.0.0/x",
	"1.2.3.4/-1",
	"1.2.3.4/+8",
	"1.2.3.4/ 8",
	"10.0.0.1-",
	"-10.0.0.1",
	"foo",
	"1.2.3",
	"1.2.3.256",
	"fe80::1%eth0",
	"1.2.3.4:3478",
	" 1.2.3.4",
	"1.2.3.4 ",
	"[1.2.3.4]",
	"1.2.3.4/99999999999999999999",
	"1111:2222:3333:4444:5555:6666:7777:8888-1111:2222:3333:4444:5555:6666:7777:8888:9",
};

static void test_rejects(void)
{
	char longtext[300];
	struct peer_range r;

	for (size_t i = 0; i < NROWS(bad); i++) {
		if (peer_range_parse(bad[i], &r) != TR_EINVAL) {
			fprintf(stderr, "  \"%s\" was accepted\n", bad[i]);
			harness_failed_checks++;
		}
	}
	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	CHECK_EQ_INT(peer_range_parse(longtext, &r), TR_EINVAL);
	CHECK_EQ_INT(peer_range_parse(NULL, &r), TR_EINVAL);
	CHECK_EQ_INT(peer_range_parse("1.2.3.4", NULL), TR_EINVAL);
}

/* The text form parses back to the same bytes, and contains its ends. */
static void test_round_trip_and_contains(void)
{
	for (size_t i = 0; i < NROWS(exact); i++) {
		struct peer_range r, back;
		char text[PEER_RANGE_STR_MAX];
		uint8_t outside[16];

		REQUIRE(peer_range_parse(exact[i].text, &r) == 0);
		peer_range_to_str(&r, text, sizeof(text));
		if (peer_range_parse(text, &back) != 0 || memcmp(&r, &back, sizeof(r))) {
			fprintf(stderr, "  \"%s\" -> \"%s\" does not parse back\n",
				exact[i].text, text);
			harness_failed_checks++;
		}
		CHECK(peer_range_contains(&r, r.first, r.len));
		CHECK(peer_range_contains(&r, r.last, r.len));
		CHECK(!peer_range_contains(&r, r.first, r.len == 4 ? 16 : 4));
		memcpy(outside, r.last, r.len);
		for (int k = r.len - 1; k >= 0 && ++outside[k] == 0; k--)
			;
		if (memcmp(outside, r.first, r.len) > 0)
			CHECK(!peer_range_contains(&r, outside, r.len));
	}
}

static void test_from_addr(void)
{
	struct tr_addr a;
	struct peer_range r, want;

	REQUIRE(addr_parse_ip(&a, "::ffff:192.0.2.1", 3478) == 0);
	peer_range_from_addr(&r, &a);
	REQUIRE(peer_range_parse("192.0.2.1", &want) == 0);
	CHECK(!memcmp(&r, &want, sizeof(r)));
	REQUIRE(addr_parse_ip(&a, "2001:db8::5", 0) == 0);
	peer_range_from_addr(&r, &a);
	REQUIRE(peer_range_parse("2001:db8::5-2001:db8::5", &want) == 0);
	CHECK(!memcmp(&r, &want, sizeof(r)) && r.len == 16);
}

int main(void)
{
	RUN(test_exact_bytes);
	RUN(test_rejects);
	RUN(test_round_trip_and_contains);
	RUN(test_from_addr);
	return HARNESS_DONE();
}
