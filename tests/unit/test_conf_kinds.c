/* The typed options (conf_kinds.c): addresses, external-ip pairs, peer
 * ranges, enums, and the host[:port] values (alternate-server,
 * turn-servers, redis) and node-id, each checked once at load with
 * "FILE:LINE" on a bad value, so modules read parsed values only. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf_files.h"
#include "harness.h"
#include "util/addr.h"
#include "util/errors.h"
#include "util/peer_range.h"

static void test_peer_ranges(void)
{
	struct conf *c =
		parse_ok("denied-peer-ip=10.0.0.0-10.255.255.255\n"
			 "denied-peer-ip=::1\ndenied-peer-ip=fc00::/7\n"
			 "allowed-peer-ip=192.0.2.7\nallowed-peer-ip=[2001:db8::1]\n"
			 "allowed-peer-ip=0.0.0.0/0\ndenied-peer-ip=1.2.3.4/32\n");
	static const char *const bad[] = {
		"10.0.0.0/33",
		"::/129",
		"10.0.0.9-10.0.0.1",
		"1.2.3.4-::1",
		"1.2.3.0/24-1.2.3.9",
		"foo",
		"1.2.3",
		"10.0.0.0/",
		"10.0.0.0/x",
		"10.0.0.1-",
		"-10.0.0.1",
		"fe80::1%eth0",
	};
	char text[96];

	CHECK(c && c->denied_peer_ips.n == 4 && c->allowed_peer_ips.n == 3);
	conf_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "\n\ndenied-peer-ip=%s\n", bad[i]);
		expect_error(text, 3, "expected 'ip', 'ip-ip' or 'ip/prefix'");
	}
	expect_error("allowed-peer-ip=1.1.1.1/8/8\n", 1, "for 'allowed-peer-ip'");
}

static void test_addresses(void)
{
	struct conf *c = parse_ok("external-ip=203.0.113.5\n"
				  "external-ip=198.51.100.1/10.0.0.1\n"
				  "external-ip=2001:db8::1/fd00::1\nrelay-ip=10.0.0.1\n");

	CHECK(c && c->external_ips.n == 3 && c->relay_ips.n == 1);
	conf_free(c);
	expect_error("external-ip=1.2.3\n", 1, "bad value '1.2.3' for 'external-ip'");
	expect_error("external-ip=1.2.3.4/::1\n", 1, "one address family");
	expect_error("external-ip=1.2.3.4/\n", 1, "for 'external-ip'");
	expect_error("external-ip=1.2.3.4\nexternal-ip=5.6.7.8\n", 2,
		     "a bare external-ip may be given only once");
	expect_error("listening-ip=localhost\n", 1, "expected an IP address");
	expect_error("relay-ip=\n", 1, "'relay-ip' needs a value");
}

static bool range_is(const struct peer_range *r, const char *text)
{
	struct peer_range want;

	return peer_range_parse(text, &want) == 0 && !memcmp(r, &want, sizeof(want));
}

static void test_typed_addresses(void)
{
	struct conf *c = parse_ok("external-ip=203.0.113.5\n"
				  "external-ip=198.51.100.1/10.0.0.1\n"
				  "relay-ip=[2001:db8::7]\nrelay-ip=10.0.0.1\n"
				  "listening-ip=0.0.0.0\nprometheus-address=::1\n"
				  "denied-peer-ip=10.1.2.3/16\n"
				  "allowed-peer-ip=::ffff:192.0.2.1-::ffff:192.0.2.9\n");

	REQUIRE(c != NULL);
	REQUIRE(c->external_ips.n == 2 && c->relay_ips.n == 2 && c->listening_ips.n == 1);
	CHECK(!c->external_ips.v[0].has_priv &&
	      ip_is(&c->external_ips.v[0].pub, "203.0.113.5"));
	CHECK(c->external_ips.v[1].has_priv &&
	      ip_is(&c->external_ips.v[1].pub, "198.51.100.1") &&
	      ip_is(&c->external_ips.v[1].priv, "10.0.0.1"));
	CHECK(ip_is(&c->relay_ips.v[0], "2001:db8::7") &&
	      ip_is(&c->relay_ips.v[1], "10.0.0.1"));
	CHECK(addr_is_any(&c->listening_ips.v[0]) &&
	      addr_port(&c->listening_ips.v[0]) == 0);
	CHECK(ip_is(&c->prometheus_address, "::1"));
	REQUIRE(c->denied_peer_ips.n == 1 && c->allowed_peer_ips.n == 1);
	CHECK(range_is(&c->denied_peer_ips.v[0], "10.1.0.0-10.1.255.255"));
	/* A range of IPv4-mapped addresses is kept as the IPv4 range it means. */
	CHECK(range_is(&c->allowed_peer_ips.v[0], "192.0.2.1-192.0.2.9"));
	CHECK_EQ_INT(c->allowed_peer_ips.v[0].len, 4);
	conf_free(c);
	c = conf_new();
	REQUIRE(c != NULL);
	CHECK(ip_is(&c->prometheus_address, "127.0.0.1"));
	conf_free(c);
	expect_error(
		"\nprometheus-address=localhost\n", 2,
		"bad value 'localhost' for 'prometheus-address': expected an IP address");
	expect_error("relay-ip=10.0.0.1\nrelay-ip=10.0.0.300\n", 2,
		     "bad value '10.0.0.300' for 'relay-ip': expected an IP address");
	expect_error("external-ip=/10.0.0.1\n", 1, "for 'external-ip'");
	expect_error("external-ip=1.2.3.4/10.0.0.1/5.6.7.8\n", 1, "for 'external-ip'");
}

