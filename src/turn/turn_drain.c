/* Draining (turnroom-admin --drain, or SIGTERM with drain-timeout): no
 * new allocations on this node, live ones run on. An Allocate gets 300
 * Try Alternate naming the next alternate-server of the client's family
 * (RFC 8489 section 10, RFC 8656 section 7.2), or 508 when none is
 * configured. Authentication runs first, so the redirect is signed: a
 * client only follows a redirect it can trust (RFC 8489 section 10). */
#include "conf/conf.h"
#include "turn/turn_request.h"
#include "util/log.h"

void turn_server_set_draining(struct turn_server *s, bool on)
{
	if (s->draining != on)
		log_info("TURN: %s", on ? "draining: new allocations are sent to "
					  "alternate-server (or refused)"
					: "no longer draining");
	s->draining = on;
}

bool turn_server_draining(const struct turn_server *s)
{
	return s->draining;
}

/* The next alternate of the client's family, round robin; one given
 * without a port has ours. */
static bool next_alternate(struct turn_server *s, int family, struct tr_addr *out)
{
	const struct conf_addrs *alts = &s->conf->alternate_servers;

	for (size_t i = 0; i < alts->n; i++) {
		const struct tr_addr *alt = &alts->v[(s->alt_next + i) % alts->n];

		if (addr_family(alt) == family) {
			*out = *alt;
			if (!addr_port(out))
				addr_set_port(out, (uint16_t)s->conf->listening_port);
			s->alt_next = (s->alt_next + i + 1) % alts->n;
			return true;
		}
	}
	return false;
}

void turn_respond_alternate(struct turn_request *r)
{
	struct stun_builder b;
	struct tr_addr alt;

	if (!next_alternate(r->s, addr_family(&r->pkt->ft.client), &alt)) {
		turn_respond_error(r, STUN_ERR_INSUFFICIENT_CAPACITY);
		return;
	}
	turn_response_start(r, &b, STUN_CLASS_ERROR);
	stun_add_error(&b, STUN_ERR_TRY_ALTERNATE, NULL);
	stun_add_addr(&b, STUN_ATTR_ALTERNATE_SERVER, &alt);
	turn_response_send(r, &b);
}
