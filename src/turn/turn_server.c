/* The TURN server context: relay addresses from the config, the
 * housekeeping timer, and the plumbing shared by the method handlers and
 * the data path. */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "conf/conf.h"
#include "turn/turn_internal.h"
#include "turn/turn_tcp_relay.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/peer_range.h"

/* Housekeeping period: expiry is checked at this granularity. */
#define TURN_CRON_MS 1000

void turn_server_touch_clock(struct turn_server *s)
{
	s->now_ms = clock_mono_ms();
	s->now_wall_s = clock_wall_s();
}

int turn_recv_batch(struct turn_server *s, int fd, size_t headroom, struct recv_batch *b)
{
	int n;

	memset(b->msgs, 0, sizeof(b->msgs));
	for (int i = 0; i < UDP_BATCH; i++) {
		b->iov[i].iov_base = s->udp_scratch + (size_t)i * UDP_SLOT + headroom;
		b->iov[i].iov_len = UDP_SLOT - headroom;
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		b->msgs[i].msg_hdr.msg_name = &b->from[i];
		b->msgs[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
	}
	n = recvmmsg(fd, b->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	turn_server_touch_clock(s);
	return n;
}

int turn_batch_sender(const struct recv_batch *b, int i, struct tr_addr *from)
{
	return addr_from_sockaddr(from, (const struct sockaddr *)&b->from[i],
				  b->msgs[i].msg_hdr.msg_namelen);
}

void turn_send_to_client(struct turn_server *s, const struct client_link *link,
			 const struct tr_addr *client, const uint8_t *p, size_t len)
{
	if (link->udp) {
		if (sendto(link->udp->fd, p, len, MSG_DONTWAIT, &client->u.sa,
			   addr_len(client)) < 0 &&
		    errno != EAGAIN)
			log_debug("sendto client failed: %s", strerror(errno));
		return;
	}
	if (link->dtls) {
		turn_dtls_send(link->dtls, p, len);
		return;
	}
	/* Backpressure: a client that does not read loses packets, it does
	 * not grow our memory. */
	if (link->tcp && turn_stream_send(link->tcp, p, len))
		s->counters.client_output_dropped++;
}

void turn_allocation_delete(struct turn_server *s, struct allocation *a, const char *why)
{
	char client[ADDR_STR_MAX], relay[ADDR_STR_MAX], user[ESC_LOG_LEN];
	struct relay_family *rf =
		addr_family(&a->relay) == AF_INET6 ? &s->relay6 : &s->relay4;

	turn_offload_drop(s, a);
	log_info("allocation deleted: client %s relay %s user '%s' (%s), "
		 "to peer %llu pkts/%llu bytes, from peer %llu pkts/%llu bytes",
		 addr_to_str(&a->ft.client, client, sizeof(client)),
		 addr_to_str(&a->relay_public, relay, sizeof(relay)),
		 esc_str(user, sizeof(user), a->username), why,
		 (unsigned long long)a->pkts_to_peer,
		 (unsigned long long)a->bytes_to_peer,
		 (unsigned long long)a->pkts_from_peer,
		 (unsigned long long)a->bytes_from_peer);
	turn_tcp_relay_release(a);
	if (a->relay_ev)
		event_free(a->relay_ev);
	if (a->relay_fd >= 0) {
		close(a->relay_fd);
		if (rf->ports)
			port_pool_release(rf->ports, addr_port(&a->relay));
	}
	turn_dual_release(s, a);
	turn_mobility_forget(s, a);
	turn_bw_release(s, a);
	s->counters.allocations_deleted++;
	if (a->link.tcp)
		a->link.tcp->n_allocs--;
	alloc_table_remove(s->allocs, a);
}

struct link_match {
	struct turn_server *s;
	struct tcp_conn *conn;
	struct dtls_session *dtls;
};

static void delete_if_link(struct allocation *a, void *arg)
{
	struct link_match *m = arg;

	if ((m->conn && a->link.tcp == m->conn) || (m->dtls && a->link.dtls == m->dtls)) {
		if (turn_mobility_suspend(m->s, a))
			return;
		turn_allocation_delete(m->s, a, "connection closed");
	}
}

void turn_delete_allocations_of_link(struct turn_server *s, struct tcp_conn *c,
				     struct dtls_session *d)
{
	struct link_match m = { s, c, d };

	alloc_table_each(s->allocs, delete_if_link, &m);
}

int turn_server_advertised(const struct turn_server *s, int family, struct tr_addr *out)
{
	const struct relay_family *rf = family == AF_INET6 ? &s->relay6 : &s->relay4;

	if (!rf->present)
		return TR_ENOTFOUND;
	*out = rf->external;
	return 0;
}

/* An address clients elsewhere cannot reach: anything the default peer
 * filter refuses (private, loopback, link-local, CGNAT, ...). */
bool turn_address_denied_by_default(const struct tr_addr *a)
{
	struct peer_filter *f = peer_filter_new(false);
	bool special = f && !peer_filter_allows(f, a);

	peer_filter_free(f);
	return special;
}

/* The most common TURN misconfiguration: a private relay address shown to
 * clients that come from the Internet. Said once at start-up. */
static void warn_private_relay(const struct turn_server *s)
{
	const struct conf_addrs *ips = &s->conf->listening_ips;
	bool public_listener = false;
	char text[ADDR_STR_MAX];

	for (size_t i = 0; i < ips->n; i++)
		if (addr_is_any(&ips->v[i]) ||
		    !turn_address_denied_by_default(&ips->v[i]))
			public_listener = true;
	for (int i = 0; public_listener && i < 2; i++) {
		const struct relay_family *rf = i ? &s->relay6 : &s->relay4;

		if (rf->present && turn_address_denied_by_default(&rf->external))
			log_warn(
				"relay address %s is private but turnroom listens beyond "
				"it: clients on the Internet cannot reach it; set "
				"external-ip=PUBLIC/PRIVATE",
				addr_ip_to_str(&rf->external, text, sizeof(text)));
	}
}

struct user_match {
	struct turn_server *s;
	const char *user_id;
	size_t deleted;
};

/* A room-minted REST username "EXPIRY<sep>room~ID" with ID m->user_id. */
static void delete_if_user(struct allocation *a, void *arg)
{
	struct user_match *m = arg;
	const char *id = auth_room_member_id(a->cred.kind, a->username,
					     m->s->conf->rest_api_separator);

	if (!id || strcmp(id, m->user_id))
		return;
	turn_allocation_delete(m->s, a, "room member gone");
	m->deleted++;
}

size_t turn_server_drop_user(struct turn_server *s, const char *user_id)
{
	struct user_match m = { s, user_id, 0 };

	alloc_table_each(s->allocs, delete_if_user, &m);
	return m.deleted;
}

/* The whole username, or the ID part of a REST username (also a room
 * member's user id without the room~ prefix). */
static void delete_if_named(struct allocation *a, void *arg)
{
	struct user_match *m = arg;
	char sep = m->s->conf->rest_api_separator;
	const char *member = auth_room_member_id(a->cred.kind, a->username, sep);
	size_t n;
	const char *id = auth_cred_user(a->cred.kind, a->username, sep, &n);

	if (strcmp(a->username, m->user_id) && (!member || strcmp(member, m->user_id)) &&
	    (n != strlen(m->user_id) || memcmp(id, m->user_id, n)))
		return;
	turn_allocation_delete(m->s, a, "disconnected by the operator");
	m->deleted++;
}

size_t turn_server_disconnect(struct turn_server *s, const char *user)
{
	struct user_match m = { s, user, 0 };

	alloc_table_each(s->allocs, delete_if_named, &m);
	return m.deleted;
}

static void expire_allocation(struct allocation *a, void *arg)
{
	turn_allocation_delete(arg, a, "lifetime expired");
}

static void reservations_expire(struct turn_server *s)
{
	for (size_t i = 0; i < s->n_reservations;) {
		struct reservation *r = &s->reservations[i];

		if (r->expires_ms <= s->now_ms) {
			struct relay_family *rf = addr_family(&r->bound) == AF_INET6
							  ? &s->relay6
							  : &s->relay4;

			close(r->fd);
			port_pool_release(rf->ports, addr_port(&r->bound));
			*r = s->reservations[--s->n_reservations];
		} else {
			i++;
		}
	}
}

static void cron_cb(evutil_socket_t fd, short what, void *arg)
{
	struct turn_server *s = arg;

	turn_server_touch_clock(s);
	alloc_table_sweep(s->allocs, s->now_ms, expire_allocation, s);
	reservations_expire(s);
	turn_offload_tick(s);
	turn_fds_tick(s);
	turn_dtls_tick(s);
	turn_tcp_expire_idle(s);
}

/* A concrete local address of the family for a wildcard relay ip: the
 * first non-loopback interface address, else loopback. */
static int pick_interface_address(int family, struct tr_addr *out)
{
	struct ifaddrs *list, *it;
	int rc = TR_ENOTFOUND;

	if (getifaddrs(&list) < 0)
		return TR_EIO;
	for (it = list; it; it = it->ifa_next) {
		struct tr_addr a;

		if (!it->ifa_addr || it->ifa_addr->sa_family != family)
			continue;
		if (addr_from_sockaddr(&a, it->ifa_addr, sizeof(struct sockaddr_storage)))
			continue;
		if (family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a.u.v6.sin6_addr))
			continue;
		if (rc != 0 || !addr_is_loopback(&a)) {
			*out = a;
			addr_set_port(out, 0);
			rc = 0;
			if (!addr_is_loopback(&a))
				break;
		}
	}
	freeifaddrs(list);
	return rc;
}

static int relay_family_set(struct relay_family *rf, const struct tr_addr *ip)
{
	char text[ADDR_STR_MAX];

	if (rf->present)
		return 0;
	rf->ip = *ip;
	addr_set_port(&rf->ip, 0);
	if (addr_is_any(&rf->ip) && pick_interface_address(addr_family(ip), &rf->ip) == 0)
		log_warn("relay address is a wildcard; relaying from %s (set relay-ip)",
			 addr_ip_to_str(&rf->ip, text, sizeof(text)));
	rf->external = rf->ip;
	rf->present = true;
	return 0;
}

/* external-ip: "pub" maps every relay address of its family; "pub/priv"
 * maps the relay address priv only (filter_build allows priv as a peer). */
static void apply_external_ips(const struct conf *c, struct relay_family *r4,
			       struct relay_family *r6)
{
	const struct conf_external_ips *l = &c->external_ips;

	for (size_t i = 0; i < l->n; i++) {
		const struct conf_external_ip *e = &l->v[i];
		struct relay_family *rf = addr_family(&e->pub) == AF_INET6 ? r6 : r4;

		if (!rf->present || (e->has_priv && !addr_equal_ip(&e->priv, &rf->ip)))
			continue;
		rf->external = e->pub;
	}
}

/* The relay addresses of a config into r4 and r6 (zeroed by the caller):
 * relay-ip, or the listening addresses, with external-ip applied. Ports
 * are not touched. */
static int relay_addresses(const struct conf *c, struct relay_family *r4,
			   struct relay_family *r6)
{
	const struct conf_addrs *l = c->relay_ips.n ? &c->relay_ips : &c->listening_ips;

	for (size_t i = 0; i < l->n; i++)
		relay_family_set(addr_family(&l->v[i]) == AF_INET6 ? r6 : r4, &l->v[i]);
	apply_external_ips(c, r4, r6);
	return 0;
}

static int relay_setup(struct turn_server *s)
{
	const struct conf *c = s->conf;
	int rc;

	rc = relay_addresses(c, &s->relay4, &s->relay6);
	if (rc)
		return rc;
	for (int i = 0; i < 2; i++) {
		struct relay_family *rf = i ? &s->relay6 : &s->relay4;

		if (!rf->present)
			continue;
		rf->ports = port_pool_new((uint16_t)c->min_port, (uint16_t)c->max_port);
		if (!rf->ports)
			return TR_ENOMEM;
	}
	return 0;
}

/* Every address of every interface is ours when we bind a wildcard. */
static int filter_add_interfaces(struct peer_filter *f)
{
	struct ifaddrs *list, *it;
	int rc = 0;

	if (getifaddrs(&list) < 0)
		return TR_EIO;
	for (it = list; !rc && it; it = it->ifa_next) {
		struct tr_addr a;
		struct peer_range r;

		if (!it->ifa_addr || (it->ifa_addr->sa_family != AF_INET &&
				      it->ifa_addr->sa_family != AF_INET6))
			continue;
		if (addr_from_sockaddr(&a, it->ifa_addr, sizeof(struct sockaddr_storage)))
			continue;
		peer_range_from_addr(&r, &a);
		rc = peer_filter_add_self(f, &r, false);
	}
	freeifaddrs(list);
	for (size_t i = 0; !rc && i < 2; i++) {
		struct peer_range r;

		rc = peer_range_parse(i ? "::1" : "127.0.0.0/8", &r);
		if (!rc)
			rc = peer_filter_add_self(f, &r, false);
	}
	return rc;
}

static int filter_add_self_addr(struct peer_filter *f, const struct tr_addr *a,
				bool pinned)
{
	struct peer_range r;

	peer_range_from_addr(&r, a);
	return peer_filter_add_self(f, &r, pinned);
}

/* This server's own addresses as peers (turn.h, peer_filter_add_self):
 * listening and relay addresses, both halves of every external-ip (the
 * private one pinned: coturn allows it, where other clients' relays
 * live), the relay port range and the listening ports. NULL or what
 * failed. */
static const char *filter_add_self(struct peer_filter *f, const struct conf *c)
{
	const struct conf_addrs *own[] = { &c->listening_ips, &c->relay_ips };
	const unsigned ports[] = { c->listening_port, c->tls_listening_port, c->http_port,
				   c->https_port };
	uint16_t listen[4];
	size_t n = 0;
	bool wildcard = false;

	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < own[l]->n; i++) {
			if (addr_is_any(&own[l]->v[i]))
				wildcard = true;
			else if (filter_add_self_addr(f, &own[l]->v[i], false))
				return "(out of memory)";
		}
	}
	for (size_t i = 0; i < c->external_ips.n; i++) {
		const struct conf_external_ip *e = &c->external_ips.v[i];

		if (filter_add_self_addr(f, &e->pub, false) ||
		    (e->has_priv && filter_add_self_addr(f, &e->priv, true)))
			return "(out of memory)";
	}
	if (wildcard && filter_add_interfaces(f))
		return "(interface addresses)";
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i] && ports[i] <= 65535)
			listen[n++] = (uint16_t)ports[i];
	if (peer_filter_set_ports(f, (uint16_t)c->min_port, (uint16_t)c->max_port, listen,
				  n))
		return "(min-port/max-port)";
	return NULL;
}

