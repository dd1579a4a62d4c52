/* The relay-offload program through BPF_PROG_TEST_RUN (no network): a
 * frame in, the frame out and the verdict, for XDP and TC alike. Entries
 * are put through the module's own API, so the keys the loader writes are
 * the ones the program reads. Needs CAP_BPF (root), as the server does. */
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "offload/offload.h"
#include "util/clock.h"
#include "util/errors.h"

#define IFINDEX 7
static const uint8_t SMAC[6] = { 2, 0, 0, 0, 0, 1 }, DMAC[6] = { 2, 0, 0, 0, 0, 2 };

struct fx {
	struct offload *o;
	struct offload_set *set;
	bool v6;
	struct offload_channel ch;
};

static struct tr_addr ip(const char *text, uint16_t port)
{
	struct tr_addr a;

	memset(&a, 0, sizeof(a));
	if (addr_parse_ip(&a, text, port))
		abort();
	return a;
}

/* RFC 1071 sum of n bytes, not folded. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)(p[n - 1] << 8);
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* The UDP checksum's sum over pseudo-header and datagram (0xffff when
 * right). udp points at the UDP header, len its length. */
static uint16_t udp_sum(bool v6, const uint8_t *l3, const uint8_t *udp, size_t len)
{
	uint32_t acc = 0;

	if (v6)
		acc = sum16(l3 + 8, 32, acc);
	else
		acc = sum16(l3 + 12, 8, acc);
	acc += 17 + (uint32_t)len;
	return fold(sum16(udp, len, acc));
}

/* An Ethernet frame with a UDP datagram from src to dst, checksums
 * right; padded to 60 bytes as a wire would. Its length. */
static size_t frame(uint8_t *f, bool v6, const struct tr_addr *src,
		    const struct tr_addr *dst, const uint8_t *payload, size_t n,
		    uint8_t ttl)
{
	size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20), len = 8 + n, ab;
	uint8_t *udp = f + l4;
	uint16_t c;

	memset(f, 0, 2048);
	memcpy(f, DMAC, 6);
	memcpy(f + 6, SMAC, 6);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[l3] = 0x60;
		f[l3 + 4] = (uint8_t)(len >> 8);
		f[l3 + 5] = (uint8_t)len;
		f[l3 + 6] = 17;
		f[l3 + 7] = ttl;
		memcpy(f + l3 + 8, addr_bytes(src, &ab), 16);
		memcpy(f + l3 + 24, addr_bytes(dst, &ab), 16);
	} else {
		f[l3] = 0x45;
		f[l3 + 2] = (uint8_t)((20 + len) >> 8);
		f[l3 + 3] = (uint8_t)(20 + len);
		f[l3 + 6] = 0x40; /* DF */
		f[l3 + 8] = ttl;
		f[l3 + 9] = 17;
		memcpy(f + l3 + 12, addr_bytes(src, &ab), 4);
		memcpy(f + l3 + 16, addr_bytes(dst, &ab), 4);
		c = (uint16_t)~fold(sum16(f + l3, 20, 0));
		f[l3 + 10] = (uint8_t)(c >> 8);
		f[l3 + 11] = (uint8_t)c;
	}
	udp[0] = (uint8_t)(addr_port(src) >> 8);
	udp[1] = (uint8_t)addr_port(src);
	udp[2] = (uint8_t)(addr_port(dst) >> 8);
	udp[3] = (uint8_t)addr_port(dst);
	udp[4] = (uint8_t)(len >> 8);
	udp[5] = (uint8_t)len;
	memcpy(udp + 8, payload, n);
	c = (uint16_t)~udp_sum(v6, f + l3, udp, len);
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)(c ? c : 0xffff);
	if (!c)
		udp[6] = 0xff;
	return l4 + len < 60 ? 60 : l4 + len;
}

/* Checks out is the frame of a datagram from src to dst carrying payload,
 * with checksums right, ttl, and the fixed next hop's addresses. */
