/* The peer filter: where a relay may send data. RFC 8656 leaves that to
 * local policy (a refused peer gets 403); ours refuses every address a
 * relay could use to reach inside the operator's network (below).
 *
 * Ranges are struct peer_range (util/peer_range.h): src/conf parses the
 * operator's allowed-peer-ip and denied-peer-ip once at load, and the
 * built-in deny list below is parsed at construction by the same parser.
 *
 * An IPv6 address that carries an IPv4 address (mapped, compatible, NAT64,
 * 6to4) has two views: its own 128 bits and the IPv4 it carries. A view
 * passes when an allowed range covers it or no denied range does; the
 * peer passes only when every view passes. So an allowed IPv4 range opens
 * its mapped forms, and opening 64:ff9b::/96 for NAT64 still keeps
 * 64:ff9b::a9fe:a9fe (the cloud metadata address) shut. coturn was
 * bypassed through ::ffff:127.0.0.1 until it unwrapped these forms
 * (CVE-2026-27624). */
#include "turn/turn.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/errors.h"
#include "util/peer_range.h"

struct pf_list {
	struct peer_range *v;
	size_t n, cap;
};

/* Listening ports of this server a peer may never be (peer_filter_set_ports). */
#define PF_LISTEN_MAX 8

struct peer_filter {
	struct pf_list allowed;
	struct pf_list denied;         /* built-in defaults plus denied-peer-ip */
	struct pf_list self;           /* this server's own addresses */
	struct pf_list pinned;         /* external-ip private halves (also in self) */
	uint16_t relay_min, relay_max; /* 0, 0: no port is a relay port */
	uint16_t listen[PF_LISTEN_MAX];
	size_t n_listen;
};

/* The hardened deny list: coturn's recommended denied-peer-ip ranges (its
 * turnserver.conf and the CVE-2020-26262 advisory), plus ::, fec0::/10
 * and ff00::/8. 64:ff9b::/96 and 2002::/16 are shut as a whole: a NAT64 or
 * 6to4 gateway could reach anything, and the carried IPv4 is judged too. */
static const struct {
	const char *cidr;
	bool loopback; /* dropped when loopback peers are allowed */
} pf_defaults[] = {
	{ "0.0.0.0/8", false },
	{ "10.0.0.0/8", false },
	{ "100.64.0.0/10", false },
	{ "127.0.0.0/8", true },
	{ "169.254.0.0/16", false },
	{ "172.16.0.0/12", false },
	{ "192.0.0.0/24", false },
	{ "192.0.2.0/24", false },
	{ "192.31.196.0/24", false },
	{ "192.52.193.0/24", false },
	{ "192.88.99.0/24", false },
	{ "192.168.0.0/16", false },
	{ "192.175.48.0/24", false },
	{ "198.18.0.0/15", false },
	{ "198.51.100.0/24", false },
	{ "203.0.113.0/24", false },
	{ "224.0.0.0/4", false },
	{ "240.0.0.0/4", false },
	{ "::/128", false },
	{ "::1/128", true },
	{ "64:ff9b::/96", false },
	{ "64:ff9b:1::/48", false },
	{ "100::/64", false },
	{ "2001::/23", false },
	{ "2001:db8::/32", false },
	{ "2002::/16", false },
	{ "2620:4f:8000::/48", false },
	{ "3fff::/20", false },
	{ "5f00::/16", false },
	{ "fc00::/7", false },
	{ "fe80::/10", false },
	{ "fec0::/10", false },
	{ "ff00::/8", false },
};

static int pf_list_push(struct pf_list *l, const struct peer_range *r)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct peer_range *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return TR_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *r;
	return 0;
}

static bool pf_list_covers(const struct pf_list *l, const uint8_t *ip, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (peer_range_contains(&l->v[i], ip, len))
			return true;
	return false;
}

static bool pf_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool pf_is_mapped(const uint8_t *ip6)
{
	return pf_all_zero(ip6, 10) && ip6[10] == 0xff && ip6[11] == 0xff;
}

/* The IPv4 address an IPv6 address carries, if any, into v4[4]:
 * ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), ::a.b.c.d (§2.5.5.1, deprecated;
 * :: and ::1 are not such), 64:ff9b::a.b.c.d (RFC 6052 §2.1) and
 * 2002:AABB:CCDD::/48 (RFC 3056 §2). */
static bool pf_embedded_v4(const uint8_t *ip6, uint8_t *v4)
{
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	bool compat = pf_all_zero(ip6, 12) && !(pf_all_zero(ip6 + 12, 3) && ip6[15] <= 1);
	const uint8_t *src = NULL;

	if (pf_is_mapped(ip6) || compat || memcmp(ip6, nat64, 12) == 0)
		src = ip6 + 12;
	else if (ip6[0] == 0x20 && ip6[1] == 0x02)
		src = ip6 + 2;
	if (!src)
		return false;
	memcpy(v4, src, 4);
	return true;
}

/* Also TR_ENOMEM when the list cannot grow (turn.h names only TR_EINVAL). */
int peer_filter_add(struct peer_filter *f, const struct peer_range *r, bool allow)
{
	if (!f || !r)
		return TR_EINVAL;
	return pf_list_push(allow ? &f->allowed : &f->denied, r);
}