/* The peer filter of a config: the hardened defaults, allowed-peer-ip,
 * denied-peer-ip, and the rules for this server's own addresses. NULL on
 * error. */
static struct peer_filter *filter_build(const struct conf *c)
{
	struct peer_filter *f = peer_filter_new(c->allow_loopback_peers);
	const char *bad = NULL;

	if (!f)
		return NULL;
	for (size_t i = 0; !bad && i < c->allowed_peer_ips.n; i++)
		if (peer_filter_add(f, &c->allowed_peer_ips.v[i], true))
			bad = "allowed-peer-ip: out of memory";
	for (size_t i = 0; !bad && i < c->denied_peer_ips.n; i++)
		if (peer_filter_add(f, &c->denied_peer_ips.v[i], false))
			bad = "denied-peer-ip: out of memory";
	if (!bad)
		bad = filter_add_self(f, c);
	if (bad) {
		log_err("cannot build the peer filter: %s", bad);
		peer_filter_free(f);
		return NULL;
	}
	return f;
}

struct turn_reload {
	struct peer_filter *filter;
	SSL_CTX *dtls_ctx; /* NULL: DTLS is off, the context stays */
	/* relay-ip and external-ip for new allocations; .ports is a pool
	 * made for a family the server had none for (owned until commit) */
	struct relay_family relay4, relay6;
};