static void test_typed_enums(void)
{
	char err[CONF_ERR_MAX];
	struct conf *c = conf_new();
	char *a1[] = { "turnroom", "--signaling-auth=bogus" };
	char *a2[] = { "turnroom", "-K", "-A", "ipv6" };
	char *a3[] = { "turnroom", "--signaling-auth", "token", "--signaling-secret=k" };

	REQUIRE(c != NULL);
	CHECK(c->signaling_auth == CONF_SIGNALING_OPEN);
	CHECK(c->allocation_default_address_family == CONF_FAMILY_IPV4);
	conf_free(c);
	c = parse_ok("signaling-auth=user\nallocation-default-address-family=keep\n");
	CHECK(c && c->signaling_auth == CONF_SIGNALING_USER &&
	      c->allocation_default_address_family == CONF_FAMILY_KEEP);
	conf_free(c);
	c = parse_ok("allocation-default-address-family=ipv6\n");
	CHECK(c && c->allocation_default_address_family == CONF_FAMILY_IPV6);
	conf_free(c);
	expect_error(
		"\n\nsignaling-auth=Open\n", 3,
		"bad value 'Open' for 'signaling-auth': expected one of open|user|token");
	expect_error(
		"allocation-default-address-family=\"ipv5\"\n", 1,
		"for 'allocation-default-address-family': expected one of ipv4|ipv6|keep");
	expect_error("signaling-auth\n", 1, "'signaling-auth' needs a value");
	c = conf_new();
	REQUIRE(c != NULL);
	CHECK_EQ_INT(conf_load(c, ARGC(a1), a1, NULL, NULL, err, sizeof(err)), TR_EINVAL);
	conf_free(c);
	CHECK_STR(err, "--signaling-auth: bad value 'bogus' for 'signaling-auth': "
		       "expected one of open|user|token");
	/* coturn's -K folds into =keep, whatever -A says. */
	c = conf_new();
	REQUIRE(c != NULL);
	CHECK_EQ_INT(conf_load(c, ARGC(a2), a2, NULL, NULL, err, sizeof(err)), 0);
	CHECK(c->allocation_default_address_family == CONF_FAMILY_KEEP);
	conf_free(c);
	c = conf_new();
	REQUIRE(c != NULL);
	CHECK_EQ_INT(conf_load(c, ARGC(a3), a3, NULL, NULL, err, sizeof(err)), 0);
	CHECK(c->signaling_auth == CONF_SIGNALING_TOKEN);
	/* Values set by code are checked too. */
	c->signaling_auth = (enum conf_signaling_auth)7;
	CHECK_EQ_INT(conf_validate(c, err, sizeof(err)), TR_EINVAL);
	CHECK_STR(err, "signaling-auth must be open, user or token");
	conf_free(c);
}

