/* Prometheus text exposition of the relay's counters, read live (coturn
 * only updates its traffic counters when a session ends). */
#include <string.h>

#include <event2/buffer.h>

#include "conf/conf.h"
#include "turn/turn_internal.h"
#include "util/escape.h"

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

static void metric(struct evbuffer *out, const char *name, const char *type,
		   const char *help, uint64_t value)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
			    type, name, (unsigned long long)value);
}

void turn_server_write_metrics(struct turn_server *s, struct evbuffer *out)
{
	const struct turn_counters *c = &s->counters;
	struct live_totals t = { 0, 0 };

	alloc_table_each(s->allocs, add_children, &t);
	metric(out, "turnroom_allocations", "gauge", "Live TURN allocations.",
	       alloc_table_count(s->allocs));
	metric(out, "turnroom_allocations_created_total", "counter",
	       "TURN allocations created.", c->allocations_created);
	metric(out, "turnroom_allocations_deleted_total", "counter",
	       "TURN allocations deleted (expired, refreshed to 0, dropped).",
	       c->allocations_deleted);
	metric(out, "turnroom_permissions", "gauge", "Live permissions.", t.permissions);
	metric(out, "turnroom_tcp_relay_connections", "gauge",
	       "Live RFC 6062 peer connections (connecting, awaiting bind, bound).",
	       s->tcp_conn_count);
	metric(out, "turnroom_channels", "gauge", "Live channel bindings.", t.channels);
	evbuffer_add_printf(out,
			    "# HELP turnroom_relayed_packets_total Packets relayed.\n"
			    "# TYPE turnroom_relayed_packets_total counter\n"
			    "turnroom_relayed_packets_total{direction=\"to_peer\"} %llu\n"
			    "turnroom_relayed_packets_total{direction=\"from_peer\"} %llu\n"
			    "# HELP turnroom_relayed_bytes_total Payload bytes relayed.\n"
			    "# TYPE turnroom_relayed_bytes_total counter\n"
			    "turnroom_relayed_bytes_total{direction=\"to_peer\"} %llu\n"
			    "turnroom_relayed_bytes_total{direction=\"from_peer\"} %llu\n",
			    (unsigned long long)c->relayed_pkts_out,
			    (unsigned long long)c->relayed_pkts_in,
			    (unsigned long long)c->relayed_bytes_out,
			    (unsigned long long)c->relayed_bytes_in);
	evbuffer_add_printf(out, "# HELP turnroom_auth_failures_total Failed TURN "
				 "authentications by reason.\n"
				 "# TYPE turnroom_auth_failures_total counter\n");
	for (int i = 0; i < AUTH_FAIL_COUNT; i++)
		evbuffer_add_printf(out, "turnroom_auth_failures_total{reason=\"%s\"} %llu\n",
				    auth_failure_label[i],
				    (unsigned long long)c->auth_failures[i]);
	metric(out, "turnroom_auth_rate_limited_total", "counter",
	       "Requests dropped because their source failed authentication too often.",
	       c->auth_rate_limited);
	metric(out, "turnroom_stale_nonces_total", "counter", "438 Stale Nonce answers.",
	       c->stale_nonces);
	metric(out, "turnroom_peer_refused_total", "counter",
	       "Permissions and channels refused by the peer filter (403).",
	       c->peer_refused);
	metric(out, "turnroom_client_output_dropped_total", "counter",
	       "Packets dropped because a TCP/TLS client did not read its queue.",
	       c->client_output_dropped);
	metric(out, "turnroom_malformed_dropped_total", "counter",
	       "Client packets that were neither STUN nor ChannelData.",
	       c->malformed_dropped);
	turn_bw_write_metrics(s, out);
	turn_dtls_write_metrics(s, out);
}

struct user_bytes {
	void (*fn)(const char *username, uint64_t bytes, void *arg);
	void *arg;
};

static void each_user_bytes(struct allocation *a, void *arg)
{
	struct user_bytes *u = arg;

	u->fn(a->username, a->bytes_to_peer + a->bytes_from_peer, u->arg);
}

void turn_server_each_allocation(struct turn_server *s,
				 void (*fn)(const char *username, uint64_t bytes, void *arg),
				 void *arg)
{
	struct user_bytes u = { fn, arg };

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
	char user[ESC_LOG_LEN], room_text[ESC_LOG_LEN];
	uint64_t left = a->expires_ms > s->now_ms ? (a->expires_ms - s->now_ms) / 1000 : 0;
	const char *sep = strchr(a->username, s->conf->rest_api_separator);
	const char *room = sl->room_of && a->cred.kind == AUTH_KIND_REST && sep
				   ? sl->room_of(sl->ctx, sep + 1)
				   : NULL;

	evbuffer_add_printf(sl->out,
			    "allocation user=%s room=%s client=%s/%s relay=%s lifetime_left=%llu "
			    "permissions=%zu channels=%zu to_peer_bytes=%llu "
			    "from_peer_bytes=%llu\n",
			    esc_str(user, sizeof(user), a->username),
			    room ? esc_str(room_text, sizeof(room_text), room) : "-",
			    addr_to_str(&a->ft.client, client, sizeof(client)),
			    a->link.tcp ? "tcp" : a->link.dtls ? "dtls" : "udp",
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

	alloc_table_each(s->allocs, write_session, &sl);
}

size_t turn_server_allocation_count(const struct turn_server *s)
{
	return alloc_table_count(s->allocs);
}
