#include "util/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/errors.h"

int addr_parse_ip(struct tr_addr *out, const char *text, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(text);
	bool bracketed = n >= 2 && text[0] == '[' && text[n - 1] == ']';

	memset(out, 0, sizeof(*out));
	if (bracketed) {
		if (n - 2 >= sizeof(buf))
			return TR_EINVAL;
		memcpy(buf, text + 1, n - 2);
		buf[n - 2] = '\0';
		text = buf;
	}
	/* Brackets enclose IPv6 literals only (RFC 3986 §3.2.2). */
	if (!bracketed && inet_pton(AF_INET, text, &out->u.v4.sin_addr) == 1) {
		out->u.v4.sin_family = AF_INET;
		out->u.v4.sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &out->u.v6.sin6_addr) == 1) {
		out->u.v6.sin6_family = AF_INET6;
		out->u.v6.sin6_port = htons(port);
		return 0;
	}
	return TR_EINVAL;
}

int addr_from_sockaddr(struct tr_addr *out, const struct sockaddr *sa, size_t len)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(&out->u.v4, sa, sizeof(struct sockaddr_in));
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		memcpy(&out->u.v6, sa, sizeof(struct sockaddr_in6));
		return 0;
	}
	return TR_EINVAL;
}

int addr_family(const struct tr_addr *a)
{
	return a->u.sa.sa_family;
}

socklen_t addr_len(const struct tr_addr *a)
{
	return a->u.sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					     : sizeof(struct sockaddr_in);
}

uint16_t addr_port(const struct tr_addr *a)
{
	return ntohs(a->u.sa.sa_family == AF_INET6 ? a->u.v6.sin6_port
						   : a->u.v4.sin_port);
}

void addr_set_port(struct tr_addr *a, uint16_t port)
{
	if (a->u.sa.sa_family == AF_INET6)
		a->u.v6.sin6_port = htons(port);
	else
		a->u.v4.sin_port = htons(port);
}

const uint8_t *addr_bytes(const struct tr_addr *a, size_t *len)
{
	if (a->u.sa.sa_family == AF_INET6) {
		*len = 16;
		return a->u.v6.sin6_addr.s6_addr;
	}
	*len = 4;
	return (const uint8_t *)&a->u.v4.sin_addr.s_addr;
}

bool addr_equal_ip(const struct tr_addr *a, const struct tr_addr *b)
{
	size_t la, lb;
	const uint8_t *pa = addr_bytes(a, &la), *pb = addr_bytes(b, &lb);

	return a->u.sa.sa_family == b->u.sa.sa_family && la == lb &&
	       memcmp(pa, pb, la) == 0;
}

bool addr_is_any(const struct tr_addr *a)
{
	size_t len;
	const uint8_t *p = addr_bytes(a, &len);

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

bool addr_is_loopback(const struct tr_addr *a)
{
	if (a->u.sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&a->u.v6.sin6_addr);
	return (ntohl(a->u.v4.sin_addr.s_addr) >> 24) == 127;
}

/* FNV-1a over family, address and port, mixed with a per-table seed so
 * remote hosts cannot aim at one bucket. */
uint32_t addr_hash(const struct tr_addr *a, uint32_t seed)
{
	size_t len;
	const uint8_t *p = addr_bytes(a, &len);
	uint32_t h = 2166136261u ^ seed;
	uint16_t port = addr_port(a);

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (uint32_t)a->u.sa.sa_family) * 16777619u;
	return h;
}

size_t addr_key(const struct tr_addr *a, uint8_t *out)
{
	out[0] = (uint8_t)a->u.sa.sa_family;
	if (a->u.sa.sa_family == AF_INET6) {
		memcpy(out + 1, &a->u.v6.sin6_port, 2);
		memcpy(out + 3, a->u.v6.sin6_addr.s6_addr, 16);
		return 19;
	}
	memcpy(out + 1, &a->u.v4.sin_port, 2);
	memcpy(out + 3, &a->u.v4.sin_addr.s_addr, 4);
	return 7;
}

void addr_source_key(const struct tr_addr *a, uint8_t key[ADDR_SOURCE_KEY_LEN])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	size_t len;
	const uint8_t *b = addr_bytes(a, &len);

	memset(key, 0, ADDR_SOURCE_KEY_LEN);
	if (len == 16 && !memcmp(b, mapped, sizeof(mapped))) {
		b += 12;
		len = 4;
	}
	if (len == 4) {
		memcpy(key, mapped, sizeof(mapped));
		memcpy(key + 12, b, 4);
	} else if (len == 16) {
		memcpy(key, b, 8);
	}
}

bool addr_same_source(const struct tr_addr *a, const struct tr_addr *b)
{
	uint8_t ka[ADDR_SOURCE_KEY_LEN], kb[ADDR_SOURCE_KEY_LEN];

	addr_source_key(a, ka);
	addr_source_key(b, kb);
	return !memcmp(ka, kb, sizeof(ka));
}

char *addr_source_to_str(const struct tr_addr *a, char *buf, size_t buflen)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t key[ADDR_SOURCE_KEY_LEN];
	char ip[INET6_ADDRSTRLEN];

	addr_source_key(a, key);
	if (!memcmp(key, mapped, sizeof(mapped))) {
		inet_ntop(AF_INET, key + 12, ip, sizeof(ip));
		snprintf(buf, buflen, "%s", ip);
	} else {
		inet_ntop(AF_INET6, key, ip, sizeof(ip));
		snprintf(buf, buflen, "%s/64", ip);
	}
	return buf;
}

char *addr_ip_to_str(const struct tr_addr *a, char *buf, size_t buflen)
{
	const void *src = a->u.sa.sa_family == AF_INET6 ? (const void *)&a->u.v6.sin6_addr
							: (const void *)&a->u.v4.sin_addr;

	if (buflen == 0)
		return buf;
	if (!inet_ntop(a->u.sa.sa_family == AF_INET6 ? AF_INET6 : AF_INET, src, buf,
		       (socklen_t)buflen))
		snprintf(buf, buflen, "?");
	return buf;
}

char *addr_to_str(const struct tr_addr *a, char *buf, size_t buflen)
{
	char ip[INET6_ADDRSTRLEN];

	addr_ip_to_str(a, ip, sizeof(ip));
	if (a->u.sa.sa_family == AF_INET6)
		snprintf(buf, buflen, "[%s]:%u", ip, addr_port(a));
	else
		snprintf(buf, buflen, "%s:%u", ip, addr_port(a));
	return buf;
}

char *addr_endpoint_to_str(const struct tr_endpoint *e, char *buf, size_t buflen)
{
	bool v6 = strchr(e->host, ':') != NULL;

	if (e->is_unix)
		snprintf(buf, buflen, "unix:%s", e->host);
	else if (!e->port)
		snprintf(buf, buflen, "%s", e->host);
	else
		snprintf(buf, buflen, "%s%s%s:%u", v6 ? "[" : "", e->host, v6 ? "]" : "",
			 e->port);
	return buf;
}

int addr_bind_or_close(int fd, const struct tr_addr *a)
{
	int saved, on = 1;

	if (addr_family(a) == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, &a->u.sa, addr_len(a)) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
