/* util/addr: parsing, formatting, comparison and hashing of addresses, and
 * the source (IPv4 address, IPv6 /64) every per-source limit counts. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "util/addr.h"
#include "util/errors.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* text, expected family (0: rejected), expected addr_to_str with port 5. */
static const struct {
	const char *text;
	int family;
	const char *str;
} parse_rows[] = {
	{ "1.2.3.4", AF_INET, "1.2.3.4:5" },
	{ "0.0.0.0", AF_INET, "0.0.0.0:5" },
	{ "255.255.255.255", AF_INET, "255.255.255.255:5" },
	{ "::1", AF_INET6, "[::1]:5" },
	{ "::", AF_INET6, "[::]:5" },
	{ "[::1]", AF_INET6, "[::1]:5" },
	{ "[2001:db8::1]", AF_INET6, "[2001:db8::1]:5" },
	{ "2001:DB8:0:0:0:0:0:1", AF_INET6, "[2001:db8::1]:5" },
	{ "::ffff:1.2.3.4", AF_INET6, "[::ffff:1.2.3.4]:5" },
	{ "fe80::1", AF_INET6, "[fe80::1]:5" },
	{ "", 0, NULL },
	{ "[]", 0, NULL },
	{ "[", 0, NULL },
	{ "[::1", 0, NULL },
	{ "::1]", 0, NULL },
	{ "[1.2.3.4]", 0, NULL },
	{ "1.2.3", 0, NULL },
	{ "1.2.3.4.5", 0, NULL },
	{ "1.2.3.256", 0, NULL },
	{ " 1.2.3.4", 0, NULL },
	{ "1.2.3.4 ", 0, NULL },
	{ "1.2.3.4:5", 0, NULL },
	{ "[::1]:5", 0, NULL },
	{ "::1::2", 0, NULL },
	{ "example.com", 0, NULL },
	{ "localhost", 0, NULL },
	{ "[1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb]", 0, NULL },
};

static void test_parse_and_to_str(void)
{
	for (size_t i = 0; i < NROWS(parse_rows); i++) {
		struct tr_addr a;
		char buf[ADDR_STR_MAX];
		int rc = addr_parse_ip(&a, parse_rows[i].text, 5);

		if (!parse_rows[i].family) {
			if (rc != TR_EINVAL) {
				fprintf(stderr, "  \"%s\" parsed, expected TR_EINVAL\n",
					parse_rows[i].text);
				harness_failed_checks++;
			}
			continue;
		}
		if (rc != 0) {
			fprintf(stderr, "  \"%s\" -> %d, expected 0\n",
				parse_rows[i].text, rc);
			harness_failed_checks++;
			continue;
		}
		CHECK_EQ_INT(addr_family(&a), parse_rows[i].family);
		CHECK_EQ_INT(addr_port(&a), 5);
		CHECK_STR(addr_to_str(&a, buf, sizeof(buf)), parse_rows[i].str);
	}
}

