/* Redis high availability through Sentinel (redis-sentinel=,
 * redis-master-name=), on the server's loop: hiredis has no Sentinel
 * support, so this is the client side of the Sentinel protocol
 * (https://redis.io/docs/reference/sentinel-clients/):
 *
 * 1. Discovery: ask the sentinels one after the other
 *    `SENTINEL get-master-addr-by-name NAME`; the first that answers
 *    names the master, and both links connect to it.
 * 2. Verification: the first command on the command link is ROLE; a
 *    server that is not "master" (a stale answer, a demoted master) takes
 *    the link down, and the next attempt asks the sentinels again.
 * 3. Following: a subscription to `+switch-master` on every sentinel; when
 *    one announces our master at a new address, both links are dropped
 *    and opened to it at once (no backoff), and the node registers again
 *    there (its members are registered again by the idempotent scripts,
 *    as after any outage: the new master may have missed the last writes
 *    of the old one, replication being asynchronous).
 *
 * Every reply goes through cluster_reply.c's decoders and every
 * connection through its reader guard, as on the master. */
#include "cluster/cluster_internal.h"

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

#include <hiredis/adapters/libevent.h>

#define WATCH_EVERY_MS 1000 /* a lost +switch-master subscription is redone */

int cluster_sentinel_init(struct cluster *c, const struct cluster_config *cfg, char *err,
			  size_t errlen)
{
	if (!cfg->master_name || !*cfg->master_name) {
		snprintf(err, errlen, "redis-sentinel needs redis-master-name");
		return TR_EINVAL;
	}
	c->sentinels = calloc(cfg->n_sentinels, sizeof(*c->sentinels));
	c->watch = calloc(cfg->n_sentinels, sizeof(*c->watch));
	c->watch_guard = calloc(cfg->n_sentinels, sizeof(*c->watch_guard));
	c->master_name = strdup(cfg->master_name);
	if (!c->sentinels || !c->watch || !c->watch_guard || !c->master_name)
		goto nomem;
	for (size_t i = 0; i < cfg->n_sentinels; i++) {
		c->sentinels[i] = cfg->sentinels[i];
		if (c->sentinels[i].is_unix || !c->sentinels[i].host[0]) {
			snprintf(err, errlen, "redis-sentinel: not HOST:PORT");
			return TR_EINVAL;
		}
		if (!c->sentinels[i].port)
			c->sentinels[i].port = 26379; /* Sentinel's own default port */
	}
	c->n_sentinels = cfg->n_sentinels;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return TR_ENOMEM;
}

static void close_ctx(struct redisAsyncContext **ac)
{
	if (*ac) {
		(*ac)->data = NULL;
		redisAsyncFree(*ac);
		*ac = NULL;
	}
}

void cluster_sentinel_free(struct cluster *c)
{
	close_ctx(&c->query);
	for (size_t i = 0; c->watch && i < c->n_sentinels; i++)
		close_ctx(&c->watch[i]);
	if (c->watch_timer)
		event_free(c->watch_timer);
	free(c->sentinels);
	free(c->watch);
	free(c->watch_guard);
	free(c->master_name);
}

static redisAsyncContext *sentinel_ctx(struct cluster *c, const struct tr_endpoint *ep,
				       struct cluster_guard *g, bool sub,
				       redisConnectCallback *on_conn,
				       redisDisconnectCallback *on_disc)
{
	redisAsyncContext *ac = redisAsyncConnect(ep->host, (int)ep->port);

	if (!ac)
		return NULL;
	if (ac->err || redisLibeventAttach(ac, c->base) != REDIS_OK) {
		redisAsyncFree(ac);
		return NULL;
	}
	ac->data = c;
	redisAsyncSetConnectCallback(ac, on_conn);
	redisAsyncSetDisconnectCallback(ac, on_disc);
	g->sub = sub;
	g->replies = &ac->replies;
	cluster_reply_guard(ac->c.reader, g);
	return ac;
}

/* ---- discovery ---- */

static void ask_next(struct cluster *c);

/* This sentinel did not answer usefully: the next one, or the backoff
 * once each was asked. */
static void query_failed(struct cluster *c, const char *why)
{
	const struct tr_endpoint *ep = &c->sentinels[c->next_sentinel];

	log_warn_limited(&c->bad_log, "cluster: sentinel %s:%u: %s", ep->host, ep->port,
			 why);
	c->next_sentinel = (c->next_sentinel + 1) % c->n_sentinels;
	if (++c->tried < c->n_sentinels) {
		ask_next(c);
		return;
	}
	log_warn_limited(&c->bad_log, "cluster: no sentinel names master %s; retrying",
			 c->master_name);
	c->stats.reconnects++;
	cluster_redis_schedule(c);
}

static void on_query_connect(const redisAsyncContext *ac, int status)
{
	struct cluster *c = ac->data;

	if (!c || status == REDIS_OK)
		return;
	c->query = NULL; /* hiredis frees ac */
	query_failed(c, ac->errstr);
}

static void on_query_disconnect(const redisAsyncContext *ac, int status)
{
	struct cluster *c = ac->data;

	if (c && c->query == ac)
		c->query = NULL;
}