int peer_filter_add_self(struct peer_filter *f, const struct peer_range *r, bool pinned)
{
	int rc;

	if (!f || !r)
		return TR_EINVAL;
	rc = pf_list_push(&f->self, r);
	if (!rc && pinned)
		rc = pf_list_push(&f->pinned, r);
	return rc;
}

int peer_filter_set_ports(struct peer_filter *f, uint16_t relay_min, uint16_t relay_max,
			  const uint16_t *listen, size_t n)
{
	if (!f || n > PF_LISTEN_MAX || relay_min > relay_max)
		return TR_EINVAL;
	f->relay_min = relay_min;
	f->relay_max = relay_max;
	memcpy(f->listen, listen, n * sizeof(*listen));
	f->n_listen = n;
	return 0;
}

struct peer_filter *peer_filter_new(bool allow_loopback)
{
	struct peer_filter *f = calloc(1, sizeof(*f));
	size_t i;

	if (!f)
		return NULL;
	for (i = 0; i < sizeof(pf_defaults) / sizeof(pf_defaults[0]); i++) {
		struct peer_range r;

		if (allow_loopback && pf_defaults[i].loopback)
			continue;
		if (peer_range_parse(pf_defaults[i].cidr, &r) < 0 ||
		    peer_filter_add(f, &r, false) < 0)
			goto fail;
	}
	return f;
fail:
	peer_filter_free(f);
	return NULL;
}

void peer_filter_free(struct peer_filter *f)
{
	if (!f)
		return;
	free(f->allowed.v);
	free(f->denied.v);
	free(f->self.v);
	free(f->pinned.v);
	free(f);
}

/* One view of the peer passes when allowed, or else when not denied. */
static bool pf_view_passes(const struct peer_filter *f, const uint8_t *ip, size_t len)
{
	return pf_list_covers(&f->allowed, ip, len) ||
	       !pf_list_covers(&f->denied, ip, len);
}

/* The views of a peer: its own bytes and, for an IPv6 address that
 * carries one, the IPv4 address inside. Returns the number of views. */
struct pf_views {
	const uint8_t *ip[2];
	size_t len[2];
	uint8_t v4[4];
};

static size_t pf_views_of(const struct tr_addr *peer, struct pf_views *v)
{
	int family = addr_family(peer);

	if (family != AF_INET && family != AF_INET6)
		return 0;
	v->ip[0] = addr_bytes(peer, &v->len[0]);
	if (v->len[0] == 16 && pf_embedded_v4(v->ip[0], v->v4)) {
		v->ip[1] = v->v4;
		v->len[1] = 4;
		return 2;
	}
	return 1;
}

static bool pf_views_covered(const struct pf_list *l, const struct pf_views *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pf_list_covers(l, v->ip[i], v->len[i]))
			return true;
	return false;
}

static bool pf_is_loopback(const uint8_t *ip, size_t len)
{
	static const uint8_t one[16] = { [15] = 1 };

	return len == 4 ? ip[0] == 127 : memcmp(ip, one, 16) == 0;
}

/* The rule for this server's own addresses. */
enum pf_self_verdict {
	PF_SELF_REFUSED, /* one of our listeners, or not loopback */
	PF_SELF_ALLOWED, /* a pinned external-ip half on a relay port */
	PF_SELF_GENERAL, /* not ours, or loopback: the general verdict */
};

static enum pf_self_verdict pf_self_rule(const struct peer_filter *f,
					 const struct pf_views *v, size_t n,
					 uint16_t port)
{
	bool loopback = false, in_range;

	if (!pf_views_covered(&f->self, v, n))
		return PF_SELF_GENERAL;
	for (size_t i = 0; i < f->n_listen; i++)
		if (f->listen[i] == port)
			return PF_SELF_REFUSED; /* no TURN-in-TURN into our own listeners
						 */
	in_range = f->relay_max && port >= f->relay_min && port <= f->relay_max;
	if (in_range)
		return pf_views_covered(&f->pinned, v, n) ? PF_SELF_ALLOWED
							  : PF_SELF_GENERAL;
	for (size_t i = 0; i < n; i++)
		loopback = loopback || pf_is_loopback(v->ip[i], v->len[i]);
	/* Loopback is only ever open by the operator's choice, for tests. */
	return loopback ? PF_SELF_GENERAL : PF_SELF_REFUSED;
}

bool peer_filter_allows(const struct peer_filter *f, const struct tr_addr *peer)
{
	struct pf_views v;
	size_t n;
	enum pf_self_verdict self;

	if (!f || !peer)
		return false;
	n = pf_views_of(peer, &v);
	if (n == 0)
		return false;
	self = pf_self_rule(f, &v, n, addr_port(peer));
	if (self != PF_SELF_GENERAL)
		return self == PF_SELF_ALLOWED;
	for (size_t i = 0; i < n; i++)
		if (!pf_view_passes(f, v.ip[i], v.len[i]))
			return false;
	return true;
}

bool peer_filter_allows_port(const struct peer_filter *f, const struct tr_addr *peer)
{
	struct pf_views v;
	size_t n;

	if (!f || !peer)
		return false;
	n = pf_views_of(peer, &v);
	if (n == 0)
		return false;
	if (!pf_views_covered(&f->self, &v, n))
		return true;
	return peer_filter_allows(f, peer);
}
