/* Allocation table, permissions, channels and the relay port pool, with a
 * fake clock: every lifetime is checked just before and at its end. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "turn/turn_internal.h"
#include "util/errors.h"

static struct five_tuple tuple(const char *client_ip, uint16_t port)
{
	struct five_tuple ft;

	memset(&ft, 0, sizeof(ft));
	ft.transport = TURN_UDP;
	addr_parse_ip(&ft.client, client_ip, port);
	addr_parse_ip(&ft.server, "127.0.0.1", 3478);
	return ft;
}

static struct tr_addr ip(const char *text, uint16_t port)
{
	struct tr_addr a;

	addr_parse_ip(&a, text, port);
	return a;
}

static void count_deleted(struct allocation *a, void *arg)
{
	struct alloc_table **t = arg;

	alloc_table_remove(*t, a);
}

static void test_insert_find_remove(void)
{
	struct alloc_table *t = alloc_table_new();
	struct five_tuple a = tuple("192.0.2.1", 1000), b = tuple("192.0.2.1", 1001);
	struct five_tuple c = tuple("2001:db8::1", 1000);
	struct allocation *x, *y;

	CHECK(t != NULL);
	x = alloc_table_insert(t, &a);
	y = alloc_table_insert(t, &c);
	CHECK(x && y);
	CHECK(alloc_table_find(t, &a) == x);
	CHECK(alloc_table_find(t, &c) == y);
	CHECK(alloc_table_find(t, &b) == NULL);
	b.transport = TURN_TCP;
	b.client = a.client;
	CHECK(alloc_table_find(t, &b) == NULL); /* transport is part of the key */
	CHECK_EQ_INT(alloc_table_count(t), 2);
	alloc_table_remove(t, x);
	CHECK(alloc_table_find(t, &a) == NULL);
	CHECK_EQ_INT(alloc_table_count(t), 1);
	alloc_table_free(t, NULL);
}

/* RFC 8016 mobility re-keys an allocation: found under the new 5-tuple
 * only, its permissions and channels with it, the table still whole. */
static void test_move_keeps_children(void)
{
	struct alloc_table *t = alloc_table_new();
	struct five_tuple from = tuple("192.0.2.1", 1000), to = tuple("192.0.2.9", 2000);
	struct five_tuple other = tuple("192.0.2.1", 1001);
	struct tr_addr peer = ip("198.51.100.1", 5000);
	struct allocation *a = alloc_table_insert(t, &from);
	struct allocation *o = alloc_table_insert(t, &other);

	CHECK(a && o);
	CHECK_EQ_INT(alloc_permission_add(a, &peer, 0, 300), 0);
	CHECK_EQ_INT(alloc_channel_bind(a, 0x4000, 0x4FFF, &peer, 0, 600), 0);
	alloc_table_move(t, a, &to);
	CHECK(alloc_table_find(t, &from) == NULL);
	CHECK(alloc_table_find(t, &to) == a);
	CHECK(alloc_table_find(t, &other) == o);
	CHECK_EQ_INT(alloc_table_count(t), 2);
	CHECK(alloc_permission_ok(a, &peer, 1000));
	CHECK(alloc_channel_by_number(a, 0x4000, 1000) != NULL);
	alloc_table_remove(t, a);
	CHECK(alloc_table_find(t, &to) == NULL);
	CHECK_EQ_INT(alloc_table_count(t), 1);
	alloc_table_free(t, NULL);
}

static void test_growth_keeps_entries(void)
{
	struct alloc_table *t = alloc_table_new();
	int missing = 0;

	for (int i = 0; i < 3000; i++) {
		struct five_tuple ft = tuple("198.51.100.7", (uint16_t)(1024 + i));
		struct allocation *a = alloc_table_insert(t, &ft);

		snprintf(a->quota_user, sizeof(a->quota_user), "%s",
			 i % 3 ? "bob" : "alice");
	}
	for (int i = 0; i < 3000; i++) {
		struct five_tuple ft = tuple("198.51.100.7", (uint16_t)(1024 + i));

		missing += alloc_table_find(t, &ft) == NULL;
	}
	CHECK_EQ_INT(missing, 0);
	CHECK_EQ_INT(alloc_table_count(t), 3000);
	CHECK_EQ_INT(alloc_table_count_user(t, "alice"), 1000);
	alloc_table_free(t, NULL);
}

