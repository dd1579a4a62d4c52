/* Relay port pool: which ports of min-port..max-port our relay sockets
 * hold. The bind itself is the final arbiter (another process may hold a
 * port), so a failed bind just moves on to the next candidate. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "turn/turn_internal.h"
#include "util/errors.h"

struct port_pool {
	uint16_t min_port, max_port;
	size_t in_use;
	uint8_t used[65536 / 8];
};

static bool port_used(const struct port_pool *p, uint16_t port)
{
	return p->used[port >> 3] & (1u << (port & 7));
}

static void port_mark(struct port_pool *p, uint16_t port, bool used)
{
	if (used == port_used(p, port))
		return;
	if (used) {
		p->used[port >> 3] |= (uint8_t)(1u << (port & 7));
		p->in_use++;
	} else {
		p->used[port >> 3] &= (uint8_t) ~(1u << (port & 7));
		p->in_use--;
	}
}

struct port_pool *port_pool_new(uint16_t min_port, uint16_t max_port)
{
	struct port_pool *p;

	if (min_port == 0 || min_port > max_port)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->min_port = min_port;
	p->max_port = max_port;
	return p;
}

void port_pool_free(struct port_pool *p)
{
	free(p);
}

size_t port_pool_in_use(const struct port_pool *p)
{
	return p->in_use;
}

void port_pool_release(struct port_pool *p, uint16_t port)
{
	if (port >= p->min_port && port <= p->max_port)
		port_mark(p, port, false);
}

int turn_udp_socket(const struct tr_addr *addr)
{
	int fd = socket(addr_family(addr), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -1 : addr_bind_or_close(fd, addr);
}

/* A relay socket on ip:port, or -1 (errno kept). */
static int bind_udp(const struct tr_addr *ip, uint16_t port, struct tr_addr *bound)
{
	*bound = *ip;
	addr_set_port(bound, port);
	return turn_udp_socket(bound);
}

static uint16_t random_start(const struct port_pool *p)
{
	uint32_t r = 0;

	RAND_bytes((unsigned char *)&r, sizeof(r));
	return (uint16_t)(p->min_port + r % ((uint32_t)p->max_port - p->min_port + 1));
}

/* Tries one candidate port (and its successor for a reserved pair). */
static int try_port(struct port_pool *p, const struct tr_addr *ip, uint16_t port,
		    bool reserve_next, struct tr_addr *bound, int *next_fd,
		    struct tr_addr *next_bound)
{
	int fd, fd2 = -1;

	errno = EADDRINUSE;
	if (port_used(p, port))
		return -1;
	if (reserve_next && (port == p->max_port || port_used(p, port + 1)))
		return -1;
	fd = bind_udp(ip, port, bound);
	if (fd < 0)
		return -1;
	if (reserve_next) {
		fd2 = bind_udp(ip, port + 1, next_bound);
		if (fd2 < 0) {
			close(fd);
			return -1;
		}
		port_mark(p, port + 1, true);
		*next_fd = fd2;
	}
	port_mark(p, port, true);
	return fd;
}

int port_pool_bind(struct port_pool *p, const struct tr_addr *ip, bool even,
		   bool reserve_next, struct tr_addr *bound, int *next_fd,
		   struct tr_addr *next_bound)
{
	uint32_t span = (uint32_t)p->max_port - p->min_port + 1;
	uint16_t port = random_start(p);

	if (reserve_next)
		even = true;
	for (uint32_t i = 0; i < span; i++) {
		int fd;

		if (!even || port % 2 == 0) {
			fd = try_port(p, ip, port, reserve_next, bound, next_fd,
				      next_bound);
			if (fd >= 0)
				return fd;
			if (errno == EMFILE || errno == ENFILE)
				return TR_EIO;
		}
		port = port == p->max_port ? p->min_port : (uint16_t)(port + 1);
	}
	return TR_ENOPORT;
}

int port_pool_bind_with(struct port_pool *p, const struct tr_addr *ip,
			int (*open)(const struct tr_addr *addr), struct tr_addr *bound)
{
	uint32_t span = (uint32_t)p->max_port - p->min_port + 1;
	uint16_t port = random_start(p);

	for (uint32_t i = 0; i < span; i++) {
		if (!port_used(p, port)) {
			int fd;

			*bound = *ip;
			addr_set_port(bound, port);
			fd = open(bound);
			if (fd >= 0) {
				port_mark(p, port, true);
				return fd;
			}
			if (errno == EMFILE || errno == ENFILE)
				return TR_EIO;
		}
		port = port == p->max_port ? p->min_port : (uint16_t)(port + 1);
	}
	return TR_ENOPORT;
}
