/* TURN credentials handed out at join: REST credentials ("EXPIRY:userId",
 * base64(HMAC-SHA1(secret, username))) in the iceServers shape that
 * new RTCPeerConnection({iceServers}) takes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "signaling/signaling_internal.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/log.h"

static bool take_first(const char *secret, void *arg)
{
	snprintf(arg, SIG_SECRET_MAX, "%s", secret);
	return true;
}

/* The first static-auth-secret; else the realm's first turn_secret row;
 * else keep (a secret generated earlier in memory, "" for none); else a
 * new one, kept in the store so credentials survive restarts. A secret
 * that lives in memory only is added to auth. out: SIG_SECRET_MAX. */
int signaling_ice_secret_choose(const struct conf *c, struct auth_store *store,
				struct auth *auth, const char *keep, char *out, char *err,
				size_t errlen)
{
	unsigned char raw[32];

	out[0] = '\0';
	if (c->static_auth_secrets.n) {
		snprintf(out, SIG_SECRET_MAX, "%s", c->static_auth_secrets.items[0]);
		return 0;
	}
	if (store && auth_store_each_secret(store, c->realm, take_first, out) == 0 &&
	    out[0])
		return 0;
	if (!store && keep[0]) {
		snprintf(out, SIG_SECRET_MAX, "%s", keep);
	} else {
		if (RAND_bytes(raw, sizeof(raw)) != 1) {
			snprintf(err, errlen, "no randomness for a TURN secret");
			return TR_EIO;
		}
		for (size_t i = 0; i < sizeof(raw); i++)
			snprintf(out + 2 * i, 3, "%02x", raw[i]);
		OPENSSL_cleanse(raw, sizeof(raw));
	}
	if (store) {
		if (auth_store_add_secret(store, c->realm, out)) {
			snprintf(err, errlen, "cannot store the generated TURN secret");
			return TR_EDB;
		}
		log_info("generated a TURN REST secret for realm %s (kept in the store)",
			 c->realm);
		return 0;
	}
	if (!keep[0])
		log_warn("no userdb: the generated TURN secret lives in memory only; "
			 "credentials handed out do not survive a restart");
	if (auth_add_secret(auth, out)) {
		snprintf(err, errlen, "out of memory");
		return TR_ENOMEM;
	}
	return 0;
}

struct signaling_reload {
	const struct conf *conf;
	struct auth *auth;
	struct auth_store *store;
	char ice_secret[SIG_SECRET_MAX];
};

void signaling_reload_free(struct signaling_reload *r)
{
	if (!r)
		return;
	OPENSSL_cleanse(r->ice_secret, sizeof(r->ice_secret));
	free(r);
}

/* The secret the reloaded server mints with: a generated in-memory one
 * lives on across reloads (added to the new auth); otherwise it is chosen
 * again (a new static-auth-secret or store takes effect). Only the new
 * auth and store are written to, never the live ones. */
struct signaling_reload *signaling_server_reload_prepare(struct signaling_server *s,
							 const struct conf *conf,
							 struct auth *auth,
							 struct auth_store *store,
							 char *err, size_t errlen)
{
	struct signaling_reload *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->conf = conf;
	r->auth = auth;
	r->store = store;
	if (signaling_ice_secret_choose(conf, store, auth, s->ice_secret, r->ice_secret,
					err, errlen)) {
		signaling_reload_free(r);
		return NULL;
	}
	return r;
}

void signaling_server_reload_commit(struct signaling_server *s,
				    struct signaling_reload *r)
{
	s->conf = r->conf;
	room_engine_configure(s->rooms, s->conf->room_capacity,
			      (uint64_t)s->conf->resume_window * 1000u);
	s->auth = r->auth;
	s->store = r->store;
	memcpy(s->ice_secret, r->ice_secret, sizeof(s->ice_secret));
	signaling_reload_free(r);
	signaling_cluster_reconfigured(s);
	signaling_sio_reconfigure(s);
}

/* ---- presence: the room server's answer to "is this member live" ---- */

/* A member whose credentials were minted stays live until on_gone (leave,
 * or the end of its resume window): a set of user ids kept beside the
 * room engine, so the TURN side asks in O(1) per request. */
static void presence_add(struct signaling_server *s, const char *user_id)
{
	if (!s->live_ids)
		s->live_ids = json_object();
	if (s->live_ids && !json_object_get(s->live_ids, user_id))
		json_object_set_new(s->live_ids, user_id, json_true());
}

