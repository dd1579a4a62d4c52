/* GET /healthz: liveness for a load balancer, plus the external-address
 * self-check: the relay address clients are told, against the address
 * this client reached us on. */
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "signaling/signaling_health.h"
#include "signaling/signaling_internal.h"
#include "turn/turn.h"

int signaling_health_report(const struct signaling_server *s,
			    const struct tr_addr *reached_on, struct evbuffer *body)
{
	struct tr_addr relay;
	char a[ADDR_STR_MAX], b[ADDR_STR_MAX];

	/* Clustered and Redis unreachable: live members are served, new
	 * joins refused; a load balancer should send new clients elsewhere. */
	if (s->cluster_degraded)
		evbuffer_add_printf(body,
				    "degraded\ncluster: redis unreachable; new joins "
				    "refused\n");
	else
		evbuffer_add_printf(body, "ok\n");
	if (reached_on) {
		evbuffer_add_printf(body, "reached_on %s\n",
				    addr_ip_to_str(reached_on, a, sizeof(a)));
		if (s->turn && turn_server_advertised(s->turn, addr_family(reached_on),
						      &relay) == 0) {
			evbuffer_add_printf(body, "relay_advertised %s\n",
					    addr_ip_to_str(&relay, b, sizeof(b)));
			if (turn_address_denied_by_default(&relay) &&
			    !turn_address_denied_by_default(reached_on))
				evbuffer_add_printf(
					body,
					"warning: the relay address %s is private but this "
					"client reached turnroom on %s: set "
					"external-ip=PUBLIC/PRIVATE\n",
					b, a);
		}
	}
	return s->cluster_degraded ? 503 : 200;
}

void signaling_health_respond(struct signaling_conn *c, bool head)
{
	struct evbuffer *body = evbuffer_new();
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct tr_addr local;
	bool known;
	int status;

	if (!body) {
		signaling_conn_close(c);
		return;
	}
	known = getsockname(bufferevent_getfd(c->bev), (struct sockaddr *)&ss, &len) ==
			0 &&
		addr_from_sockaddr(&local, (struct sockaddr *)&ss, len) == 0;
	status = signaling_health_report(c->server, known ? &local : NULL, body);
	signaling_http_respond(c, status, "text/plain; charset=utf-8",
			       evbuffer_pullup(body, -1), evbuffer_get_length(body),
			       head);
	evbuffer_free(body);
}
