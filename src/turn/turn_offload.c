/* The relay's side of relay-offload (src/offload): which channels the
 * kernel may relay, kept equal to what this relay would relay itself, and
 * the kernel's counters added to the allocations' own.
 *
 * A channel is handed to the kernel when its allocation is a plain UDP one
 * (no TCP, TLS or DTLS client, no RFC 6062), has no bandwidth limit
 * (max-bps is enforced here, never past it), and the channel, its
 * permission and the allocation are all live; its entry carries the
 * earliest of their three expiries, so the kernel stops on time on its
 * own. Every change -- ChannelBind, CreatePermission, Refresh, mobility --
 * re-syncs the allocation's entries whole (turn_offload_sync); every
 * deletion (lifetime, Refresh 0, --disconnect, reload, room member gone,
 * connection closed) goes through turn_allocation_delete, which removes
 * them before it logs the allocation's totals. */
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "conf/conf.h"
#include "offload/offload.h"
#include "turn/turn_internal.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/prom.h"

static const char *mode_name(enum conf_relay_offload m)
{
	return m == CONF_OFFLOAD_XDP ? "xdp" : m == CONF_OFFLOAD_TC ? "tc" : "auto";
}

int turn_offload_start(struct turn_server *s)
{
	const struct conf *c = s->conf;
	enum conf_relay_offload m = c->relay_offload;
	struct tr_addr addrs[64];
	size_t n = 0;
	char err[256];
	static const enum offload_mode modes[] = { [CONF_OFFLOAD_OFF] = OFFLOAD_OFF,
						   [CONF_OFFLOAD_AUTO] = OFFLOAD_AUTO,
						   [CONF_OFFLOAD_XDP] = OFFLOAD_XDP,
						   [CONF_OFFLOAD_TC] = OFFLOAD_TC };

	if (m == CONF_OFFLOAD_OFF)
		return 0;
	for (size_t i = 0; i < c->listening_ips.n && n < 62; i++)
		addrs[n++] = c->listening_ips.v[i];
	if (s->relay4.present)
		addrs[n++] = s->relay4.ip;
	if (s->relay6.present)
		addrs[n++] = s->relay6.ip;
	/* Map updates need CAP_BPF, which proc-user gives up after start. */
	if (c->proc_user)
		snprintf(err, sizeof(err), "proc-user drops the privilege its maps need");
	else if (offload_start(modes[m], addrs, n, &s->offload, err, sizeof(err)) == 0) {
		log_info("relay-offload: ChannelData relayed in the kernel (%s on %zu "
			 "interface(s))",
			 offload_attach_name(s->offload),
			 offload_interface_count(s->offload));
		return 0;
	}
	if (m == CONF_OFFLOAD_AUTO) {
		log_info("relay-offload: relaying in userspace (%s)", err);
		return 0;
	}
	log_err("relay-offload=%s: %s", mode_name(m), err);
	return TR_EIO;
}

void turn_offload_stop(struct turn_server *s)
{
	offload_free(s->offload);
	s->offload = NULL;
}

static void add_counts(struct turn_server *s, struct allocation *a,
		       const struct offload_counts *d)
{
	a->pkts_to_peer += d->to_peer_pkts;
	a->bytes_to_peer += d->to_peer_bytes;
	a->pkts_from_peer += d->from_peer_pkts;
	a->bytes_from_peer += d->from_peer_bytes;
	s->counters.relayed_pkts_out += d->to_peer_pkts;
	s->counters.relayed_bytes_out += d->to_peer_bytes;
	s->counters.relayed_pkts_in += d->from_peer_pkts;
	s->counters.relayed_bytes_in += d->from_peer_bytes;
	s->counters.offload_pkts[1] += d->to_peer_pkts;
	s->counters.offload_bytes[1] += d->to_peer_bytes;
	s->counters.offload_pkts[0] += d->from_peer_pkts;
	s->counters.offload_bytes[0] += d->from_peer_bytes;
}

static bool eligible(const struct turn_server *s, const struct allocation *a)
{
	return s->offload && a->ft.transport == TURN_UDP && a->link.udp && !a->link.tcp &&
	       !a->link.dtls && !a->tcp && a->bps == 0;
}

/* The listener address the client's packets reach and ours leave from. A
 * wildcard listener answers from the address the kernel picks toward the
 * client (its route's preferred source): the same one, asked the same
 * way. A client that reaches another address of a multi-homed host then
 * matches no entry, and userspace relays it, as before. */