void turn_reload_free(struct turn_reload *r)
{
	if (!r)
		return;
	port_pool_free(r->relay4.ports);
	port_pool_free(r->relay6.ports);
	peer_filter_free(r->filter);
	SSL_CTX_free(r->dtls_ctx);
	free(r);
}

/* The new relay addresses, and a port pool for a family that has none
 * yet (min-port and max-port need a restart: the pools stay). */
static int relay_prepare(const struct turn_server *s, struct turn_reload *r,
			 const struct conf *conf)
{
	if (relay_addresses(conf, &r->relay4, &r->relay6))
		return TR_EINVAL;
	if (r->relay4.present && !s->relay4.ports)
		r->relay4.ports =
			port_pool_new((uint16_t)conf->min_port, (uint16_t)conf->max_port);
	if (r->relay6.present && !s->relay6.ports)
		r->relay6.ports =
			port_pool_new((uint16_t)conf->min_port, (uint16_t)conf->max_port);
	if ((r->relay4.present && !s->relay4.ports && !r->relay4.ports) ||
	    (r->relay6.present && !s->relay6.ports && !r->relay6.ports))
		return TR_ENOMEM;
	return 0;
}

/* New allocations bind and advertise the reloaded addresses; live ones
 * keep theirs, and their ports go back to the pool they came from. */
