/* Peer ranges: the one parser of the allowed-peer-ip / denied-peer-ip
 * grammar ("ip", "ip-ip", "ip/prefix"), used by src/conf at load and by
 * the peer filter's built-in deny list. Pure: no I/O, no allocation. */
#ifndef TR_PEER_RANGE_H
#define TR_PEER_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* An inclusive [first, last] pair of big-endian address bytes of one
 * family (len 4 or 16), so CIDR, "ip-ip" and single addresses are one
 * shape and membership is two memcmp calls. */
struct peer_range {
	uint8_t len;
	uint8_t first[16];
	uint8_t last[16];
};

/* Longest text peer_range_to_str writes: two IPv6 literals, '-', NUL. */
#define PEER_RANGE_STR_MAX (2 * 46 + 2)

/* Parses "ip", "ip-ip" (one family, first <= last) or "ip/prefix" (host
 * bits ignored). IPv6 may be bracketed; no scope ids, signs or spaces. A
 * range written as ::ffff:a.b.c.d is stored as the IPv4 range it means.
 * Returns 0 or TR_EINVAL (out then undefined). */
int peer_range_parse(const char *text, struct peer_range *out);
/* The single address a (its port ignored), IPv4-mapped folded as above. */
void peer_range_from_addr(struct peer_range *out, const struct tr_addr *a);
/* Whether ip (len 4 or 16 bytes) lies in r. */
bool peer_range_contains(const struct peer_range *r, const uint8_t *ip, size_t len);
/* "first-last" (or "ip" when they are equal), which peer_range_parse reads
 * back to the same range. Returns buf. */
char *peer_range_to_str(const struct peer_range *r, char *buf, size_t buflen);

#endif