static void check_frame(const uint8_t *out, size_t out_len, bool v6,
			const struct tr_addr *src, const struct tr_addr *dst,
			const uint8_t *payload, size_t n, uint8_t ttl)
{
	size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20), ab;
	const uint8_t *udp = out + l4;

	REQUIRE(out_len == l4 + 8 + n);
	CHECK(!memcmp(out, DMAC, 6));
	CHECK(!memcmp(out + 6, SMAC, 6));
	if (v6) {
		CHECK(!memcmp(out + l3 + 8, addr_bytes(src, &ab), 16));
		CHECK(!memcmp(out + l3 + 24, addr_bytes(dst, &ab), 16));
		CHECK_EQ_INT(out[l3 + 4] << 8 | out[l3 + 5], 8 + n);
		CHECK_EQ_INT(out[l3 + 7], ttl);
	} else {
		CHECK(!memcmp(out + l3 + 12, addr_bytes(src, &ab), 4));
		CHECK(!memcmp(out + l3 + 16, addr_bytes(dst, &ab), 4));
		CHECK_EQ_INT(out[l3 + 2] << 8 | out[l3 + 3], 20 + 8 + n);
		CHECK_EQ_INT(out[l3 + 8], ttl);
		CHECK_EQ_INT(fold(sum16(out + l3, 20, 0)), 0xffff);
	}
	CHECK_EQ_INT(udp[0] << 8 | udp[1], addr_port(src));
	CHECK_EQ_INT(udp[2] << 8 | udp[3], addr_port(dst));
	CHECK_EQ_INT(udp[4] << 8 | udp[5], 8 + n);
	CHECK_EQ_INT(udp_sum(v6, out + l3, udp, 8 + n), 0xffff);
	CHECK(!memcmp(udp + 8, payload, n));
}

static bool setup(struct fx *fx, bool v6)
{
	char err[256];

	memset(fx, 0, sizeof(*fx));
	if (offload_load(&fx->o, err, sizeof(err))) {
		fprintf(stderr, "  cannot load the program (root needed): %s\n", err);
		FAIL("offload_load");
		return false;
	}
	offload_fixed_nexthop(fx->o, IFINDEX, SMAC, DMAC);
	fx->v6 = v6;
	fx->ch.client = ip(v6 ? "2001:db8:1::10" : "198.51.100.10", 40000);
	fx->ch.server = ip(v6 ? "2001:db8:1::1" : "198.51.100.1", 3478);
	fx->ch.relay = ip(v6 ? "2001:db8:2::1" : "203.0.113.1", 50000);
	fx->ch.peer = ip(v6 ? "2001:db8:2::20" : "203.0.113.20", 60000);
	fx->ch.number = 0x4000;
	fx->ch.expires_ms = clock_mono_ms() + 60000;
	if (offload_put(fx->o, &fx->set, &fx->ch, clock_mono_ms())) {
		FAIL("offload_put");
		return false;
	}
	return true;
}

static void teardown(struct fx *fx)
{
	struct offload_counts d = { 0 };

	if (fx->o)
		offload_remove_all(fx->o, &fx->set, &d);
	offload_free(fx->o);
}

static uint32_t run(struct fx *fx, bool xdp, const uint8_t *in, size_t in_len,
		    uint8_t *out, size_t *out_len)
{
	struct offload_run r = {
		.in = in, .in_len = in_len, .out = out, .out_len = 2048
	};

	if (offload_test_run(fx->o, xdp, &r)) {
		FAIL("BPF_PROG_TEST_RUN");
		return 0xdead;
	}
	*out_len = r.out_len;
	return r.verdict;
}

static uint32_t relayed(bool xdp)
{
	return xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
}

static uint32_t passed(bool xdp)
{
	return xdp ? XDP_PASS : TC_ACT_OK;
}

static size_t channeldata(uint8_t *cd, uint16_t number, uint16_t len, const char *data)
{
	cd[0] = (uint8_t)(number >> 8);
	cd[1] = (uint8_t)number;
	cd[2] = (uint8_t)(len >> 8);
	cd[3] = (uint8_t)len;
	memcpy(cd + 4, data, strlen(data));
	return 4 + strlen(data);
}

/* Client -> peer and peer -> client, the counters after them. */
static void both_directions(struct fx *fx, bool xdp)
{
	uint8_t in[2048], out[2048], cd[64];
	size_t n = channeldata(cd, 0x4000, 5, "hello"), in_len, out_len;
	struct offload_counts d = { 0 };

	in_len = frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, n, 64);
	CHECK_EQ_INT(run(fx, xdp, in, in_len, out, &out_len), relayed(xdp));
	check_frame(out, out_len, fx->v6, &fx->ch.relay, &fx->ch.peer,
		    (const uint8_t *)"hello", 5, 63);

	in_len = frame(in, fx->v6, &fx->ch.peer, &fx->ch.relay, (const uint8_t *)"world!",
		       6, 50);
	CHECK_EQ_INT(run(fx, xdp, in, in_len, out, &out_len), relayed(xdp));
	n = channeldata(cd, 0x4000, 6, "world!");
	check_frame(out, out_len, fx->v6, &fx->ch.server, &fx->ch.client, cd, n, 49);

	offload_collect(fx->o, fx->set, &d);
	CHECK_EQ_INT(d.to_peer_pkts, 1);
	CHECK_EQ_INT(d.to_peer_bytes, 5);
	CHECK_EQ_INT(d.from_peer_pkts, 1);
	CHECK_EQ_INT(d.from_peer_bytes, 6);
}