static int listener_address(const struct allocation *a, struct tr_addr *out)
{
	socklen_t len = sizeof(out->u.ss);
	int fd;

	*out = a->ft.server;
	if (!addr_is_any(out))
		return 0;
	fd = socket(addr_family(&a->ft.client), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return TR_EIO;
	if (connect(fd, &a->ft.client.u.sa, addr_len(&a->ft.client)) ||
	    getsockname(fd, &out->u.sa, &len)) {
		close(fd);
		return TR_EIO;
	}
	close(fd);
	addr_set_port(out, addr_port(&a->ft.server));
	return 0;
}

static uint64_t permission_expiry(const struct allocation *a, const struct tr_addr *peer)
{
	for (size_t i = 0; i < a->n_perms; i++)
		if (addr_equal_ip(&a->perms[i].peer, peer))
			return a->perms[i].expires_ms;
	return 0;
}

/* The relayed address of the peer's family; NULL when none. */
static const struct tr_addr *relay_for(const struct allocation *a, int family)
{
	if (a->relay_fd >= 0 && addr_family(&a->relay) == family)
		return &a->relay;
	if (a->relay2_fd >= 0 && addr_family(&a->relay2) == family)
		return &a->relay2;
	return NULL;
}

static void put_channel(struct turn_server *s, struct allocation *a,
			const struct turn_channel *ch)
{
	static struct log_limit full_log;
	uint64_t perm = permission_expiry(a, &ch->peer), now = s->now_ms;
	const struct tr_addr *relay = relay_for(a, addr_family(&ch->peer));
	struct offload_channel c;

	/* A client of one family and a peer of the other: the headers
	 * differ in size; userspace relays those. */
	if (ch->expires_ms <= now || perm <= now || !relay ||
	    addr_family(&a->ft.client) != addr_family(&ch->peer))
		return;
	if (listener_address(a, &c.server))
		return;
	c.client = a->ft.client;
	c.relay = *relay;
	c.peer = ch->peer;
	c.number = ch->number;
	c.expires_ms = ch->expires_ms < perm ? ch->expires_ms : perm;
	if (a->expires_ms < c.expires_ms)
		c.expires_ms = a->expires_ms;
	if (offload_put(s->offload, &a->offload, &c, now) == TR_EQUOTA)
		log_warn_limited(&full_log,
				 "relay-offload: %zu channels in the kernel, "
				 "the maps are full: new ones relayed in userspace",
				 offload_entry_count(s->offload));
}

void turn_offload_sync(struct turn_server *s, struct allocation *a)
{
	struct offload_counts d = { 0 };

	if (!s->offload || !a)
		return;
	offload_sync_begin(a->offload);
	if (eligible(s, a))
		for (size_t i = 0; i < a->n_chans; i++)
			put_channel(s, a, &a->chans[i]);
	offload_sync_end(s->offload, &a->offload, &d);
	add_counts(s, a, &d);
}

void turn_offload_drop(struct turn_server *s, struct allocation *a)
{
	struct offload_counts d = { 0 };

	if (!s || !s->offload || !a->offload)
		return;
	offload_remove_all(s->offload, &a->offload, &d);
	add_counts(s, a, &d);
}

static void tick_one(struct allocation *a, void *arg)
{
	struct turn_server *s = arg;
	struct offload_counts d = { 0 };

	if (!a->offload)
		return;
	offload_tick(s->offload, &a->offload, s->now_ms, &d);
	add_counts(s, a, &d);
}

void turn_offload_tick(struct turn_server *s)
{
	if (s->offload)
		alloc_table_each(s->allocs, tick_one, s);
}

static void collect_one(struct allocation *a, void *arg)
{
	struct turn_server *s = arg;
	struct offload_counts d = { 0 };

	if (!a->offload)
		return;
	offload_collect(s->offload, a->offload, &d);
	add_counts(s, a, &d);
}

void turn_offload_collect(struct turn_server *s)
{
	if (s->offload)
		alloc_table_each(s->allocs, collect_one, s);
}

void turn_offload_write_metrics(struct turn_server *s, struct evbuffer *out)
{
	struct offload_stats st = { 0 };
	const char *name;

	if (s->offload)
		offload_stats(s->offload, &st);
	prom_metric(out, "turnroom_offload_active", "gauge",
		    "1 when the eBPF fast path relays ChannelData (relay-offload).",
		    s->offload ? 1 : 0);
	prom_metric(out, "turnroom_offload_channels", "gauge",
		    "Channels the kernel relays.",
		    s->offload ? offload_entry_count(s->offload) : 0);
	name = "turnroom_offload_relayed_packets_total";
	prom_family(
		out, name, "counter",
		"Packets relayed by the kernel (included in turnroom_relayed_packets_total).");
	prom_sample(out, name, "direction", "to_peer", s->counters.offload_pkts[1]);
	prom_sample(out, name, "direction", "from_peer", s->counters.offload_pkts[0]);
	name = "turnroom_offload_relayed_bytes_total";
	prom_family(out, name, "counter",
		    "Payload bytes relayed by the kernel (included in "
		    "turnroom_relayed_bytes_total).");
	prom_sample(out, name, "direction", "to_peer", s->counters.offload_bytes[1]);
	prom_sample(out, name, "direction", "from_peer", s->counters.offload_bytes[0]);
	name = "turnroom_offload_passed_total";
	prom_family(
		out, name, "counter",
		"Packets of offloaded channels the kernel left to userspace, by reason.");
	prom_sample(out, name, "reason", "expired", st.passed_expired);
	prom_sample(out, name, "reason", "no_nexthop", st.passed_no_nexthop);
	prom_sample(out, name, "reason", "length", st.passed_length);
	prom_sample(out, name, "reason", "ttl", st.passed_ttl);
	prom_sample(out, name, "reason", "mtu", st.passed_mtu);
}