void signaling_presence_gone(struct signaling_server *s, const char *user_id)
{
	if (s->live_ids)
		json_object_del(s->live_ids, user_id);
}

void signaling_presence_free(struct signaling_server *s)
{
	json_decref(s->live_ids);
	s->live_ids = NULL;
}

bool signaling_server_member_live(void *ctx, const char *member_id)
{
	struct signaling_server *s = ctx;

	/* Clustered: a member of any node (the cluster's mirror). */
	return (s->live_ids && json_object_get(s->live_ids, member_id)) ||
	       signaling_cluster_member_live(s, member_id);
}

/* An IPv6 literal host needs brackets inside a URL. */
static void url_host(const char *host, char *out, size_t outlen)
{
	if (strchr(host, ':') && host[0] != '[')
		snprintf(out, outlen, "[%s]", host);
	else
		snprintf(out, outlen, "%s", host);
}

static json_t *urls(const char *scheme, const char *host, unsigned port,
		    const char *const *suffixes, size_t n)
{
	json_t *list = json_array();
	char url[600];

	for (size_t i = 0; list && i < n; i++) {
		snprintf(url, sizeof(url), "%s:%s:%u%s", scheme, host, port, suffixes[i]);
		json_array_append_new(list, json_string(url));
	}
	return list;
}

/* turn-servers=HOST[:PORT] (a pool of nodes, parsed by src/conf): every
 * one, in order, in both entries; one without a port has listening-port;
 * the credentials work on each (one secret per cluster). */
static void add_pool(const struct conf *c, bool tls, json_t *stun, json_t *turn)
{
	static const char *const tr[] = { "?transport=udp", "?transport=tcp" };

	for (size_t i = 0; stun && turn && i < c->turn_servers.n; i++) {
		const struct tr_endpoint *e = &c->turn_servers.v[i];
		unsigned port = e->port ? e->port : c->listening_port;
		char host[ADDR_HOST_MAX + 2], url[ADDR_HOST_MAX + 64];

		url_host(e->host, host, sizeof(host));
		snprintf(url, sizeof(url), "stun:%s:%u", host, port);
		json_array_append_new(stun, json_string(url));
		for (size_t t = 0; t < 2; t++) {
			snprintf(url, sizeof(url), "turn:%s:%u%s", host, port, tr[t]);
			json_array_append_new(turn, json_string(url));
		}
		if (tls) {
			snprintf(url, sizeof(url), "turns:%s:%u?transport=tcp", host,
				 c->tls_listening_port);
			json_array_append_new(turn, json_string(url));
		}
	}
}

json_t *signaling_ice_servers(struct signaling_server *s, const char *host,
			      const char *user_id)
{
	static const char *const none[] = { "" };
	static const char *const turn_transports[] = { "?transport=udp",
						       "?transport=tcp" };
	const struct conf *c = s->conf;
	char h[300], username[128], password[64];
	long long expiry = (long long)clock_wall_s() + c->ice_credential_ttl;

	url_host(c->server_name ? c->server_name : (host[0] ? host : "127.0.0.1"), h,
		 sizeof(h));
	/* Room-minted: valid only while the member is live (auth.h). */
	snprintf(username, sizeof(username), "%lld%c" AUTH_ROOM_ID_PREFIX "%s", expiry,
		 c->rest_api_separator, user_id);
	if (auth_rest_password(s->ice_secret, username, password, sizeof(password)))
		return NULL;
	presence_add(s, user_id);
	json_t *turn, *stun;
	char turns[600];

	if (c->turn_servers.n) {
		stun = json_array();
		turn = json_array();
		add_pool(c, s->tls_turn && !c->no_tls, stun, turn);
		return json_pack("[{s:o}, {s:o, s:s, s:s}]", "urls", stun, "urls", turn,
				 "username", username, "credential", password);
	}
	turn = urls("turn", h, c->listening_port, turn_transports, 2);
	/* RFC 7065: turns: for TURN over TLS, the one that crosses proxies
	 * and firewalls letting only TLS out. */
	if (turn && s->tls_turn && !c->no_tls) {
		snprintf(turns, sizeof(turns), "turns:%s:%u?transport=tcp", h,
			 c->tls_listening_port);
		json_array_append_new(turn, json_string(turns));
	}
	return json_pack("[{s:o}, {s:o, s:s, s:s}]", "urls",
			 urls("stun", h, c->listening_port, none, 1), "urls", turn,
			 "username", username, "credential", password);
}
