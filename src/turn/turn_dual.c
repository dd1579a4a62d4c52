/* Dual-stack allocations (RFC 8656 7.2, 18.11, 18.12): one allocation
 * with an IPv4 and an IPv6 relayed address, asked for with
 * ADDITIONAL-ADDRESS-FAMILY. The first relay lives in relay/relay_fd as
 * for any allocation; the second, of the other family, in relay2. Peers
 * are reached from the relay of their own family; both relay sockets
 * deliver to the one client. */
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "turn/turn_request.h"
#include "util/log.h"

/* RFC 8656 18.1: REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY
 * carry 0x01 (IPv4) or 0x02 (IPv6) then 3 RFFU bytes; AF_UNSPEC for
 * anything else. */
static int family_of(const struct stun_attr *attr)
{
	if (attr->len != 4)
		return AF_UNSPEC;
	return attr->value[0] == 1 ? AF_INET : attr->value[0] == 2 ? AF_INET6 : AF_UNSPEC;
}

/* coturn up to 4.6 (Debian 12's turnutils_uclient -Z) sends the draft's
 * code points: ADDITIONAL-ADDRESS-FAMILY 0x8032, ADDRESS-ERROR-CODE
 * 0x8033. Neither is assigned to anything else; a request using the old
 * one is answered with the old one. */
#define LEGACY_ADDITIONAL_ADDRESS_FAMILY 0x8032
#define LEGACY_ADDRESS_ERROR_CODE 0x8033

static const struct stun_attr *find_aaf(const struct stun_msg *m)
{
	const struct stun_attr *aaf = stun_find(m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY);

	return aaf ? aaf : stun_find(m, LEGACY_ADDITIONAL_ADDRESS_FAMILY);
}

static bool has_relay(const struct turn_server *s, int family)
{
	return family == AF_INET ? s->relay4.present : s->relay6.present;
}

enum stun_error turn_dual_families(struct turn_request *r, int *family, int *second,
				   enum stun_error *second_err, int *second_err_family)
{
	const struct stun_msg *m = r->msg;
	const struct stun_attr *raf = stun_find(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	const struct stun_attr *aaf = find_aaf(m);
	const struct stun_attr *even = stun_find(m, STUN_ATTR_EVEN_PORT);

	*second = *second_err_family = 0;
	*second_err = STUN_ERR_NONE;
	/* allocation-default-address-family (turn_stun_modes.c). */
	*family = turn_default_family(r);
	if (raf) {
		/* 7.2: both family attributes in one request is a 400. */
		if (aaf)
			return STUN_ERR_BAD_REQUEST;
		*family = family_of(raf);
		if (*family == AF_UNSPEC || !has_relay(r->s, *family))
			return STUN_ERR_ADDRESS_FAMILY;
		return 0;
	}
	if (!aaf)
		return has_relay(r->s, *family) ? 0 : STUN_ERR_ADDRESS_FAMILY;
	/* 7.2: ADDITIONAL-ADDRESS-FAMILY may only name IPv6 (the IPv4 one is
	 * implied); no RESERVATION-TOKEN and, as coturn, no EVEN-PORT
	 * reserving a pair. */
	if (family_of(aaf) != AF_INET6 || stun_find(m, STUN_ATTR_RESERVATION_TOKEN) ||
	    (even && even->len == 1 && (even->value[0] & 0x80)))
		return STUN_ERR_BAD_REQUEST;
	if (!r->s->relay4.present && !r->s->relay6.present)
		return STUN_ERR_ADDRESS_FAMILY;
	if (r->s->relay4.present && r->s->relay6.present) {
		*family = AF_INET;
		*second = AF_INET6;
	} else {
		/* 7.2: one family cannot be served: the allocation goes ahead
		 * with the other, and ADDRESS-ERROR-CODE names the missing one. */
		*family = r->s->relay4.present ? AF_INET : AF_INET6;
		*second_err = STUN_ERR_ADDRESS_FAMILY;
		*second_err_family = *family == AF_INET ? AF_INET6 : AF_INET;
	}
	return 0;
}

void turn_dual_open(struct turn_request *r, struct allocation *a, int family)
{
	struct turn_server *s = r->s;
	struct relay_family *rf = family == AF_INET6 ? &s->relay6 : &s->relay4;
	struct tr_addr bound, unused_bound;
	int unused_fd = -1, fd;

	a->relay2_err_family = family;
	if (turn_fds_exhausted(s, 1)) {
		a->relay2_err = STUN_ERR_INSUFFICIENT_CAPACITY;
		return;
	}
	fd = port_pool_bind(rf->ports, &rf->ip, false, false, &bound, &unused_fd,
			    &unused_bound);
	if (fd < 0) {
		a->relay2_err = STUN_ERR_INSUFFICIENT_CAPACITY;
		return;
	}
	a->relay2_fd = fd;
	a->relay2 = bound;
	a->relay2_public = rf->external;
	addr_set_port(&a->relay2_public, addr_port(&bound));
	if (turn_relay_watch_fd(s, a, fd, &a->relay2_ev)) {
		turn_dual_release(s, a);
		a->relay2_err = STUN_ERR_INSUFFICIENT_CAPACITY;
		return;
	}
	a->relay2_err = 0;
}

/* ADDRESS-ERROR-CODE (RFC 8656 18.12): family, 13 reserved bits, class,
 * number, reason phrase. */
static void add_address_error(struct stun_builder *b, uint16_t type, int family, int code)
{
	const char *reason = stun_reason_phrase(code);
	size_t rlen = strlen(reason);
	uint8_t v[4 + 64];

	if (rlen > 64)
		rlen = 64;
	v[0] = family == AF_INET6 ? 2 : 1;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, rlen);
	stun_add_attr(b, type, v, 4 + rlen);
}

