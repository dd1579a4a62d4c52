/* Draining (turnroom-admin --drain, or SIGTERM with drain-timeout): no
 * new allocations on this node, live ones run on. An Allocate gets 300
 * Try Alternate naming the next alternate-server of the client's family
 * (RFC 8489 section 10, RFC 8656 section 7.2), or 508 when none is
 * configured. Authentication runs first, so the redirect is signed: a
 * client only follows a redirect it can trust (RFC 8489 section 10). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "turn/turn_request.h"
#include "util/errors.h"
#include "util/log.h"

/* "IP", "IP:PORT" (IPv4) or "[IPv6]:PORT"; the port defaults to ours. */
int turn_alternate_parse(const char *text, unsigned default_port, struct tr_addr *out)
{
	char host[64];
	const char *port = NULL, *close;
	unsigned long p = default_port;
	char *end;
	size_t hl;

	if (text[0] == '[' && (close = strchr(text, ']'))) {
		hl = (size_t)(close - text - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return TR_EINVAL;
		text++;
	} else {
		const char *colon = strchr(text, ':');

		hl = strlen(text);
		if (colon && !strchr(colon + 1, ':')) { /* one colon: IPv4:PORT */
			hl = (size_t)(colon - text);
			port = colon + 1;
		}
	}
	if (hl == 0 || hl >= sizeof(host))
		return TR_EINVAL;
	memcpy(host, text, hl);
	host[hl] = '\0';
	if (port) {
		p = strtoul(port, &end, 10);
		if (!*port || *end || p == 0 || p > 65535)
			return TR_EINVAL;
	}
	return addr_parse_ip(out, host, (uint16_t)p);
}

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

/* The next alternate of the client's family, round robin. */
static bool next_alternate(struct turn_server *s, int family, struct tr_addr *out)
{
	const struct conf_list *alts = &s->conf->alternate_servers;

	for (size_t i = 0; i < alts->n; i++) {
		const char *text = alts->items[(s->alt_next + i) % alts->n];

		if (turn_alternate_parse(text, s->conf->listening_port, out) == 0 &&
		    addr_family(out) == family) {
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