static void test_allocation_lifetime_sweep(void)
{
	struct alloc_table *t = alloc_table_new();
	struct five_tuple f1 = tuple("192.0.2.1", 1), f2 = tuple("192.0.2.2", 2);
	struct allocation *a1 = alloc_table_insert(t, &f1);
	struct allocation *a2 = alloc_table_insert(t, &f2);
	uint64_t now = 1000000;

	a1->expires_ms = now + 600000; /* default 600 s */
	a2->expires_ms = now + 3600000;
	alloc_table_sweep(t, now + 599999, count_deleted, &t);
	CHECK_EQ_INT(alloc_table_count(t), 2);
	alloc_table_sweep(t, now + 600000, count_deleted, &t);
	CHECK_EQ_INT(alloc_table_count(t), 1);
	CHECK(alloc_table_find(t, &f1) == NULL);
	CHECK(alloc_table_find(t, &f2) == a2);
	alloc_table_sweep(t, now + 3600000, count_deleted, &t);
	CHECK_EQ_INT(alloc_table_count(t), 0);
	alloc_table_free(t, NULL);
}

static void test_permissions(void)
{
	struct alloc_table *t = alloc_table_new();
	struct five_tuple ft = tuple("192.0.2.1", 1);
	struct allocation *a = alloc_table_insert(t, &ft);
	struct tr_addr p1 = ip("203.0.113.5", 4000), p1_other_port = ip("203.0.113.5", 9);
	struct tr_addr p2 = ip("203.0.113.6", 4000);
	uint64_t now = 5000;

	a->expires_ms = now + 600000;
	CHECK(!alloc_permission_ok(a, &p1, now));
	CHECK_EQ_INT(alloc_permission_add(a, &p1, now, 300), 0);
	CHECK(alloc_permission_ok(a, &p1, now));
	CHECK(alloc_permission_ok(a, &p1_other_port, now)); /* port ignored */
	CHECK(!alloc_permission_ok(a, &p2, now));
	CHECK(alloc_permission_ok(a, &p1, now + 299999));
	CHECK(!alloc_permission_ok(a, &p1, now + 300000));
	/* refresh extends; the sweep drops only the expired one */
	CHECK_EQ_INT(alloc_permission_add(a, &p2, now, 300), 0);
	CHECK_EQ_INT(alloc_permission_add(a, &p1, now + 200000, 300), 0);
	alloc_table_sweep(t, now + 300000, count_deleted, &t);
	CHECK_EQ_INT(a->n_perms, 1);
	CHECK(alloc_permission_ok(a, &p1, now + 499999));
	CHECK(!alloc_permission_ok(a, &p2, now + 300000));
	alloc_table_free(t, NULL);
}

static void test_channels(void)
{
	struct alloc_table *t = alloc_table_new();
	struct five_tuple ft = tuple("192.0.2.1", 1);
	struct allocation *a = alloc_table_insert(t, &ft);
	struct tr_addr p1 = ip("203.0.113.5", 4000), p2 = ip("203.0.113.5", 4001);
	uint64_t now = 0;

	a->expires_ms = 10000000;
	CHECK_EQ_INT(alloc_channel_bind(a, 0x3FFF, CHANNEL_MAX, &p1, now, 600),
		     TR_EINVAL);
	CHECK_EQ_INT(alloc_channel_bind(a, 0x5000, CHANNEL_MAX, &p1, now, 600),
		     TR_EINVAL);
	CHECK_EQ_INT(alloc_channel_bind(a, 0x5000, 0x7FFF, &p1, now, 600), 0);
	CHECK_EQ_INT(alloc_channel_bind(a, 0x8000, 0x7FFF, &p2, now, 600), TR_EINVAL);
	alloc_expire_children(a, 600000); /* RFC 5766 range checked; start over */
	CHECK_EQ_INT(a->n_chans, 0);
	CHECK_EQ_INT(alloc_channel_bind(a, 0x4000, CHANNEL_MAX, &p1, now, 600), 0);
	CHECK_EQ_INT(alloc_channel_bind(a, 0x4FFF, CHANNEL_MAX, &p2, now, 600), 0);
	/* 11.2: number bound to another peer, peer bound to another number */
	CHECK_EQ_INT(alloc_channel_bind(a, 0x4000, CHANNEL_MAX, &p2, now, 600),
		     TR_EINVAL);
	CHECK_EQ_INT(alloc_channel_bind(a, 0x4001, CHANNEL_MAX, &p1, now, 600),
		     TR_EINVAL);
	/* rebinding the same pair refreshes */
	CHECK_EQ_INT(alloc_channel_bind(a, 0x4000, CHANNEL_MAX, &p1, 500000, 600), 0);
	CHECK(alloc_channel_by_number(a, 0x4000, 0)->number == 0x4000);
	CHECK(alloc_channel_by_peer(a, &p2, 0)->number == 0x4FFF);
	CHECK(alloc_channel_by_number(a, 0x4FFF, 599999) != NULL);
	CHECK(alloc_channel_by_number(a, 0x4FFF, 600000) == NULL);
	CHECK(alloc_channel_by_number(a, 0x4000, 1099999) != NULL);
	alloc_table_sweep(t, 600000, count_deleted, &t);
	CHECK_EQ_INT(a->n_chans, 1);
	/* once expired and swept, the number is free for another peer */
	CHECK_EQ_INT(alloc_channel_bind(a, 0x4FFF, CHANNEL_MAX, &p1, 600000, 600),
		     TR_EINVAL);
	alloc_table_sweep(t, 1100000, count_deleted, &t);
	CHECK_EQ_INT(alloc_channel_bind(a, 0x4FFF, CHANNEL_MAX, &p1, 1100000, 600), 0);
	alloc_table_free(t, NULL);
}