/* Frames that are not the kernel's to relay go up untouched. */
static void expect_pass(struct fx *fx, bool xdp, const uint8_t *in, size_t in_len)
{
	uint8_t out[2048];
	size_t out_len;

	CHECK_EQ_INT(run(fx, xdp, in, in_len, out, &out_len), passed(xdp));
	CHECK_EQ_INT(out_len, in_len);
	CHECK(!memcmp(in, out, in_len));
}

static void passes_up(struct fx *fx, bool xdp)
{
	uint8_t in[2048], cd[64];
	struct tr_addr other = fx->ch.peer, spoofed = fx->ch.client;
	static const uint8_t stun[20] = { 0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3 };
	struct offload_counts d = { 0 };
	struct offload_stats st;
	size_t n;

	/* Wrong channel number. */
	n = channeldata(cd, 0x4001, 5, "hello");
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, n, 64));
	/* An unpermitted peer: another port, then another address. */
	addr_set_port(&other, 60001);
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &other, &fx->ch.relay, (const uint8_t *)"x", 1,
			  64));
	other = ip(fx->v6 ? "2001:db8:2::21" : "203.0.113.21", 60000);
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &other, &fx->ch.relay, (const uint8_t *)"x", 1,
			  64));
	/* A client source that is not the allocation's. */
	addr_set_port(&spoofed, 40001);
	n = channeldata(cd, 0x4000, 5, "hello");
	expect_pass(fx, xdp, in, frame(in, fx->v6, &spoofed, &fx->ch.server, cd, n, 64));
	/* Truncated ChannelData (3 bytes), a length past the datagram, a
	 * length short of it (padding: userspace relays the length only). */
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, 3, 64));
	n = channeldata(cd, 0x4000, 100, "hello");
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, n, 64));
	n = channeldata(cd, 0x4000, 3, "hello");
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, n, 64));
	/* STUN to the listener. */
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &fx->ch.client, &fx->ch.server, stun, sizeof(stun),
			  64));
	/* TTL 1: userspace sends it with its default. */
	n = channeldata(cd, 0x4000, 5, "hello");
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, n, 1));
	offload_stats(fx->o, &st);
	CHECK_EQ_INT(st.passed_length, 2);
	CHECK_EQ_INT(st.passed_ttl, 1);
	offload_collect(fx->o, fx->set, &d);
	CHECK_EQ_INT(d.to_peer_pkts + d.from_peer_pkts, 0);
}

/* Past its expiry, and once removed, an entry relays nothing. */
static void expiry_and_removal(struct fx *fx, bool xdp)
{
	uint8_t in[2048], cd[64];
	size_t n = channeldata(cd, 0x4000, 5, "hello"), in_len;
	struct offload_counts d = { 0 };

	in_len = frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, n, 64);
	/* Past by more than a tick: the program reads the coarse clock. */
	fx->ch.expires_ms = clock_mono_ms() - 100;
	offload_sync_begin(fx->set);
	REQUIRE(offload_put(fx->o, &fx->set, &fx->ch, clock_mono_ms()) == 0);
	offload_sync_end(fx->o, &fx->set, &d);
	expect_pass(fx, xdp, in, in_len);
	fx->ch.expires_ms = clock_mono_ms() + 60000;
	REQUIRE(offload_put(fx->o, &fx->set, &fx->ch, clock_mono_ms()) == 0);
	offload_remove_all(fx->o, &fx->set, &d);
	CHECK(fx->set == NULL);
	CHECK_EQ_INT(offload_entry_count(fx->o), 0);
	expect_pass(fx, xdp, in, in_len);
}

/* A sync that no longer puts a channel removes it. */
static void sync_removes_unput(struct fx *fx, bool xdp)
{
	uint8_t in[2048], cd[64];
	size_t n = channeldata(cd, 0x4000, 5, "hello");
	struct offload_counts d = { 0 };

	CHECK_EQ_INT(offload_entry_count(fx->o), 1);
	offload_sync_begin(fx->set);
	offload_sync_end(fx->o, &fx->set, &d);
	CHECK(fx->set == NULL);
	expect_pass(fx, xdp, in,
		    frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, n, 64));
}

/* A 1-byte ChannelData makes a frame Ethernet pads to 60 bytes: the
 * padding is not relayed. */
