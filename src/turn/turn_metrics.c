/* Prometheus text exposition of the relay's counters, read live (coturn
 * only updates its traffic counters when a session ends). */
#include <string.h>

#include <event2/buffer.h>

#include "conf/conf.h"
#include "turn/turn_internal.h"
#include "util/escape.h"
#include "util/prom.h"

static const char *const auth_failure_label[AUTH_FAIL_COUNT] = {
	[AUTH_FAIL_WRONG_CREDENTIALS] = "wrong_credentials",
	[AUTH_FAIL_REST_EXPIRED] = "rest_expired",
	[AUTH_FAIL_USERNAME_MISMATCH] = "username_mismatch",
	[AUTH_FAIL_BAD_INTEGRITY] = "bad_integrity",
	[AUTH_FAIL_UNKNOWN_REALM] = "unknown_realm",
};

struct live_totals {
	uint64_t permissions, channels;
};

static void add_children(struct allocation *a, void *arg)
{
	struct live_totals *t = arg;

	t->permissions += a->n_perms;
	t->channels += a->n_chans;
}

/* A family of two samples labelled direction="to_peer" / "from_peer". */
static void directions(struct evbuffer *out, const char *name, const char *help,
		       uint64_t to_peer, uint64_t from_peer)
{
	prom_family(out, name, "counter", help);
	prom_sample(out, name, "direction", "to_peer", to_peer);
	prom_sample(out, name, "direction", "from_peer", from_peer);
}

void turn_server_write_metrics(struct turn_server *s, struct evbuffer *out)
{
	const struct turn_counters *c = &s->counters;
	struct live_totals t = { 0, 0 };

	turn_offload_collect(s);
	alloc_table_each(s->allocs, add_children, &t);
	prom_metric(out, "turnroom_allocations", "gauge", "Live TURN allocations.",
		    alloc_table_count(s->allocs));
	prom_metric(out, "turnroom_allocations_created_total", "counter",
		    "TURN allocations created.", c->allocations_created);
	prom_metric(out, "turnroom_allocations_deleted_total", "counter",
		    "TURN allocations deleted (expired, refreshed to 0, dropped).",
		    c->allocations_deleted);
	prom_metric(out, "turnroom_permissions", "gauge", "Live permissions.",
		    t.permissions);
	prom_metric(out, "turnroom_tcp_relay_connections", "gauge",
		    "Live RFC 6062 peer connections (connecting, awaiting bind, bound).",
		    s->tcp_conn_count);
	prom_metric(out, "turnroom_channels", "gauge", "Live channel bindings.",
		    t.channels);
	directions(out, "turnroom_relayed_packets_total", "Packets relayed.",
		   c->relayed_pkts_out, c->relayed_pkts_in);
	directions(out, "turnroom_relayed_bytes_total", "Payload bytes relayed.",
		   c->relayed_bytes_out, c->relayed_bytes_in);
	prom_family(out, "turnroom_auth_failures_total", "counter",
		    "Failed TURN authentications by reason.");
	for (int i = 0; i < AUTH_FAIL_COUNT; i++)
		prom_sample(out, "turnroom_auth_failures_total", "reason",
			    auth_failure_label[i], c->auth_failures[i]);
	prom_metric(
		out, "turnroom_auth_rate_limited_total", "counter",
		"Requests dropped because their source failed authentication too often.",
		c->auth_rate_limited);
	prom_metric(out, "turnroom_stale_nonces_total", "counter",
		    "438 Stale Nonce answers.", c->stale_nonces);
	prom_metric(out, "turnroom_peer_refused_total", "counter",
		    "Permissions and channels refused by the peer filter (403).",
		    c->peer_refused);
	prom_metric(out, "turnroom_client_output_dropped_total", "counter",
		    "Packets dropped because a TCP/TLS client did not read its queue.",
		    c->client_output_dropped);
	prom_metric(out, "turnroom_malformed_dropped_total", "counter",
		    "Client packets that were neither STUN nor ChannelData.",
		    c->malformed_dropped);
	turn_bw_write_metrics(s, out);
	turn_dtls_write_metrics(s, out);
	turn_offload_write_metrics(s, out);
}

struct user_bytes {
	void (*fn)(const char *member_id, uint64_t bytes, void *arg);
	void *arg;
};

static void each_user_bytes(struct allocation *a, void *arg)
{
	struct user_bytes *u = arg;
	const char *id = auth_room_member_id(a->cred.kind, a->username,
					     a->server->conf->rest_api_separator);

	if (id)
		u->fn(id, a->bytes_to_peer + a->bytes_from_peer, u->arg);
}

void turn_server_each_room_allocation(struct turn_server *s,
				      void (*fn)(const char *member_id, uint64_t bytes,
						 void *arg),
				      void *arg)
{
	struct user_bytes u = { fn, arg };

	turn_offload_collect(s);
	alloc_table_each(s->allocs, each_user_bytes, &u);
}

struct session_lines {
	struct evbuffer *out;
	const char *(*room_of)(void *ctx, const char *user_id);
	void *ctx;
};

static void write_session(struct allocation *a, void *arg)
{
	struct session_lines *sl = arg;
	struct turn_server *s = a->server;
	char client[ADDR_STR_MAX], relay[ADDR_STR_MAX];
	char user[ESC_LOG_LEN], room_text[ESC_LOG_LEN], id[AUTH_NAME_MAX];
	uint64_t left =
		a->expires_ms > s->now_ms ? (a->expires_ms - s->now_ms) / 1000 : 0;
	size_t n;
	const char *idp = auth_cred_user(a->cred.kind, a->username,
					 s->conf->rest_api_separator, &n);
	const char *room = NULL;

	if (sl->room_of && a->cred.kind == AUTH_KIND_REST) {
		snprintf(id, sizeof(id), "%.*s", (int)n, idp);
		room = sl->room_of(sl->ctx, id);
	}

	evbuffer_add_printf(
		sl->out,
		"allocation user=%s room=%s client=%s/%s relay=%s lifetime_left=%llu "
		"permissions=%zu channels=%zu to_peer_bytes=%llu "
		"from_peer_bytes=%llu\n",
		esc_str(user, sizeof(user), a->username),
		room ? esc_str(room_text, sizeof(room_text), room) : "-",
		addr_to_str(&a->ft.client, client, sizeof(client)),
		a->link.tcp    ? "tcp"
		: a->link.dtls ? "dtls"
			       : "udp",
		addr_to_str(&a->relay_public, relay, sizeof(relay)),
		(unsigned long long)left, a->n_perms, a->n_chans,
		(unsigned long long)a->bytes_to_peer,
		(unsigned long long)a->bytes_from_peer);
}

void turn_server_write_sessions(struct turn_server *s, struct evbuffer *out,
				const char *(*room_of)(void *ctx, const char *user_id),
				void *ctx)
{
	struct session_lines sl = { out, room_of, ctx };

	turn_offload_collect(s);
	alloc_table_each(s->allocs, write_session, &sl);
}

size_t turn_server_allocation_count(const struct turn_server *s)
{
	return alloc_table_count(s->allocs);
}
