/* The peer range grammar of allowed-peer-ip and denied-peer-ip (coturn's
 * "ip", "ip-ip" and, ours in addition, "ip/prefix"). */
#include "util/peer_range.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util/errors.h"

/* Parses one IP literal into bytes; its length (4 or 16) into *len. */
static int parse_ip(const char *text, uint8_t *out, uint8_t *len)
{
	struct tr_addr a;
	const uint8_t *p;
	size_t n;

	if (addr_parse_ip(&a, text, 0) < 0)
		return TR_EINVAL;
	p = addr_bytes(&a, &n);
	memcpy(out, p, n);
	*len = (uint8_t)n;
	return 0;
}

/* A decimal prefix length, no sign, no spaces, at most max. */
static int parse_prefix(const char *text, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (!*text)
		return TR_EINVAL;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return TR_EINVAL;
		v = v * 10 + (unsigned)(*text - '0');
		if (v > max)
			return TR_EINVAL;
	}
	*out = v;
	return 0;
}

/* Fills r->first/last from a base address and a prefix length: host bits
 * are cleared for first and set for last, whatever the text had there. */
static void range_cidr(struct peer_range *r, const uint8_t *ip, unsigned prefix)
{
	for (unsigned i = 0; i < r->len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		r->first[i] = ip[i] & mask;
		r->last[i] = ip[i] | (uint8_t)~mask;
	}
}

/* "ip", "ip-ip" or "ip/prefix" into r. buf is a writable copy of the
 * text. A '/' and a '-' together never parse: the '-' lands in the
 * prefix digits or in an address literal. */
static int parse_range(char *buf, struct peer_range *r)
{
	char *slash = strchr(buf, '/'), *dash = strchr(buf, '-');
	uint8_t ip[16], len2;
	unsigned prefix;

	if (slash) {
		*slash = '\0';
		if (parse_ip(buf, ip, &r->len) < 0 ||
		    parse_prefix(slash + 1, r->len * 8u, &prefix) < 0)
			return TR_EINVAL;
		range_cidr(r, ip, prefix);
		return 0;
	}
	if (dash)
		*dash = '\0';
	if (parse_ip(buf, r->first, &r->len) < 0)
		return TR_EINVAL;
	if (!dash) {
		memcpy(r->last, r->first, r->len);
		return 0;
	}
	if (parse_ip(dash + 1, r->last, &len2) < 0 || len2 != r->len ||
	    memcmp(r->first, r->last, r->len) > 0)
		return TR_EINVAL;
	return 0;
}

static bool is_mapped(const uint8_t *ip6)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(ip6, prefix, sizeof(prefix)) == 0;
}

/* RFC 4291 section 2.5.5.2: a range of ::ffff:a.b.c.d means those IPv4
 * addresses; stored as IPv4 it also matches peers that come as IPv4. */
static void fold_mapped(struct peer_range *r)
{
	if (r->len == 16 && is_mapped(r->first) && is_mapped(r->last)) {
		memmove(r->first, r->first + 12, 4);
		memmove(r->last, r->last + 12, 4);
		memset(r->first + 4, 0, 12);
		memset(r->last + 4, 0, 12);
		r->len = 4;
	}
}

int peer_range_parse(const char *text, struct peer_range *out)
{
	/* Two bracketed IPv6 literals, a dash and a NUL fit. */
	char buf[2 * (INET6_ADDRSTRLEN + 2) + 2];
	size_t n;

	if (!text || !out)
		return TR_EINVAL;
	n = strlen(text);
	if (n == 0 || n >= sizeof(buf))
		return TR_EINVAL;
	memcpy(buf, text, n + 1);
	memset(out, 0, sizeof(*out));
	if (parse_range(buf, out) < 0)
		return TR_EINVAL;
	fold_mapped(out);
	return 0;
}

void peer_range_from_addr(struct peer_range *out, const struct tr_addr *a)
{
	size_t n;
	const uint8_t *p = addr_bytes(a, &n);

	memset(out, 0, sizeof(*out));
	out->len = (uint8_t)n;
	memcpy(out->first, p, n);
	memcpy(out->last, p, n);
	fold_mapped(out);
}

bool peer_range_contains(const struct peer_range *r, const uint8_t *ip, size_t len)
{
	return r->len == len && memcmp(r->first, ip, len) <= 0 &&
	       memcmp(ip, r->last, len) <= 0;
}

char *peer_range_to_str(const struct peer_range *r, char *buf, size_t buflen)
{
	int af = r->len == 4 ? AF_INET : AF_INET6;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!inet_ntop(af, r->first, a, sizeof(a)) ||
	    !inet_ntop(af, r->last, b, sizeof(b)))
		a[0] = b[0] = '\0';
	if (memcmp(r->first, r->last, r->len) == 0)
		snprintf(buf, buflen, "%s", a);
	else
		snprintf(buf, buflen, "%s-%s", a, b);
	return buf;
}
