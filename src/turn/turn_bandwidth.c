/* Bandwidth limits with coturn's meaning: max-bps bytes per second per
 * allocation, each direction on its own (README.turnserver "-s"), excess
 * dropped (RFC 6062 TCP pairs instead pause reading: a stream loses no
 * byte); bps-capacity the total those limits may add up to, each
 * allocation reserving its limit for its life (coturn netengine.c
 * allocate_bps); member-max-bps the limit of REST credentials, which the
 * room server mints for its members. */
#include <event2/buffer.h>

#include "conf/conf.h"
#include "turn/turn_request.h"
#include "util/prom.h"

/* A bucket holds a tenth of a second's worth: bursts stay short, and
 * over a few seconds the delivered rate is the limit within a few %. */
#define BW_BURST_DIV 10
/* Refill at most this much time at once (keeps the product in range). */
#define BW_MAX_GAP_MS 1000u

/* The limit an allocation made by this request would get, before the
 * capacity: max-bps, or member-max-bps for REST credentials when that is
 * set and lower (or max-bps is 0). 0 = unlimited. */
static uint32_t wanted_bps(const struct turn_request *r)
{
	const struct conf *c = r->s->conf;
	uint32_t bps = c->max_bps;

	if (r->cred.kind == AUTH_KIND_REST && c->member_max_bps &&
	    (!bps || c->member_max_bps < bps))
		bps = c->member_max_bps;
	return bps;
}

enum stun_error turn_bw_admit(struct turn_request *r)
{
	struct turn_server *s = r->s;

	if (!s->conf->bps_capacity || !wanted_bps(r))
		return 0;
	if (s->bps_granted < s->conf->bps_capacity)
		return 0;
	s->counters.bps_capacity_refused++;
	r->reason = "Allocation Bandwidth Quota Reached";
	return STUN_ERR_QUOTA_REACHED;
}

static void bucket_fill(struct bw_bucket *b, uint32_t bps, uint64_t now_ms)
{
	b->millibytes = (int64_t)bps * 1000 / BW_BURST_DIV;
	b->last_ms = now_ms;
}

/* Grants what is left of the capacity when less than the limit, as
 * coturn does; turn_bw_admit has made sure something is left. */
void turn_bw_grant(struct turn_request *r, struct allocation *a)
{
	struct turn_server *s = r->s;
	uint64_t cap = s->conf->bps_capacity;
	uint32_t bps = wanted_bps(r);

	if (bps && cap) {
		uint64_t left = cap > s->bps_granted ? cap - s->bps_granted : 0;

		if (left < bps)
			bps = (uint32_t)left;
		s->bps_granted += bps;
	}
	a->bps = bps;
	a->bps_reserved = cap ? bps : 0;
	bucket_fill(&a->bw_to_peer, bps, s->now_ms);
	bucket_fill(&a->bw_from_peer, bps, s->now_ms);
}

void turn_bw_release(struct turn_server *s, struct allocation *a)
{
	s->bps_granted -=
		a->bps_reserved <= s->bps_granted ? a->bps_reserved : s->bps_granted;
	a->bps_reserved = 0;
}

/* Adds what the time since the last refill earned, up to the burst. */
static void bucket_refill(struct turn_server *s, struct allocation *a,
			  struct bw_bucket *b)
{
	int64_t burst = (int64_t)a->bps * 1000 / BW_BURST_DIV;
	uint64_t gap = s->now_ms > b->last_ms ? s->now_ms - b->last_ms : 0;

	if (gap > BW_MAX_GAP_MS)
		gap = BW_MAX_GAP_MS;
	b->last_ms = s->now_ms;
	b->millibytes += (int64_t)gap * a->bps;
	if (b->millibytes > burst)
		b->millibytes = burst;
}

/* Token bucket in thousandths of a byte: a packet passes while the
 * bucket is not empty and may take it below zero (a large datagram under
 * a small limit still passes, then waits out its debt). */
bool turn_bw_pass(struct turn_server *s, struct allocation *a, bool to_peer, size_t len)
{
	struct bw_bucket *b = to_peer ? &a->bw_to_peer : &a->bw_from_peer;

	if (!a->bps)
		return true;
	bucket_refill(s, a, b);
	if (b->millibytes <= 0) {
		s->counters.bw_dropped_pkts[to_peer]++;
		s->counters.bw_dropped_bytes[to_peer] += len;
		return false;
	}
	b->millibytes -= (int64_t)len * 1000;
	return true;
}

/* The same bucket for a stream (RFC 6062 pairs): len bytes already read
 * are charged, never dropped, and the answer is how long the reader must
 * pause for the bucket to be above zero again. */
uint32_t turn_bw_stream_wait(struct turn_server *s, struct allocation *a, bool to_peer,
			     size_t len)
{
	struct bw_bucket *b = to_peer ? &a->bw_to_peer : &a->bw_from_peer;

	if (!a->bps)
		return 0;
	bucket_refill(s, a, b);
	b->millibytes -= (int64_t)len * 1000;
	if (b->millibytes > 0)
		return 0;
	/* Rounded up, and at least 1 ms, so the bucket is positive then. */
	return (uint32_t)((-b->millibytes) / a->bps + 1);
}

/* Bytes a stream reader may take at once under a's limit: a tenth of a
 * second's worth (the burst), at least cap_min, at most cap_max. */
size_t turn_bw_stream_read_max(const struct allocation *a, size_t cap_min, size_t cap_max)
{
	size_t burst = a->bps / BW_BURST_DIV;

	if (!a->bps || burst > cap_max)
		return cap_max;
	return burst < cap_min ? cap_min : burst;
}

void turn_bw_write_metrics(struct turn_server *s, struct evbuffer *out)
{
	const struct turn_counters *c = &s->counters;
	static const char *const pkts = "turnroom_bandwidth_dropped_packets_total";
	static const char *const bytes = "turnroom_bandwidth_dropped_bytes_total";

	/* Indexed by to_peer. */
	prom_family(out, pkts, "counter", "Packets dropped by max-bps / member-max-bps.");
	prom_sample(out, pkts, "direction", "to_peer", c->bw_dropped_pkts[1]);
	prom_sample(out, pkts, "direction", "from_peer", c->bw_dropped_pkts[0]);
	prom_family(out, bytes, "counter",
		    "Payload bytes dropped by max-bps / member-max-bps.");
	prom_sample(out, bytes, "direction", "to_peer", c->bw_dropped_bytes[1]);
	prom_sample(out, bytes, "direction", "from_peer", c->bw_dropped_bytes[0]);
	prom_metric(out, "turnroom_bps_granted", "gauge",
		    "Bytes per second reserved against bps-capacity.", s->bps_granted);
	prom_metric(out, "turnroom_bps_capacity_refused_total", "counter",
		    "Allocates answered 486 by bps-capacity.", c->bps_capacity_refused);
	prom_metric(out, "turnroom_stun_mode_ignored_total", "counter",
		    "Requests ignored by stun-only or no-stun.", c->stun_mode_ignored);
}