static void padded_frame(struct fx *fx, bool xdp)
{
	uint8_t in[2048], out[2048], cd[64];
	size_t n = channeldata(cd, 0x4000, 1, "z"), in_len, out_len;

	in_len = frame(in, fx->v6, &fx->ch.client, &fx->ch.server, cd, n, 64);
	CHECK_EQ_INT(run(fx, xdp, in, in_len, out, &out_len), relayed(xdp));
	check_frame(out, out_len, fx->v6, &fx->ch.relay, &fx->ch.peer,
		    (const uint8_t *)"z", 1, 63);
}

static void put_refuses_mixed_families(struct fx *fx, bool xdp)
{
	struct offload_channel c = fx->ch;

	(void)xdp;
	c.peer = ip(fx->v6 ? "203.0.113.20" : "2001:db8:2::20", 60000);
	CHECK_EQ_INT(offload_put(fx->o, &fx->set, &c, clock_mono_ms()), TR_EINVAL);
	c = fx->ch;
	c.server = ip(fx->v6 ? "::" : "0.0.0.0", 3478);
	CHECK_EQ_INT(offload_put(fx->o, &fx->set, &c, clock_mono_ms()), TR_EINVAL);
}

#define EACH(fn)                                                                         \
	static void fn##_xdp4(void)                                                      \
	{                                                                                \
		struct fx fx;                                                            \
		if (setup(&fx, false))                                                   \
			fn(&fx, true);                                                   \
		teardown(&fx);                                                           \
	}                                                                                \
	static void fn##_xdp6(void)                                                      \
	{                                                                                \
		struct fx fx;                                                            \
		if (setup(&fx, true))                                                    \
			fn(&fx, true);                                                   \
		teardown(&fx);                                                           \
	}                                                                                \
	static void fn##_tc4(void)                                                       \
	{                                                                                \
		struct fx fx;                                                            \
		if (setup(&fx, false))                                                   \
			fn(&fx, false);                                                  \
		teardown(&fx);                                                           \
	}                                                                                \
	static void fn##_tc6(void)                                                       \
	{                                                                                \
		struct fx fx;                                                            \
		if (setup(&fx, true))                                                    \
			fn(&fx, false);                                                  \
		teardown(&fx);                                                           \
	}

EACH(both_directions)
EACH(passes_up)
EACH(expiry_and_removal)
EACH(sync_removes_unput)
EACH(padded_frame)
EACH(put_refuses_mixed_families)

#define RUN4(fn)                                                                         \
	do {                                                                             \
		RUN(fn##_xdp4);                                                          \
		RUN(fn##_xdp6);                                                          \
		RUN(fn##_tc4);                                                           \
		RUN(fn##_tc6);                                                           \
	} while (0)

/* scripts/bench offload: the program's own cost per relayed packet, 100
 * bytes client -> peer, as BPF_PROG_TEST_RUN times single runs (a
 * repeated run would see its own rewritten frame, which matches nothing,
 * after the first), so the figure includes the timer reads; and a frame
 * that matches no entry (what every other packet on the interface pays).
 * Not a test: nothing is asserted about time. */
static int bench(void)
{
	struct fx fx;
	uint8_t in[2048], out[2048], cd[128];
	char data[101];
	size_t n;
	int rc = 1;

	memset(data, 'x', 100);
	data[100] = '\0';
	n = channeldata(cd, 0x4000, 100, data);
	if (setup(&fx, false)) {
		for (int xdp = 1; xdp >= 0; xdp--) {
			struct offload_run r = { .in = in, .out = out };
			uint64_t total = 0, runs = 200000;
			struct offload_stats st;

			r.in_len =
				frame(in, false, &fx.ch.client, &fx.ch.server, cd, n, 64);
			for (uint64_t i = 0; i < runs; i++) {
				r.out_len = sizeof(out);
				if (offload_test_run(fx.o, xdp, &r) ||
				    r.verdict != relayed(xdp))
					goto done;
				total += r.duration_ns;
			}
			r.in_len =
				frame(in, false, &fx.ch.peer, &fx.ch.server, cd, n, 64);
			r.repeat = 1000000;
			r.out_len = sizeof(out);
			if (offload_test_run(fx.o, xdp, &r))
				goto done;
			offload_stats(fx.o, &st);
			printf("%s: %.0f ns per relayed packet (%llu single runs), %u ns per "
			       "packet matching nothing\n",
			       xdp ? "xdp" : "tc", (double)total / (double)runs,
			       (unsigned long long)runs, r.duration_ns);
		}
		rc = 0;
	}
done:
	teardown(&fx);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--bench"))
		return bench();
	RUN4(both_directions);
	RUN4(passes_up);
	RUN4(expiry_and_removal);
	RUN4(sync_removes_unput);
	RUN4(padded_frame);
	RUN4(put_refuses_mixed_families);
	return HARNESS_DONE();
}