/* The hash indexes agree with the arrays through growth and expiry: every
 * live entry is found by IP (permissions), by number and by peer address
 * (channels); nothing expired or never added is. */
static void test_index_many(void)
{
	struct alloc_table *t = alloc_table_new();
	struct five_tuple ft = tuple("192.0.2.1", 1);
	struct allocation *a = alloc_table_insert(t, &ft);
	enum { NP = 3000, NC = 0x1000 };
	char text[64];
	int bad = 0;

	a->expires_ms = 10000000;
	for (int i = 0; i < NP; i++) {
		struct tr_addr p;

		snprintf(text, sizeof(text), "198.%d.%d.%d", 51 + i % 2, i / 256 % 256,
			 i % 256);
		p = ip(text, (uint16_t)(1000 + i));
		/* odd ones live 100 s, even ones 300 s */
		bad += alloc_permission_add(a, &p, 0, i % 2 ? 100 : 300) != 0;
	}
	for (int i = 0; i < NC; i++) {
		struct tr_addr p =
			ip(i % 2 ? "2001:db8::7" : "203.0.113.9", (uint16_t)(2000 + i));

		bad += alloc_channel_bind(a, (uint16_t)(CHANNEL_MIN + i), CHANNEL_MAX, &p,
					  0, i % 3 ? 600 : 100) != 0;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(a->n_perms, NP);
	CHECK_EQ_INT(a->n_chans, NC);
	alloc_expire_children(a, 100000);
	for (int i = 0; i < NP; i++) {
		struct tr_addr p;

		snprintf(text, sizeof(text), "198.%d.%d.%d", 51 + i % 2, i / 256 % 256,
			 i % 256);
		p = ip(text, 9);
		bad += alloc_permission_ok(a, &p, 100000) != !(i % 2);
	}
	for (int i = 0; i < NC; i++) {
		struct tr_addr p =
			ip(i % 2 ? "2001:db8::7" : "203.0.113.9", (uint16_t)(2000 + i));
		const struct turn_channel *c =
			alloc_channel_by_number(a, (uint16_t)(CHANNEL_MIN + i), 100000);
		const struct turn_channel *d = alloc_channel_by_peer(a, &p, 100000);
		bool live = i % 3 != 0;

		bad += (c != NULL) != live || c != d;
		bad += live &&
		       (c->number != CHANNEL_MIN + i || !addr_equal(&c->peer, &p));
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(a->n_perms, NP / 2);
	CHECK_EQ_INT(a->n_chans, NC - (NC + 2) / 3);
	alloc_table_free(t, NULL);
}

static void test_port_pool(void)
{
	struct port_pool *p = port_pool_new(20000, 20003);
	struct tr_addr lo = ip("127.0.0.1", 0), bound, next;
	int fds[4], n = 0, next_fd = -1, fd;

	CHECK(p != NULL);
	CHECK(port_pool_new(5, 4) == NULL);
	for (int i = 0; i < 4; i++) {
		fd = port_pool_bind(p, &lo, false, false, &bound, &next_fd, &next);
		if (fd >= 0) {
			fds[n++] = fd;
			CHECK(addr_port(&bound) >= 20000 && addr_port(&bound) <= 20003);
		}
	}
	/* Another process may hold one of these ports; allow that. */
	CHECK(n >= 3);
	CHECK_EQ_INT(port_pool_bind(p, &lo, false, false, &bound, &next_fd, &next),
		     TR_ENOPORT);
	CHECK_EQ_INT(port_pool_in_use(p), n);
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct tr_addr a;

		getsockname(fds[i], (struct sockaddr *)&ss, &len);
		addr_from_sockaddr(&a, (struct sockaddr *)&ss, len);
		port_pool_release(p, addr_port(&a));
		close(fds[i]);
	}
	CHECK_EQ_INT(port_pool_in_use(p), 0);
	/* EVEN-PORT with R: an even port and its successor, both bound */
	fd = port_pool_bind(p, &lo, true, true, &bound, &next_fd, &next);
	CHECK(fd >= 0);
	CHECK_EQ_INT(addr_port(&bound) % 2, 0);
	CHECK_EQ_INT(addr_port(&next), addr_port(&bound) + 1);
	CHECK(next_fd >= 0);
	CHECK_EQ_INT(port_pool_in_use(p), 2);
	close(fd);
	close(next_fd);
	port_pool_free(p);
}

/* A stand-in for a socket opener: refuses port 20001 (held elsewhere)
 * and returns a fake descriptor; the pool never touches it. */
static int fake_open(const struct tr_addr *addr)
{
	if (addr_port(addr) == 20001) {
		errno = EADDRINUSE;
		return -1;
	}
	return 1000 + addr_port(addr);
}

/* TCP relays (RFC 6062) take their ports from the same pool as UDP ones:
 * a port held by either is not offered to the other. */
static void test_port_pool_with(void)
{
	struct port_pool *p = port_pool_new(20000, 20003);
	struct tr_addr lo = ip("127.0.0.1", 0), bound, next;
	int next_fd = -1, udp = -1, seen = 0, fd;

	CHECK(p != NULL);
	udp = port_pool_bind(p, &lo, false, false, &bound, &next_fd, &next);
	CHECK(udp >= 0);
	for (int i = 0; i < 2; i++) {
		fd = port_pool_bind_with(p, &lo, fake_open, &next);
		CHECK_EQ_INT(fd, 1000 + addr_port(&next));
		CHECK(addr_port(&next) != 20001 && addr_port(&next) != addr_port(&bound));
		seen |= 1 << (addr_port(&next) - 20000);
	}
	CHECK_EQ_INT(__builtin_popcount((unsigned)seen), 2);
	/* 20001 refused by the opener, the rest held: exhausted, and 20001
	 * is not marked used by the failed attempt. */
	if (addr_port(&bound) != 20001) {
		CHECK_EQ_INT(port_pool_bind_with(p, &lo, fake_open, &next), TR_ENOPORT);
		CHECK_EQ_INT(port_pool_in_use(p), 3);
	}
	close(udp);
	port_pool_free(p);
}

static void test_ip_limiter(void)
{
	struct ip_limiter *l = ip_limiter_new(3, 2);
	struct tr_addr bad = ip("198.51.100.9", 1000),
		       bad_other_port = ip("198.51.100.9", 7);
	struct tr_addr good = ip("198.51.100.10", 1000);
	uint64_t now = 1000;

	CHECK(!ip_limiter_blocked(l, &bad, now));
	for (int i = 0; i < 3; i++)
		ip_limiter_hit(l, &bad, now);
	CHECK(ip_limiter_blocked(l, &bad, now));
	CHECK(ip_limiter_blocked(l, &bad_other_port, now)); /* by IP */
	CHECK(!ip_limiter_blocked(l, &good, now));
	/* 2 per second: one more failure allowed after 500 ms */
	CHECK(ip_limiter_blocked(l, &bad, now + 499));
	CHECK(!ip_limiter_blocked(l, &bad, now + 500));
	ip_limiter_hit(l, &bad, now + 500);
	CHECK(ip_limiter_blocked(l, &bad, now + 500));
	/* refill stops at the burst */
	CHECK(!ip_limiter_blocked(l, &bad, now + 100000));
	for (int i = 0; i < 3; i++)
		ip_limiter_hit(l, &bad, now + 100000);
	CHECK(ip_limiter_blocked(l, &bad, now + 100000));
	ip_limiter_free(l);
}

/* Refused joins count per source: one IPv6 /64 is one budget (a host
 * holds a whole /64 and would otherwise be 2^64 budgets). */
static void test_ip_limiter_per_64(void)
{
	struct ip_limiter *l = ip_limiter_new(3, 1);
	struct tr_addr a = ip("2001:db8:1::1", 1000), b = ip("2001:db8:1::ffff", 2),
		       other = ip("2001:db8:2::1", 1000);
	uint64_t now = 1000;

	REQUIRE(l != NULL);
	ip_limiter_hit(l, &a, now);
	ip_limiter_hit(l, &b, now);
	CHECK(!ip_limiter_blocked(l, &a, now));
	ip_limiter_hit(l, &b, now);
	CHECK(ip_limiter_blocked(l, &a, now));
	CHECK(ip_limiter_blocked(l, &b, now));
	CHECK(!ip_limiter_blocked(l, &other, now));
	ip_limiter_free(l);
}

int main(void)
{
	RUN(test_insert_find_remove);
	RUN(test_move_keeps_children);
	RUN(test_growth_keeps_entries);
	RUN(test_allocation_lifetime_sweep);
	RUN(test_permissions);
	RUN(test_channels);
	RUN(test_index_many);
	RUN(test_port_pool);
	RUN(test_port_pool_with);
	RUN(test_ip_limiter);
	RUN(test_ip_limiter_per_64);
	return HARNESS_DONE();
}