void turn_dual_add_response(const struct turn_request *r, const struct allocation *a,
			    struct stun_builder *b)
{
	bool legacy = !stun_find(r->msg, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY) &&
		      stun_find(r->msg, LEGACY_ADDITIONAL_ADDRESS_FAMILY);

	if (a->relay2_fd >= 0)
		stun_add_xor_addr(b, STUN_ATTR_XOR_RELAYED_ADDRESS, &a->relay2_public);
	else if (a->relay2_err)
		add_address_error(b,
				  legacy ? LEGACY_ADDRESS_ERROR_CODE
					 : STUN_ATTR_ADDRESS_ERROR_CODE,
				  a->relay2_err_family, a->relay2_err);
}

int turn_dual_fd_for(const struct allocation *a, int family)
{
	if (addr_family(&a->relay) == family)
		return a->relay_fd;
	if (a->relay2_fd >= 0 && addr_family(&a->relay2) == family)
		return a->relay2_fd;
	return -1;
}

void turn_dual_release(struct turn_server *s, struct allocation *a)
{
	struct relay_family *rf;

	if (a->relay2_ev)
		event_free(a->relay2_ev);
	a->relay2_ev = NULL;
	if (a->relay2_fd < 0)
		return;
	close(a->relay2_fd);
	a->relay2_fd = -1;
	if (!s)
		return;
	rf = addr_family(&a->relay2) == AF_INET6 ? &s->relay6 : &s->relay4;
	if (rf->ports)
		port_pool_release(rf->ports, addr_port(&a->relay2));
}

/* The first relay goes; the second takes its place. */
static void drop_first_relay(struct turn_server *s, struct allocation *a)
{
	struct relay_family *rf =
		addr_family(&a->relay) == AF_INET6 ? &s->relay6 : &s->relay4;

	if (a->relay_ev)
		event_free(a->relay_ev);
	close(a->relay_fd);
	if (rf->ports)
		port_pool_release(rf->ports, addr_port(&a->relay));
	a->relay_fd = a->relay2_fd;
	a->relay_ev = a->relay2_ev;
	a->relay = a->relay2;
	a->relay_public = a->relay2_public;
	a->relay2_fd = -1;
	a->relay2_ev = NULL;
}

enum stun_error turn_dual_refresh(struct turn_request *r, uint32_t lifetime, bool *done)
{
	const struct stun_attr *raf =
		stun_find(r->msg, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	struct allocation *a = r->alloc;
	struct stun_builder b;
	char relay[ADDR_STR_MAX];
	int family;

	*done = false;
	if (!raf)
		return 0;
	family = family_of(raf);
	/* RFC 8656 7.3: a family the allocation does not have is 443. */
	if (family == AF_UNSPEC || turn_dual_fd_for(a, family) < 0)
		return STUN_ERR_PEER_FAMILY_MISMATCH;
	if (lifetime != 0 || a->relay2_fd < 0)
		return 0;
	/* Deleting one family of a dual allocation (as coturn): the other
	 * relayed address lives on. */
	if (addr_family(&a->relay) == family) {
		addr_to_str(&a->relay_public, relay, sizeof(relay));
		drop_first_relay(r->s, a);
	} else {
		addr_to_str(&a->relay2_public, relay, sizeof(relay));
		turn_dual_release(r->s, a);
	}
	log_info("allocation: relayed address %s released by the client", relay);
	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	stun_add_u32(&b, STUN_ATTR_LIFETIME, 0);
	turn_response_send(r, &b);
	*done = true;
	return 0;
}