/* alternate-server: an IP with an optional port (0: listening-port's). */
static void test_alternate_servers(void)
{
	struct conf *c = parse_ok("alternate-server=192.0.2.1\n"
				  "alternate-server=192.0.2.2:3480\n"
				  "alternate-server=[2001:db8::1]:3481\n"
				  "alternate-server=2001:db8::2\n"
				  "alternate-server=[2001:db8::3]\n");
	static const char *const bad[] = {
		"turn.example.org",
		"turn.example.org:3478",
		"192.0.2.1:0",
		"192.0.2.1:65536",
		"192.0.2.1:",
		"192.0.2.1:x",
		"[2001:db8::1]3478",
		"[192.0.2.1]:3478",
		"[2001:db8::1",
		"192.0.2.300",
		":3478",
		"fe80::1%eth0",
	};
	char text[96];

	REQUIRE(c != NULL);
	REQUIRE(c->alternate_servers.n == 5);
	CHECK(addr_is(&c->alternate_servers.v[0], "192.0.2.1", 0));
	CHECK(addr_is(&c->alternate_servers.v[1], "192.0.2.2", 3480));
	CHECK(addr_is(&c->alternate_servers.v[2], "2001:db8::1", 3481));
	CHECK(addr_is(&c->alternate_servers.v[3], "2001:db8::2", 0));
	CHECK(addr_is(&c->alternate_servers.v[4], "2001:db8::3", 0));
	conf_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "realm=x\nalternate-server=%s\n", bad[i]);
		expect_error(text, 2,
			     "for 'alternate-server': expected 'ip', 'ipv4:port' or "
			     "'[ipv6]:port'");
	}
	expect_error("\n\n\nalternate-server=relay2\n", 4,
		     "bad value 'relay2' for 'alternate-server'");
}

static bool endpoint_is(const struct tr_endpoint *e, const char *host, unsigned port)
{
	return !strcmp(e->host, host) && e->port == port && !e->is_unix;
}

/* turn-servers: a DNS name or IP literal, with an optional port (0:
 * listening-port's); IPv6 literals kept without their brackets. */
static void test_turn_servers(void)
{
	struct conf *c = parse_ok("turn-servers=turn1.example.org\n"
				  "turn-servers=turn2.example.org:3479\n"
				  "turn-servers=192.0.2.9:80\n"
				  "turn-servers=[2001:db8::9]:443\n"
				  "turn-servers=2001:db8::10\n"
				  "turn-servers=[2001:db8::11]\n"
				  "turn-servers=turn_3\n");
	static const char *const bad[] = {
		"turn.example.org:0",
		"turn.example.org:65536",
		"turn.example.org:",
		"turn.example.org:34x",
		"turn.example.org:-1",
		"turn example.org",
		"turn.example.org/x",
		"[turn.example.org]:3478",
		"[192.0.2.9]:3478",
		"[2001:db8::1]3478",
		"turn..example.org",
		".example.org",
		"-turn.example.org",
		"turn-.example.org",
		":3478",
		"x:y:z",
		"turn.example.org:3478:1",
		"caf\xc3\xa9.example.org",
		"0123456789012345678901234567890123456789012345678901234567890123.org",
	};
	char text[160], err[CONF_ERR_MAX], name[256], line[300];
	char *argv[] = { "turnroom", "--turn-servers=turn.example.org:99999" };

	REQUIRE(c != NULL);
	REQUIRE(c->turn_servers.n == 7);
	CHECK(endpoint_is(&c->turn_servers.v[0], "turn1.example.org", 0));
	CHECK(endpoint_is(&c->turn_servers.v[1], "turn2.example.org", 3479));
	CHECK(endpoint_is(&c->turn_servers.v[2], "192.0.2.9", 80));
	CHECK(endpoint_is(&c->turn_servers.v[3], "2001:db8::9", 443));
	CHECK(endpoint_is(&c->turn_servers.v[4], "2001:db8::10", 0));
	CHECK(endpoint_is(&c->turn_servers.v[5], "2001:db8::11", 0));
	CHECK(endpoint_is(&c->turn_servers.v[6], "turn_3", 0));
	conf_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "realm=x\n\nturn-servers=%s\n", bad[i]);
		expect_error(text, 3,
			     "for 'turn-servers': expected 'host', 'host:port' or "
			     "'[ipv6]:port' (port 1-65535)");
	}
	/* a DNS name of 253 bytes is the longest: "a.a. ... .a" */
	for (size_t i = 0; i < 254; i++)
		name[i] = i % 2 ? '.' : 'a';
	name[253] = '\0';
	snprintf(line, sizeof(line), "turn-servers=%s\n", name);
	c = parse_ok(line);
	CHECK(c && c->turn_servers.n == 1 && strlen(c->turn_servers.v[0].host) == 253);
	conf_free(c);
	name[253] = 'a';
	name[254] = '\0';
	snprintf(line, sizeof(line), "turn-servers=%s\n", name);
	expect_error(line, 1, "for 'turn-servers'");
	c = conf_new();
	REQUIRE(c != NULL);
	CHECK_EQ_INT(conf_load(c, ARGC(argv), argv, NULL, NULL, err, sizeof(err)),
		     TR_EINVAL);
	CHECK(strstr(err, "--turn-servers: bad value 'turn.example.org:99999'") == err);
	conf_free(c);
}

