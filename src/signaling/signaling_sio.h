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
#include "util/htable.h"

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
	/* Connection state recovery: every socket with a pid, connected or
	 * held for its client, keyed by pid (util/htable: keyed, so a
	 * lookup's cost says nothing of the pids in it; pids are compared in
	 * constant time). */
	struct htable pids;
	size_t n_held;
	size_t recovery_bytes; /* logs and held sockets: in signaling-max-queued */
};

/* An event sent to a socket with its offset, kept for a recovery: the
 * whole Socket.IO packet as written, then its attachments. */
struct sio_logent;

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
	/* Connection state recovery (signaling_sio_recover.c): the private
	 * session id of the CONNECT reply, the offsets of the events sent,
	 * and those the client may not have read yet. */
	char pid[EIO_ID_LEN + 1]; /* "" when recovery is off */
	uint64_t next_off;        /* offset of the next event; from 1 */
	uint64_t log_base;        /* a recovery from an offset below: refused */
	uint64_t pong_mark;       /* last offset sent at the previous pong */
	struct sio_logent *log_head, *log_tail;
	size_t log_bytes;
	bool held;         /* lost without a goodbye, kept for resume-window */
	bool held_in_room; /* ... while a member of a room */
	bool held_over;    /* its log outgrew ws-max-output: to be ended */
	bool ending;       /* being ended: nothing more is logged */
	uint64_t held_until_ms;
	bool in_table;               /* in app->pids (it has a pid) */
	struct htable_node pid_node; /* in app->pids */
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

/* ---- socket lifetime (signaling_sio.c) ---- */

void sio_sock_hold(struct sio_sock *k);
/* Frees k once gone and no longer held by a frame on the stack. */
void sio_sock_release(struct sio_sock *k);
/* k is done with: out of every list, freed now or when released. */
void sio_sock_discard(struct sio_sock *k);
/* The next unasked iceServers push of a member. */
void sio_schedule_ice(struct sio_sock *k);

/* ---- connection state recovery (signaling_sio_recover.c) ---- */

/* On: not no-socketio-recovery, and resume-window not 0. */
bool sio_recovery_on(const struct signaling_sio *app);
/* The one way out of an event: head ("2", or "5<n>-" with n attachments)
 * then the arguments as a JSON array text, to which the offset is added
 * as the last argument when recovery is on (socket.io's adapter does the
 * same); kept in the socket's log, sent when it has a session. */
void sio_send_event(struct sio_sock *k, const char *head, size_t head_len,
		    const char *args, size_t len, const struct room_blob *blobs,
		    size_t n_blobs);
/* A CONNECT accepted: the pid of its reply (made now), "" when off. */
const char *sio_recovery_pid(struct sio_sock *k);
/* A pong came: what was sent before the previous one is surely read. */
void sio_recovery_pong(struct sio_sock *k);
/* Lost without a goodbye: true when k is now held for its client (its
 * member stays in the room, events to it are logged). */
bool sio_recovery_hold(struct sio_sock *k);
/* A CONNECT's {pid, offset}: the held socket they name and whose log
 * covers the offset (no longer held), else NULL (a pid that names a held
 * socket with an offset it cannot serve ends that socket). A pid of a
 * socket still connected (its loss not noticed yet) with an offset it can
 * serve takes it over: its old session is closed as lost first. */
struct sio_sock *sio_recovery_take(struct signaling_sio *app, json_t *auth,
				   uint64_t *offset);
/* Moves k's session onto the held h: h's missed events (after offset) go
 * out, then the CONNECT reply with h's id and pid; k is discarded. */
void sio_recovery_resume(struct sio_sock *k, struct sio_sock *h, uint64_t offset,
			 json_t *auth);
/* A DISCONNECT, or the socket freed: its log and pid go. */
void sio_recovery_reset(struct sio_sock *k);
/* Once a second: held sockets whose window passed (or log overflowed)
 * leave their room (the others get bye) and are freed. */
void sio_recovery_cron(struct signaling_sio *app);
/* Shutdown: every held socket freed (no bye: the server is going). */
void sio_recovery_free_all(struct signaling_sio *app);

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
