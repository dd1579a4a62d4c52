/* Private to the Socket.IO layer (signaling_sio.c, signaling_sio_room.c). */
#ifndef TR_SIGNAL_SIO_H
#define TR_SIGNAL_SIO_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "eio/eio.h"
#include "rooms/rooms.h"
#include "signaling/signaling_policy.h"
#include "sio/sio.h"

/* What /metrics reads of the Socket.IO layer: increments only. */
struct sio_counters {
	uint64_t connects;       /* CONNECTs accepted on "/" */
	uint64_t disconnects;    /* connected sockets ended (41 or session gone) */
	uint64_t events;         /* EVENT and BINARY_EVENT packets of sockets */
	size_t attachment_bytes; /* held for binary packets not yet complete */
};

struct signaling_sio {
	struct signaling_server *server;
	struct eio_server *eio;
	struct sio_sock *socks; /* every live socket, for admin listings */
	struct sio_counters counters;
};

/* One Socket.IO socket (one Engine.IO session, namespace "/"). */
struct sio_sock {
	struct signaling_sio *app;
	struct sio_sock *prev, *next;
	struct eio_session *eio; /* NULL once the session is gone */
	char id[EIO_ID_LEN + 1]; /* the Socket.IO id: socket.id, userId */
	bool connected;
	bool gone;                  /* session closed: freed when not busy */
	struct sig_rate rate;       /* ws-rate of room events */
	uint64_t unjoined_since_ms; /* ws-join-timeout: last time in a room */
	unsigned busy;
	json_t *auth; /* CONNECT auth payload (credentials) */
	struct room_peer *peer;
	struct signaling_ticket *ticket; /* a cluster join or checkRoom in flight */
	bool join_has_ack;               /* ... and the ack it owes */
	uint64_t join_ack_id;
	struct event *timer; /* connect timeout, then iceServers pushes */
	/* A binary packet waiting for its attachments: only on a connected
	 * socket, and at most one room event's worth (ws-max-message). */
	json_t *bin_args;
	char *bin_text;
	size_t bin_text_len;
	bool bin_has_ack;
	bool bin_drop;      /* attachments counted, not kept (a BINARY_ACK, or refused) */
	bool bin_too_large; /* ... refused "too-large" once they are all in */
	uint64_t bin_ack;
	unsigned bin_want, bin_have;
	size_t bin_bytes;        /* of the attachments so far */
	size_t bin_held;         /* of those, kept (in attachment_bytes) */
	struct room_blob *blobs; /* bin_want entries, owned copies; NULL when dropping */
};

/* ---- output (signaling_sio.c) ---- */

/* 42["event", data]; data is consumed. */
void sio_emit(struct sio_sock *k, const char *event, json_t *data);
/* 43<id>[result] when has_ack; result is consumed either way. */
void sio_ack(struct sio_sock *k, bool has_ack, uint64_t id, json_t *result);
/* The ack {ok:true}. */
void sio_accept(struct sio_sock *k, bool has_ack, uint64_t id);
/* The ack {ok:false, code, message}, or without an ack an "error" event. */
void sio_refuse(struct sio_sock *k, bool has_ack, uint64_t id, const char *code,
		const char *message);
/* room_deliver_fn of every socket. */
void sio_deliver(void *ctx, const struct room_event *ev);

/* ---- the room application (signaling_sio_room.c) ---- */

/* An EVENT (args: the JSON array, name first; text: its raw JSON text,
 * relayed as it is; blobs: attachments of a BINARY_EVENT). */
void sio_room_event(struct sio_sock *k, json_t *args, const char *text, size_t len,
		    const struct room_blob *blobs, size_t n_blobs, bool has_ack,
		    uint64_t ack_id);
/* The hot path: a text EVENT handled from its JSON text without a tree
 * (message, relayed events). false when it needs the general path. */
bool sio_room_fast(struct sio_sock *k, const char *text, size_t len, bool has_ack,
		   uint64_t ack_id);
/* The socket disconnected (41) or its session ended: leave now (bye), or,
 * when lost is set (no goodbye: ping timeout, connection lost), keep the
 * slot for resume-window as a native member's. */
void sio_room_gone(struct sio_sock *k, bool lost);

#endif