static void on_master_addr(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;
	struct cluster_reply d;
	char host[256];

	if (!c || !reply)
		return;
	/* Done with this connection either way (freed after this callback). */
	ac->data = NULL;
	c->query = NULL;
	redisAsyncDisconnect(ac);
	if (cluster_reply_decode(CLUSTER_REPLY_MASTER, reply, &d)) {
		if (!d.error)
			c->stats.replies_bad++;
		query_failed(c, d.why);
		return;
	}
	memcpy(host, d.str, d.len);
	host[d.len] = '\0';
	if (strcmp(host, c->ep.host) || d.count != c->ep.port)
		log_info("cluster: sentinels name %s:%u as master %s", host, d.count,
			 c->master_name);
	snprintf(c->ep.host, sizeof(c->ep.host), "%s", host);
	c->ep.port = d.count;
	c->ep.is_unix = false;
	c->master_known = true;
	cluster_redis_open(c);
}

static void ask_next(struct cluster *c)
{
	const char *argv[3] = { "SENTINEL", "get-master-addr-by-name", c->master_name };

	c->query = sentinel_ctx(c, &c->sentinels[c->next_sentinel], &c->query_guard,
				false, on_query_connect, on_query_disconnect);
	if (!c->query) {
		query_failed(c, "cannot connect");
		return;
	}
	redisAsyncCommandArgv(c->query, on_master_addr, NULL, 3, argv, NULL);
}

void cluster_sentinel_discover(struct cluster *c)
{
	close_ctx(&c->query);
	c->tried = 0;
	ask_next(c);
}

/* ---- verification ---- */

static void on_role(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;
	struct cluster_reply d;

	if (!c || !reply)
		return;
	if (cluster_reply_decode(CLUSTER_REPLY_ROLE, reply, &d)) {
		if (d.error)
			cluster_redis_drop(c, true);
		else
			cluster_reply_malformed(c, CLUSTER_REPLY_ROLE, d.why);
		return;
	}
	if (d.len == 6 && !memcmp(d.str, "master", 6))
		return;
	log_warn("cluster: %s:%u is not a master (ROLE %.*s); asking the sentinels again",
		 c->ep.host, c->ep.port, (int)(d.len < 16 ? d.len : 16), d.str);
	cluster_redis_drop(c, true);
}

void cluster_sentinel_verify(struct cluster *c)
{
	const char *argv[1] = { "ROLE" };

	redisAsyncCommandArgv(c->cmd, on_role, NULL, 1, argv, NULL);
}

/* ---- following +switch-master ---- */

static size_t watch_index(const struct cluster *c, const redisAsyncContext *ac)
{
	for (size_t i = 0; i < c->n_sentinels; i++)
		if (c->watch[i] == ac)
			return i;
	return c->n_sentinels;
}

static void on_watch_gone(const redisAsyncContext *ac, int status)
{
	struct cluster *c = ac->data;
	size_t i;

	if (!c)
		return;
	i = watch_index(c, ac);
	if (i < c->n_sentinels)
		c->watch[i] = NULL; /* hiredis frees ac; the timer opens it again */
}

static void on_watch_connect(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK)
		on_watch_gone(ac, status);
}

/* "NAME OLD-IP OLD-PORT NEW-IP NEW-PORT" (the +switch-master event). */
static void switch_master(struct cluster *c, const char *msg, size_t len)
{
	char text[600], name[256], host[256];
	unsigned port = 0;

	if (len >= sizeof(text))
		return;
	memcpy(text, msg, len);
	text[len] = '\0';
	if (sscanf(text, "%255s %*s %*s %255s %u", name, host, &port) != 3 ||
	    strcmp(name, c->master_name) || port == 0 || port > 65535)
		return;
	if (c->master_known && !strcmp(host, c->ep.host) && port == c->ep.port)
		return; /* another sentinel said it first */
	log_warn("cluster: sentinel: master %s moved to %s:%u; reconnecting", name, host,
		 port);
	cluster_redis_drop(c, false);
	evtimer_del(c->reconnect);
	snprintf(c->ep.host, sizeof(c->ep.host), "%s", host);
	c->ep.port = port;
	c->master_known = true;
	c->backoff_ms = 0;
	cluster_redis_open(c);
}

static void on_watch(redisAsyncContext *ac, void *reply, void *priv)
{
	struct cluster *c = ac->data;
	struct cluster_reply d;

	if (!c || !reply)
		return;
	if (cluster_reply_decode(CLUSTER_REPLY_PUBSUB, reply, &d)) {
		/* Not our master's link: close this one, the timer reopens it. */
		size_t i = watch_index(c, ac);

		c->stats.replies_bad += !d.error;
		log_warn_limited(&c->bad_log, "cluster: sentinel subscription: %s",
				 d.why);
		if (i < c->n_sentinels)
			c->watch[i] = NULL;
		ac->data = NULL;
		redisAsyncDisconnect(ac);
		return;
	}
	if (d.message && d.chan_len == 14 && !memcmp(d.chan, "+switch-master", 14))
		switch_master(c, d.str, d.len);
}

static void watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *c = arg;
	const char *argv[2] = { "SUBSCRIBE", "+switch-master" };

	for (size_t i = 0; i < c->n_sentinels; i++) {
		if (c->watch[i])
			continue;
		c->watch[i] = sentinel_ctx(c, &c->sentinels[i], &c->watch_guard[i], true,
					   on_watch_connect, on_watch_gone);
		if (c->watch[i])
			redisAsyncCommandArgv(c->watch[i], on_watch, NULL, 2, argv, NULL);
	}
}

int cluster_sentinel_start(struct cluster *c)
{
	struct timeval tv = { WATCH_EVERY_MS / 1000, (WATCH_EVERY_MS % 1000) * 1000 };

	c->watch_timer = event_new(c->base, -1, EV_PERSIST, watch_cb, c);
	if (!c->watch_timer)
		return TR_ENOMEM;
	event_add(c->watch_timer, &tv);
	watch_cb(-1, 0, c);
	return 0;
}