static void relay_commit(struct relay_family *live, struct relay_family *next)
{
	char now[ADDR_STR_MAX], ext[ADDR_STR_MAX];

	if (live->present && !next->present)
		log_info(
			"reload: no relay address of the family of %s for new allocations",
			addr_ip_to_str(&live->ip, now, sizeof(now)));
	else if (next->present &&
		 (!live->present || !addr_equal_ip(&live->ip, &next->ip) ||
		  !addr_equal_ip(&live->external, &next->external)))
		log_info(
			"reload: relay address %s, advertised as %s, for new allocations",
			addr_ip_to_str(&next->ip, now, sizeof(now)),
			addr_ip_to_str(&next->external, ext, sizeof(ext)));
	live->present = next->present;
	live->ip = next->ip;
	live->external = next->external;
	if (!live->ports) {
		live->ports = next->ports;
		next->ports = NULL;
	}
}

struct turn_reload *turn_server_reload_prepare(struct turn_server *s,
					       const struct conf *conf, char *err,
					       size_t errlen)
{
	struct turn_reload *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->filter = filter_build(conf);
	if (!r->filter) {
		snprintf(err, errlen, "bad peer range (see above)");
		goto fail;
	}
	if (relay_prepare(s, r, conf)) {
		snprintf(err, errlen, "bad relay-ip or external-ip (see above)");
		goto fail;
	}
	/* DTLS listeners exist from the start only: a cert added by a reload
	 * waits for a restart. */
	if (turn_dtls_reload_prepare(s, conf, &r->dtls_ctx, err, errlen))
		goto fail;
	return r;
fail:
	turn_reload_free(r);
	return NULL;
}