static void test_bytes_and_len(void)
{
	struct tr_addr a;
	const uint8_t *p;
	size_t n;
	static const uint8_t v4[4] = { 1, 2, 3, 4 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	CHECK_EQ_INT(addr_parse_ip(&a, "1.2.3.4", 80), 0);
	p = addr_bytes(&a, &n);
	CHECK_EQ_INT(n, 4);
	CHECK(memcmp(p, v4, 4) == 0);
	CHECK_EQ_INT(addr_len(&a), sizeof(struct sockaddr_in));

	CHECK_EQ_INT(addr_parse_ip(&a, "2001:db8::1", 80), 0);
	p = addr_bytes(&a, &n);
	CHECK_EQ_INT(n, 16);
	CHECK(memcmp(p, v6, 16) == 0);
	CHECK_EQ_INT(addr_len(&a), sizeof(struct sockaddr_in6));
}

static void test_ip_to_str(void)
{
	struct tr_addr a;
	char buf[ADDR_STR_MAX], small[4];

	CHECK_EQ_INT(addr_parse_ip(&a, "10.20.30.40", 9), 0);
	CHECK_STR(addr_ip_to_str(&a, buf, sizeof(buf)), "10.20.30.40");
	CHECK_EQ_INT(addr_parse_ip(&a, "[::1]", 9), 0);
	CHECK_STR(addr_ip_to_str(&a, buf, sizeof(buf)), "::1");
	/* Too small a buffer still gives a terminated string. */
	CHECK_EQ_INT(addr_parse_ip(&a, "10.20.30.40", 9), 0);
	addr_ip_to_str(&a, small, sizeof(small));
	CHECK(memchr(small, '\0', sizeof(small)) != NULL);
	addr_to_str(&a, small, sizeof(small));
	CHECK(memchr(small, '\0', sizeof(small)) != NULL);
	/* A long form fits ADDR_STR_MAX. */
	CHECK_EQ_INT(addr_parse_ip(&a, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
				   65535),
		     0);
	CHECK_STR(addr_to_str(&a, buf, sizeof(buf)),
		  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

static void test_port(void)
{
	struct tr_addr a;
	char buf[ADDR_STR_MAX];

	CHECK_EQ_INT(addr_parse_ip(&a, "1.2.3.4", 0), 0);
	CHECK_EQ_INT(addr_port(&a), 0);
	addr_set_port(&a, 65535);
	CHECK_EQ_INT(addr_port(&a), 65535);
	CHECK_EQ_INT(ntohs(a.u.v4.sin_port), 65535);
	CHECK_STR(addr_to_str(&a, buf, sizeof(buf)), "1.2.3.4:65535");

	CHECK_EQ_INT(addr_parse_ip(&a, "::1", 3478), 0);
	CHECK_EQ_INT(addr_port(&a), 3478);
	addr_set_port(&a, 5349);
	CHECK_EQ_INT(addr_port(&a), 5349);
	CHECK_EQ_INT(ntohs(a.u.v6.sin6_port), 5349);
}

static void test_equal(void)
{
	struct tr_addr a, b, c, d, e;

	CHECK_EQ_INT(addr_parse_ip(&a, "1.2.3.4", 5), 0);
	CHECK_EQ_INT(addr_parse_ip(&b, "1.2.3.4", 5), 0);
	CHECK_EQ_INT(addr_parse_ip(&c, "1.2.3.4", 6), 0);
	CHECK_EQ_INT(addr_parse_ip(&d, "1.2.3.5", 5), 0);
	CHECK_EQ_INT(addr_parse_ip(&e, "::ffff:1.2.3.4", 5), 0);
	CHECK(addr_equal(&a, &b));
	CHECK(addr_equal_ip(&a, &b));
	CHECK(!addr_equal(&a, &c));
	CHECK(addr_equal_ip(&a, &c));
	CHECK(!addr_equal(&a, &d));
	CHECK(!addr_equal_ip(&a, &d));
	/* A mapped address is another family: not the same socket address. */
	CHECK(!addr_equal_ip(&a, &e));
	CHECK(!addr_equal(&a, &e));

	CHECK_EQ_INT(addr_parse_ip(&a, "2001:db8::1", 5), 0);
	CHECK_EQ_INT(addr_parse_ip(&b, "[2001:db8:0::1]", 5), 0);
	CHECK_EQ_INT(addr_parse_ip(&c, "2001:db8::2", 5), 0);
	CHECK(addr_equal(&a, &b));
	CHECK(!addr_equal_ip(&a, &c));
}

static void test_from_sockaddr(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr sa;
	struct tr_addr a, b;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(3478);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	CHECK_EQ_INT(addr_from_sockaddr(&a, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ_INT(addr_parse_ip(&b, "127.0.0.1", 3478), 0);
	CHECK(addr_equal(&a, &b));
	CHECK_EQ_INT(addr_from_sockaddr(&a, (struct sockaddr *)&sin, sizeof(sin) - 1),
		     TR_EINVAL);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(5349);
	sin6.sin6_addr = in6addr_loopback;
	CHECK_EQ_INT(addr_from_sockaddr(&a, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	CHECK_EQ_INT(addr_parse_ip(&b, "::1", 5349), 0);
	CHECK(addr_equal(&a, &b));
	CHECK_EQ_INT(addr_from_sockaddr(&a, (struct sockaddr *)&sin6, sizeof(sin)),
		     TR_EINVAL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	CHECK_EQ_INT(addr_from_sockaddr(&a, &sa, sizeof(sa)), TR_EINVAL);
}

static const struct {
	const char *text;
	bool loopback;
	bool any;
} class_rows[] = {
	{ "127.0.0.1", true, false },
	{ "127.255.255.254", true, false },
	{ "126.255.255.255", false, false },
	{ "128.0.0.0", false, false },
	{ "::1", true, false },
	{ "::2", false, false },
	{ "0.0.0.0", false, true },
	{ "::", false, true },
	{ "0.0.0.1", false, false },
	{ "8.8.8.8", false, false },
	{ "2001:db8::1", false, false },
};

static void test_loopback_and_any(void)
{
	for (size_t i = 0; i < NROWS(class_rows); i++) {
		struct tr_addr a;

		CHECK_EQ_INT(addr_parse_ip(&a, class_rows[i].text, 1), 0);
		if (addr_is_loopback(&a) != class_rows[i].loopback ||
		    addr_is_any(&a) != class_rows[i].any) {
			fprintf(stderr, "  %s: loopback %d any %d\n", class_rows[i].text,
				addr_is_loopback(&a), addr_is_any(&a));
			harness_failed_checks++;
		}
	}
}

static void test_hash(void)
{
	struct tr_addr a, b, c, d;

	CHECK_EQ_INT(addr_parse_ip(&a, "1.2.3.4", 5), 0);
	CHECK_EQ_INT(addr_parse_ip(&b, "1.2.3.4", 5), 0);
	CHECK_EQ_INT(addr_parse_ip(&c, "1.2.3.4", 6), 0);
	CHECK_EQ_INT(addr_parse_ip(&d, "[::1]", 5), 0);
	/* Equal addresses hash equal under one seed: that is the contract. */
	CHECK(addr_hash(&a, 0) == addr_hash(&b, 0));
	CHECK(addr_hash(&a, 12345) == addr_hash(&b, 12345));
	/* Not a contract, but these would be a poor hash if they collided. */
	CHECK(addr_hash(&a, 0) != addr_hash(&c, 0));
	CHECK(addr_hash(&a, 0) != addr_hash(&a, 1));
	CHECK(addr_hash(&a, 0) != addr_hash(&d, 0));
}

/* addr_key: the bytes addr_equal compares, so equal addresses make equal
 * hash table keys and a different port, address or family another. */
static void test_key(void)
{
	static const uint8_t want4[] = { AF_INET, 0x12, 0x34, 1, 2, 3, 4 };
	struct tr_addr a, b, c, d, e;
	uint8_t ka[ADDR_KEY_MAX], kb[ADDR_KEY_MAX];
	size_t n;

	REQUIRE(addr_parse_ip(&a, "1.2.3.4", 0x1234) == 0);
	REQUIRE(addr_parse_ip(&b, "1.2.3.4", 0x1234) == 0);
	REQUIRE(addr_parse_ip(&c, "1.2.3.4", 0x1235) == 0);
	REQUIRE(addr_parse_ip(&d, "::ffff:1.2.3.4", 0x1234) == 0);
	REQUIRE(addr_parse_ip(&e, "1.2.3.5", 0x1234) == 0);
	n = addr_key(&a, ka);
	CHECK_EQ_INT(n, sizeof(want4));
	CHECK(!memcmp(ka, want4, sizeof(want4)));
	CHECK(addr_key(&b, kb) == n && !memcmp(ka, kb, n));
	CHECK(addr_key(&c, kb) == n && memcmp(ka, kb, n));
	CHECK(addr_key(&e, kb) == n && memcmp(ka, kb, n));
	CHECK_EQ_INT(addr_key(&d, kb), ADDR_KEY_MAX);
	CHECK(kb[0] == AF_INET6 && kb[1] == 0x12 && kb[2] == 0x34 && kb[18] == 4);
	CHECK(!addr_equal(&a, &d) && !addr_equal(&a, &c) && addr_equal(&a, &b));
}

/* One source: an IPv4 address (also v4-mapped), an IPv6 /64; ports and
 * the low 64 bits do not matter; IPv4 and IPv6 keys never meet. */
static void test_source(void)
{
	static const struct {
		const char *a, *b;
		bool same;
	} rows[] = {
		{ "2001:db8:1::1", "2001:db8:1::2", true },
		{ "2001:db8:1::1", "2001:db8:1:0:ffff:ffff:ffff:ffff", true },
		{ "2001:db8:1::1", "2001:db8:1:1::1", false },
		{ "2001:db8:1::1", "2001:db9:1::1", false },
		{ "192.0.2.1", "192.0.2.1", true },
		{ "192.0.2.1", "192.0.2.2", false },
		{ "192.0.2.1", "::ffff:192.0.2.1", true },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.2", false },
		{ "0.0.0.0", "::", false },
		{ "::1", "::2", true },
	};
	struct tr_addr a, b;
	char text[ADDR_STR_MAX];

	for (size_t i = 0; i < NROWS(rows); i++) {
		REQUIRE(addr_parse_ip(&a, rows[i].a, 1) == 0);
		REQUIRE(addr_parse_ip(&b, rows[i].b, 2) == 0);
		if (addr_same_source(&a, &b) != rows[i].same)
			FAIL(rows[i].a);
	}
	addr_parse_ip(&a, "2001:db8:1:2:3:4:5:6", 9);
	CHECK_STR(addr_source_to_str(&a, text, sizeof(text)), "2001:db8:1:2::/64");
	addr_parse_ip(&a, "::ffff:192.0.2.7", 9);
	CHECK_STR(addr_source_to_str(&a, text, sizeof(text)), "192.0.2.7");
}

/* addr_bind_or_close: the fd back when bound; on failure the fd is closed
 * and errno is bind's (a second socket on a taken port: EADDRINUSE). */
static void test_bind_or_close(void)
{
	struct tr_addr a, bound;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), again;

	REQUIRE(fd >= 0 && addr_parse_ip(&a, "127.0.0.1", 0) == 0);
	CHECK_EQ_INT(addr_bind_or_close(fd, &a), fd);
	REQUIRE(getsockname(fd, (struct sockaddr *)&ss, &len) == 0);
	REQUIRE(addr_from_sockaddr(&bound, (struct sockaddr *)&ss, len) == 0);
	again = socket(AF_INET, SOCK_DGRAM, 0);
	REQUIRE(again >= 0);
	CHECK_EQ_INT(addr_bind_or_close(again, &bound), -1);
	CHECK_EQ_INT(errno, EADDRINUSE);
	CHECK(fcntl(again, F_GETFD) == -1 && errno == EBADF);
	close(fd);
}

int main(void)
{
	RUN(test_parse_and_to_str);
	RUN(test_bytes_and_len);
	RUN(test_ip_to_str);
	RUN(test_port);
	RUN(test_equal);
	RUN(test_from_sockaddr);
	RUN(test_loopback_and_any);
	RUN(test_hash);
	RUN(test_key);
	RUN(test_source);
	RUN(test_bind_or_close);
	return HARNESS_DONE();
}