/* redis: host:port (the port is required) or unix:PATH; none by default. */
static void test_redis(void)
{
	struct conf *c = conf_new();
	char path[120], text[200];
	static const char *const bad[] = {
		"::1:6379", "redis.internal",  "host:0",       "host:65536",
		"host:12x", ":6379",           "unix:",        "[::1]6379",
		"[::1]",    "redis host:6379", "[redis]:6379", "host:6379:1",
	};

	REQUIRE(c != NULL);
	CHECK(c->redis.host[0] == '\0' && c->redis.port == 0 && !c->redis.is_unix);
	conf_free(c);
	c = parse_ok("redis=127.0.0.1:6379\n");
	CHECK(c && endpoint_is(&c->redis, "127.0.0.1", 6379));
	conf_free(c);
	c = parse_ok("redis=[::1]:7000\n");
	CHECK(c && endpoint_is(&c->redis, "::1", 7000));
	conf_free(c);
	c = parse_ok("redis=redis.internal:6380\n");
	CHECK(c && endpoint_is(&c->redis, "redis.internal", 6380));
	conf_free(c);
	c = parse_ok("redis=redis.internal:6380\nredis=unix:/run/redis.sock\n");
	CHECK(c && c->redis.is_unix && !strcmp(c->redis.host, "/run/redis.sock") &&
	      c->redis.port == 0);
	conf_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "# cluster\nredis=%s\n", bad[i]);
		expect_error(text, 2,
			     "for 'redis': expected 'host:port', '[ipv6]:port' or "
			     "'unix:PATH'");
	}
	/* a unix socket path longer than sun_path cannot be connected to */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), "redis=unix:%s\n", path);
	expect_error(text, 1, "for 'redis'");
}

/* node-id: 1-64 of [A-Za-z0-9._-], checked at load, not when the cluster
 * starts. */
static void test_node_id(void)
{
	char id[80], text[120];
	struct conf *c = parse_ok("node-id=eu-west_1.node7\n");
	static const char *const bad[] = { "node 1",
					   "node/1",
					   "node:1",
					   ("n\xc3\xb6"
					    "de"),
					   "tr:*",
					   "node*" };

	CHECK(c && !strcmp(c->node_id, "eu-west_1.node7"));
	conf_free(c);
	memset(id, 'n', sizeof(id));
	id[CONF_NODE_ID_MAX] = '\0';
	snprintf(text, sizeof(text), "node-id=%s\n", id);
	c = parse_ok(text);
	CHECK(c && strlen(c->node_id) == CONF_NODE_ID_MAX);
	conf_free(c);
	id[CONF_NODE_ID_MAX] = 'n';
	id[CONF_NODE_ID_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "\nnode-id=%s\n", id);
	expect_error(text, 2, "for 'node-id': expected 1-64 of A-Z a-z 0-9 . _ -");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "realm=x\nnode-id=%s\n", bad[i]);
		expect_error(text, 2,
			     "for 'node-id': expected 1-64 of A-Z a-z 0-9 . _ -");
	}
	expect_error("node-id=\n", 1, "'node-id' needs a value");
}

int main(void)
{
	RUN(test_peer_ranges);
	RUN(test_addresses);
	RUN(test_typed_addresses);
	RUN(test_typed_enums);
	RUN(test_alternate_servers);
	RUN(test_turn_servers);
	RUN(test_redis);
	RUN(test_node_id);
	return HARNESS_DONE();
}