void turn_server_reload_commit(struct turn_server *s, struct turn_reload *r,
			       const struct conf *conf, struct auth *auth)
{
	relay_commit(&s->relay4, &r->relay4);
	relay_commit(&s->relay6, &r->relay6);
	peer_filter_free(s->filter);
	s->filter = r->filter;
	r->filter = NULL;
	turn_dtls_reload_commit(s, r->dtls_ctx);
	r->dtls_ctx = NULL;
	auth_limiter_configure(s->auth_failures,
			       &(struct auth_limits){ conf->auth_fail_source,
						      conf->auth_fail_user,
						      conf->auth_fail_global });
	s->conf = conf;
	s->auth = auth;
	s->channel_max =
		conf->rfc5766_channel_numbers ? CHANNEL_MAX_RFC5766 : CHANNEL_MAX;
	turn_reload_free(r);
}

struct turn_server *turn_server_new(struct event_base *base, const struct conf *conf,
				    struct auth *auth)
{
	struct turn_server *s = calloc(1, sizeof(*s));
	struct timeval tick = { TURN_CRON_MS / 1000, (TURN_CRON_MS % 1000) * 1000 };

	if (!s)
		return NULL;
	s->base = base;
	s->conf = conf;
	s->auth = auth;
	snprintf(s->software, sizeof(s->software), "%s/%s", PACKAGE_NAME,
		 PACKAGE_VERSION);
	s->channel_max =
		conf->rfc5766_channel_numbers ? CHANNEL_MAX_RFC5766 : CHANNEL_MAX;
	turn_server_touch_clock(s);
	if (RAND_bytes(s->nonce_key, sizeof(s->nonce_key)) != 1 ||
	    RAND_bytes(s->indication_prefix, sizeof(s->indication_prefix)) != 1)
		goto fail;
	s->allocs = alloc_table_new();
	s->auth_failures = auth_limiter_new(&(struct auth_limits){
		conf->auth_fail_source, conf->auth_fail_user, conf->auth_fail_global });
	s->filter = filter_build(conf);
	if (!s->allocs || !s->auth_failures || !s->filter || relay_setup(s))
		goto fail;
	s->cron = event_new(base, -1, EV_PERSIST, cron_cb, s);
	if (!s->cron || event_add(s->cron, &tick))
		goto fail;
	if (turn_listen_start(s) || turn_dtls_start(s) || turn_offload_start(s))
		goto fail;
	warn_private_relay(s);
	return s;
fail:
	turn_server_free(s);
	return NULL;
}

static void release_allocation(struct allocation *a)
{
	turn_offload_drop(a->server, a);
	turn_tcp_relay_release(a);
	if (a->relay_ev)
		event_free(a->relay_ev);
	if (a->relay_fd >= 0)
		close(a->relay_fd);
	turn_dual_release(NULL, a);
}

void turn_server_free(struct turn_server *s)
{
	if (!s)
		return;
	turn_listen_stop(s);
	turn_dtls_stop(s);
	alloc_table_free(s->allocs, release_allocation);
	turn_offload_stop(s);
	turn_mobility_free(s);
	for (size_t i = 0; i < s->n_reservations; i++)
		close(s->reservations[i].fd);
	free(s->reservations);
	if (s->cron)
		event_free(s->cron);
	port_pool_free(s->relay4.ports);
	port_pool_free(s->relay6.ports);
	peer_filter_free(s->filter);
	auth_limiter_free(s->auth_failures);
	free(s);
}
