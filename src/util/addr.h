/* Socket addresses, IPv4 and IPv6 alike, as one value type. */
#ifndef TR_ADDR_H
#define TR_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

struct tr_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
		struct sockaddr_storage ss;
	} u;
};

/* Same family, address and port. Inline: the relay compares 5-tuples on
 * every datagram (the allocation table's lookup). */
static inline bool addr_equal(const struct tr_addr *a, const struct tr_addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET6)
		return a->u.v6.sin6_port == b->u.v6.sin6_port &&
		       !memcmp(&a->u.v6.sin6_addr, &b->u.v6.sin6_addr, 16);
	return a->u.v4.sin_port == b->u.v4.sin_port &&
	       a->u.v4.sin_addr.s_addr == b->u.v4.sin_addr.s_addr;
}
/* A server an option names by host (redis=, turn-servers=): a DNS name or
 * an IP literal (kept without brackets) and a port, or a unix socket path.
 * src/conf parses the text once; all zero (host "") means none. */
#define ADDR_HOST_MAX 256
struct tr_endpoint {
	char host[ADDR_HOST_MAX]; /* or the unix socket path */
	unsigned port;            /* 0: a unix socket, or the option's default */
	bool is_unix;
};

/* Longest text addr_to_str writes: "[ipv6%scope]:port" plus NUL. */
#define ADDR_STR_MAX 64

/* Parses a bare IP literal ("1.2.3.4", "::1", "[::1]") with the given port.
 * Returns 0 or TR_EINVAL. */
int addr_parse_ip(struct tr_addr *out, const char *text, uint16_t port);
/* Fills from a sockaddr of length len; TR_EINVAL for other families. */
int addr_from_sockaddr(struct tr_addr *out, const struct sockaddr *sa, size_t len);

int addr_family(const struct tr_addr *a);
socklen_t addr_len(const struct tr_addr *a);
uint16_t addr_port(const struct tr_addr *a);
void addr_set_port(struct tr_addr *a, uint16_t port);
/* Raw address bytes (4 or 16) and their count. */
const uint8_t *addr_bytes(const struct tr_addr *a, size_t *len);
/* Binds fd (a new socket of a's family) to a, IPv6 sockets v6-only so an
 * IPv4 socket can take the same port. Returns fd; or -1 with fd closed
 * and errno kept. */
int addr_bind_or_close(int fd, const struct tr_addr *a);
bool addr_equal_ip(const struct tr_addr *a, const struct tr_addr *b);
bool addr_is_any(const struct tr_addr *a);
bool addr_is_loopback(const struct tr_addr *a);
uint32_t addr_hash(const struct tr_addr *a, uint32_t seed);
/* The bytes addr_equal compares (family, port, address) into out, for a
 * hash table key (util/htable.h); their count, at most ADDR_KEY_MAX. */
#define ADDR_KEY_MAX (1 + 2 + 16)
size_t addr_key(const struct tr_addr *a, uint8_t *out);

/* The unit every per-source limit counts (connections, sessions, refused
 * joins, failed authentications): an IPv4 address, also when mapped into
 * IPv6, or an IPv6 /64, which one subscriber usually holds whole (RFC
 * 6177; counting /128s would let one host be 2^64 sources). The key is 16
 * bytes: ::ffff:a.b.c.d for IPv4, the /64 then eight zero bytes for IPv6;
 * the two never collide. The port is ignored. */
#define ADDR_SOURCE_KEY_LEN 16
void addr_source_key(const struct tr_addr *a, uint8_t key[ADDR_SOURCE_KEY_LEN]);
/* Whether a and b are the same source. */
bool addr_same_source(const struct tr_addr *a, const struct tr_addr *b);
/* The source of a for a log line: "192.0.2.1" or "2001:db8:1::/64". */
char *addr_source_to_str(const struct tr_addr *a, char *buf, size_t buflen);

/* An endpoint as config text: "unix:PATH", "host", "host:5", "[::1]:5"
 * (no port when it is 0); always NUL-terminated. Returns buf. */
#define ADDR_ENDPOINT_STR_MAX (ADDR_HOST_MAX + 16)
char *addr_endpoint_to_str(const struct tr_endpoint *e, char *buf, size_t buflen);
/* "1.2.3.4:5" or "[::1]:5"; always NUL-terminated. Returns buf. */
char *addr_to_str(const struct tr_addr *a, char *buf, size_t buflen);
/* IP only, no port. */
char *addr_ip_to_str(const struct tr_addr *a, char *buf, size_t buflen);

#endif
