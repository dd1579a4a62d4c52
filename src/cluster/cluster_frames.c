/* Frames on the cluster's channels: sealed on the way out
 * (cluster_seal.c), opened, checked and handed to the node's handlers on
 * the way in, kept in order while the mirror's snapshot loads. */
#include "cluster/cluster_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

#define MAX_PENDING 65536 /* frames buffered while the mirror loads */

/* The sender's clock in sealed frames (CLOCK_REALTIME: other nodes
 * compare it with theirs). */
static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

char *cluster_frame_new(struct cluster *c, const char *chan,
			const struct cluster_frame *f, size_t *len)
{
	size_t n = cluster_frame_size(f), cap;
	uint8_t *plain = malloc(n);
	char *out = NULL;
	ssize_t rc = TR_ENOMEM;

	if (!plain)
		return NULL;
	cluster_frame_encode(f, plain, n);
	cap = cluster_seal_size(c->seal, n);
	out = malloc(cap);
	if (out)
		rc = cluster_seal_frame(c->seal, chan, plain, n, wall_ms(),
					(uint8_t *)out, cap);
	free(plain);
	if (rc < 0) {
		free(out);
		return NULL;
	}
	*len = (size_t)rc;
	return out;
}

/* A frame that does not open is never acted on: counted by reason, and
 * one line (rate-limited) names its claimed sender. */
static void frame_rejected(struct cluster *c, const char *chan, enum cluster_reject r,
			   const uint8_t *p, size_t len)
{
	char who[ESC_LOG_LEN];
	/* The claimed sender of what looks like a sealed frame. */
	size_t nl = len > 4 && !memcmp(p, "TS1", 3) ? p[3] : 0;

	c->stats.rejected[r - 1]++;
	if (nl > len - 4)
		nl = len - 4;
	log_warn_limited(
		&c->reject_log,
		"cluster: frame on %s dropped (%s), claiming to be from node %s: "
		"not acted on",
		chan, cluster_reject_name(r),
		esc_bytes(who, sizeof(who), nl ? (const char *)p + 4 : "?", nl ? nl : 1));
}

void cluster_handle_frame(struct cluster *c, bool to_all, const uint8_t *p, size_t len)
{
	const char *chan = to_all ? c->chan_all : c->chan_node;
	struct cluster_frame f;
	enum cluster_reject r;
	uint8_t *plain = malloc(len ? len : 1);
	size_t n = 0;

	if (!plain) {
		c->stats.frames_bad++;
		return;
	}
	r = cluster_open_frame(c->seal, chan, p, len, wall_ms(), plain, len, &n);
	if (r != CLUSTER_REJECT_NONE) {
		frame_rejected(c, chan, r, p, len);
	} else if (cluster_frame_decode(plain, n, &f)) {
		c->stats.frames_bad++; /* a node of ours sent it: a bug, not an attack */
	} else {
		c->stats.frames_in++;
		if (f.kind == CLUSTER_MSG_JOINED)
			cluster_mirror_put(c->mirror, f.from, f.from_len, f.node,
					   f.node_len, f.room, f.room_len);
		else if (f.kind == CLUSTER_MSG_GONE)
			cluster_mirror_del(c->mirror, f.from, f.from_len);
		/* Our own broadcasts come back too: their effect was local. */
		if ((f.kind == CLUSTER_MSG_EVENT || f.node_len != strlen(c->node_id) ||
		     memcmp(f.node, c->node_id, f.node_len)) &&
		    c->h.on_frame)
			c->h.on_frame(c->h.ctx, &f);
	}
	free(plain);
}

void cluster_pending_clear(struct cluster *c)
{
	for (struct cluster_pending *p = c->pend_head, *next; p; p = next) {
		next = p->next;
		free(p);
	}
	c->pend_head = c->pend_tail = NULL;
	c->n_pending = 0;
}

void cluster_on_message(struct cluster *c, const char *chan, size_t chan_len,
			const uint8_t *p, size_t len)
{
	struct cluster_pending *q;
	bool to_all =
		chan_len == strlen(c->chan_all) && !memcmp(chan, c->chan_all, chan_len);

	if (!to_all &&
	    (chan_len != strlen(c->chan_node) || memcmp(chan, c->chan_node, chan_len))) {
		c->stats.rejected[CLUSTER_REJECT_MALFORMED - 1]++;
		return; /* we subscribe to no other */
	}
	if (!c->loading) {
		cluster_handle_frame(c, to_all, p, len);
		return;
	}
	/* The mirror's snapshot is in flight: keep the order, replay after. */
	if (c->n_pending >= MAX_PENDING || !(q = malloc(sizeof(*q) + len))) {
		c->stats.frames_bad++;
		return;
	}
	q->next = NULL;
	q->to_all = to_all;
	q->len = len;
	memcpy(q->data, p, len);
	if (c->pend_tail)
		c->pend_tail->next = q;
	else
		c->pend_head = q;
	c->pend_tail = q;
	c->n_pending++;
}

/* PUBLISH of one frame on chan, counted when Redis took it; also before
 * registration (the GONE frames of a re-registration). */
int cluster_publish(struct cluster *c, const char *chan, const struct cluster_frame *f)
{
	const char *argv[3] = { "PUBLISH", chan, NULL };
	size_t lens[3], flen;
	char *frame;
	int rc;

	frame = cluster_frame_new(c, chan, f, &flen);
	if (!frame)
		return TR_ENOMEM;
	argv[2] = frame;
	lens[0] = 7;
	lens[1] = strlen(chan);
	lens[2] = flen;
	rc = cluster_redis_cmd(c, CLUSTER_REPLY_OK, NULL, NULL, 3, argv, lens);
	if (!rc)
		c->stats.frames_out++;
	free(frame);
	return rc;
}

/* The GONE frame of each member a script removed, published by this node
 * (sealed). Should the link drop between the script and these, the other
 * nodes learn of the departures when they load tr:members again. */
void cluster_publish_removed(struct cluster *c, const struct cluster_reply *d)
{
	struct cluster_reply_pair m;
	struct cluster_frame f = { .kind = CLUSTER_MSG_GONE };

	for (size_t i = 0; i < d->n_pairs; i++) {
		cluster_reply_pair_at(d, i, &m);
		f.node = m.node;
		f.node_len = m.node_len;
		f.room = m.room;
		f.room_len = m.room_len;
		f.from = m.user;
		f.from_len = m.user_len;
		cluster_publish(c, c->chan_all, &f);
	}
}

int cluster_send(struct cluster *c, const char *node, const struct cluster_frame *f)
{
	char chan[CLUSTER_NODE_ID_MAX + 32];

	if (!c->registered)
		return TR_EIO;
	snprintf(chan, sizeof(chan), "tr:%u:node:%s", c->db, node);
	return cluster_publish(c, chan, f);
}

int cluster_broadcast(struct cluster *c, const struct cluster_frame *f)
{
	if (!c->registered)
		return TR_EIO;
	return cluster_publish(c, c->chan_all, f);
}
