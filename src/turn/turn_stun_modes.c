/* coturn's switches over what the server answers: stun-only, no-stun,
 * secure-stun, log-binding, drop-invalid-packets, no-udp-relay and
 * no-tcp-relay, and the relay family an Allocate gets when it names none
 * (allocation-default-address-family, keep-address-family). */
#include <string.h>

#include "conf/conf.h"
#include "turn/turn_request.h"
#include "util/escape.h"
#include "util/log.h"

/* log-binding writes at most this many lines a second: a flood of
 * Bindings (which need no credentials) must not fill the disk. */
#define BINDING_LOG_PER_S 20

static void log_binding(struct turn_request *r)
{
	struct turn_server *s = r->s;
	char client[ADDR_STR_MAX];

	if (s->now_ms - s->binding_log_ms >= 1000) {
		if (s->binding_log_skipped)
			log_info("log-binding: %llu Binding requests not logged",
				 (unsigned long long)s->binding_log_skipped);
		s->binding_log_ms = s->now_ms;
		s->binding_log_n = 0;
		s->binding_log_skipped = 0;
	}
	if (s->binding_log_n >= BINDING_LOG_PER_S) {
		s->binding_log_skipped++;
		return;
	}
	s->binding_log_n++;
	log_info("Binding request from %s%s",
		 addr_to_str(&r->pkt->ft.client, client, sizeof(client)),
		 r->alloc ? " (5-tuple has an allocation)" : "");
}

/* coturn (ns_turn_server.c handle_turn_command): with no-stun a Binding
 * request, and with stun-only any other request (unknown methods too),
 * gets no answer at all, allocation or not, before anything else is
 * looked at. */
bool turn_stun_mode_ignores(struct turn_request *r)
{
	const struct conf *c = r->s->conf;
	bool binding = r->msg->method == STUN_BINDING;

	if ((binding && c->no_stun) || (!binding && c->stun_only)) {
		r->s->counters.stun_mode_ignored++;
		return true;
	}
	if (binding && c->log_binding)
		log_binding(r);
	return false;
}

/* secure-stun sends Binding through the same long-term credential check
 * as the TURN methods (RFC 8489 9.2). */
bool turn_needs_auth(const struct turn_request *r, bool method_needs_auth)
{
	return method_needs_auth ||
	       (r->msg->method == STUN_BINDING && r->s->conf->secure_stun);
}

bool turn_answers_malformed(const struct turn_server *s)
{
	return !s->conf->drop_invalid_packets;
}

/* coturn answers 442 for a REQUESTED-TRANSPORT the configuration turns
 * off (RFC 8656 7.2 step 3 names 442 for an unsupported protocol). */
enum stun_error turn_transport_refused(struct turn_request *r, uint8_t proto)
{
	const struct conf *c = r->s->conf;

	if (proto == TURN_UDP && c->no_udp_relay) {
		r->reason =
			"UDP Transport is not allowed by the TURN Server configuration";
		return STUN_ERR_UNSUPPORTED_TRANSPORT;
	}
	if (proto == TURN_TCP && c->no_tcp_relay) {
		r->reason =
			"TCP Transport is not allowed by the TURN Server configuration";
		return STUN_ERR_UNSUPPORTED_TRANSPORT;
	}
	return 0;
}

/* RFC 8656 7.2 (and RFC 6156 4.2): without REQUESTED-ADDRESS-FAMILY the
 * relay is IPv4. coturn's allocation-default-address-family changes that
 * default: ipv6, or keep (the family the client itself talks to us
 * over). The default ipv4 falls back to IPv6 on a server without an IPv4
 * relay, as turnroom always did; an explicit choice does not. */
int turn_default_family(const struct turn_request *r)
{
	enum conf_family fam = r->s->conf->allocation_default_address_family;

	if (fam == CONF_FAMILY_KEEP)
		return addr_family(&r->pkt->ft.client) == AF_INET6 ? AF_INET6 : AF_INET;
	if (fam == CONF_FAMILY_IPV6)
		return AF_INET6;
	return r->s->relay4.present ? AF_INET : AF_INET6;
}

/* Reason phrase of an error response: the standard one (coturn 4.10+),
 * or with include-reason-string the detailed r->reason when set. */
const char *turn_reason_phrase(const struct turn_request *r)
{
	return r->s->conf->include_reason_string ? r->reason : NULL;
}
