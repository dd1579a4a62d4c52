/* The data path: client -> peer (ChannelData, Send indications) and
 * peer -> client (ChannelData when a channel is bound, else Data
 * indications), over each allocation's relay socket. */
#include <errno.h>
#include <string.h>

#include <event2/event.h>

#include "conf/conf.h"
#include "turn/turn_internal.h"
#include "util/bytes.h"
#include "util/errors.h"
#include "util/log.h"

/* Room kept in front of each received peer datagram so a ChannelData
 * header can be written in place, without copying the payload. */
#define RELAY_HEADROOM CHANNELDATA_HEADER_LEN

static void count_to_peer(struct turn_server *s, struct allocation *a, size_t len)
{
	a->pkts_to_peer++;
	a->bytes_to_peer += len;
	s->counters.relayed_pkts_out++;
	s->counters.relayed_bytes_out += len;
}

void turn_relay_to_peer(struct turn_server *s, struct allocation *a,
			const struct tr_addr *peer, const uint8_t *p, size_t len)
{
	/* RFC 8656 7.2: a dual-stack allocation reaches each peer from the
	 * relayed address of the peer's family. */
	int fd = turn_dual_fd_for(a, addr_family(peer));

	if (fd < 0 || !alloc_permission_ok(a, peer, s->now_ms))
		return;
	if (!turn_bw_pass(s, a, true, len))
		return; /* max-bps: dropped, counted */
	if (sendto(fd, p, len, MSG_DONTWAIT, &peer->u.sa, addr_len(peer)) < 0) {
		log_debug("relay sendto failed: %s", strerror(errno));
		return;
	}
	count_to_peer(s, a, len);
}

void turn_relay_channeldata(struct turn_server *s, const struct client_packet *pkt)
{
	uint16_t number;
	const uint8_t *data;
	size_t data_len;
	struct allocation *a;
	const struct turn_channel *ch;

	if (channeldata_parse(pkt->data, pkt->len, &number, &data, &data_len) < 0) {
		s->counters.malformed_dropped++;
		return;
	}
	a = alloc_table_find(s->allocs, &pkt->ft);
	if (!a)
		return;
	ch = alloc_channel_by_number(a, number, s->now_ms);
	if (!ch)
		return;
	turn_relay_to_peer(s, a, &ch->peer, data, data_len);
}

/* Indications need unique, not secret, transaction ids (RFC 8489 6): a
 * random prefix drawn at start, never key material, then a counter. */
void turn_indication_tid(struct turn_server *s, uint8_t tid[STUN_TID_LEN])
{
	uint64_t seq = ++s->indication_seq;

	memcpy(tid, s->indication_prefix, sizeof(s->indication_prefix));
	memcpy(tid + sizeof(s->indication_prefix), &seq, sizeof(seq));
}

/* RFC 8656 11.6: Data indication when no channel is bound to the peer. */
static void send_data_indication(struct turn_server *s, struct allocation *a,
				 const struct tr_addr *peer, const uint8_t *data,
				 size_t len)
{
	uint8_t buf[STUN_MAX_MESSAGE];
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder b;
	ssize_t n;

	turn_indication_tid(s, tid);
	stun_build_start(&b, buf, sizeof(buf), STUN_DATA, STUN_CLASS_INDICATION, tid);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	stun_add_attr(&b, STUN_ATTR_DATA, data, len);
	if (a->had_fingerprint || s->conf->fingerprint)
		stun_add_fingerprint(&b);
	n = stun_build_finish(&b);
	if (n > 0)
		turn_send_to_client(s, &a->link, &a->ft.client, buf, (size_t)n);
}

static void relay_deliver(struct turn_server *s, struct allocation *a,
			  const struct tr_addr *peer, uint8_t *data, size_t len)
{
	const struct turn_channel *ch;

	if (!alloc_permission_ok(a, peer, s->now_ms))
		return; /* RFC 8656 10.3: silently discarded */
	if (!turn_bw_pass(s, a, false, len))
		return; /* max-bps: dropped, counted */
	a->pkts_from_peer++;
	a->bytes_from_peer += len;
	s->counters.relayed_pkts_in++;
	s->counters.relayed_bytes_in += len;
	ch = alloc_channel_by_peer(a, peer, s->now_ms);
	if (ch && len <= 0xFFFF) {
		uint8_t *frame = data - CHANNELDATA_HEADER_LEN;

		channeldata_write_header(frame, ch->number, (uint16_t)len);
		turn_send_to_client(s, &a->link, &a->ft.client, frame,
				    len + CHANNELDATA_HEADER_LEN);
		return;
	}
	send_data_indication(s, a, peer, data, len);
}

static void relay_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct allocation *a = arg;
	struct recv_batch b;
	int n = turn_recv_batch(a->server, fd, RELAY_HEADROOM, &b);

	for (int i = 0; i < n; i++) {
		struct tr_addr peer;

		if (turn_batch_sender(&b, i, &peer) == 0)
			relay_deliver(a->server, a, &peer, b.iov[i].iov_base,
				      b.msgs[i].msg_len);
	}
}

int turn_relay_watch_fd(struct turn_server *s, struct allocation *a, int fd,
			struct event **ev)
{
	*ev = event_new(s->base, fd, EV_READ | EV_PERSIST, relay_read_cb, a);
	if (!*ev || event_add(*ev, NULL))
		return TR_ENOMEM;
	return 0;
}

int turn_relay_watch(struct turn_server *s, struct allocation *a)
{
	return turn_relay_watch_fd(s, a, a->relay_fd, &a->relay_ev);
}
