/* The WebSocket of the Socket.IO endpoint: RFC 6455 frames read in place
 * from the connection's input evbuffer and written straight to its
 * output, so an idle connection holds no frame buffers (wslay keeps
 * 8.7 KB per context; see eio_ws_codec.c). Messages go to the Engine.IO
 * session; pings, closes and fragments are handled here. */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conf/conf.h"
#include "eio/eio.h"
#include "signaling/signaling_internal.h"
#include "util/log.h"

/* RFC 6455 7.4.1 status codes. */
#define WS_PROTOCOL_ERROR 1002
#define WS_INVALID_DATA 1007
#define WS_TOO_BIG 1009

/* On a plain TCP connection the frame is written at once: libevent would
 * otherwise arm the write event (epoll_ctl), wake up again, write, and
 * disarm it (epoll_ctl) for every message relayed. What the socket does
 * not take is left to libevent's write event. */
static void write_now(struct signaling_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->tls || !c->eio_direct_write)
		return;
	/* A socket bufferevent freezes the start of its output for everyone
	 * but its own write callback: thaw it for this write, as that
	 * callback does. */
	evbuffer_unfreeze(out, 1);
	evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	/* Anything left (EAGAIN, a partial write, an error) is libevent's to
	 * write or to report through the event callback. */
	if (evbuffer_get_length(out))
		bufferevent_enable(c->bev, EV_WRITE);
}

void signaling_sio_ws_start_direct(struct signaling_conn *c)
{
	if (c->tls)
		return;
	c->eio_direct_write = true;
	bufferevent_disable(c->bev, EV_WRITE);
	write_now(c); /* the 101 and the open packet */
}

static void send_frame(struct signaling_conn *c, enum eio_ws_opcode op, const void *p,
		       size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t head[10];
	size_t h;

	if (c->dead || c->eio_close_sent)
		return;
	/* A client that does not read is cut off, not buffered for: ws-max-output
	 * beyond one legal room event (signaling_output_cap, as on /ws). */
	if (evbuffer_get_length(out) + len + sizeof(head) >
	    signaling_output_cap(c->server->conf, c->server->conf->ws_max_output)) {
		log_info(
			"Socket.IO WebSocket: %zu bytes queued for a client that does not "
			"read: closed",
			evbuffer_get_length(out));
		signaling_conn_close(c);
		return;
	}
	h = eio_ws_head_write(head, op, len);
	evbuffer_add(out, head, h);
	if (len)
		evbuffer_add(out, p, len);
	write_now(c);
}

void signaling_sio_ws_send(struct signaling_conn *c, bool binary, const void *p,
			   size_t len)
{
	send_frame(c, binary ? EIO_WS_BINARY : EIO_WS_TEXT, p, len);
	c->server->counters.messages_out++;
}

void signaling_sio_ws_close(struct signaling_conn *c, uint16_t code)
{
	uint8_t payload[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	if (c->dead || c->state == SIG_CLOSING)
		return;
	send_frame(c, EIO_WS_CLOSE, payload, sizeof(payload));
	c->eio_close_sent = true;
	c->eio_direct_write = false;
	bufferevent_enable(c->bev, EV_WRITE); /* the flush below needs it */
	signaling_conn_close_after_flush(c);
}

static void message(struct signaling_conn *c, uint8_t op, const uint8_t *p, size_t len)
{
	if (op == EIO_WS_TEXT && !signaling_utf8_valid(p, len)) {
		signaling_sio_ws_close(c, WS_INVALID_DATA);
		return;
	}
	c->server->counters.messages_in++;
	if (c->eio)
		eio_ws_message(c->eio, c, op == EIO_WS_BINARY, p, len);
}

/* 5.4: a message in fragments, collected up to socketio-max-payload. */
static void fragment(struct signaling_conn *c, const struct eio_ws_frame *f,
		     const uint8_t *p)
{
	uint8_t *grown;

	if ((f->opcode == EIO_WS_CONT) != (c->eio_frag_op != 0)) {
		signaling_sio_ws_close(c, WS_PROTOCOL_ERROR);
		return;
	}
	if (f->opcode != EIO_WS_CONT)
		c->eio_frag_op = f->opcode;
	grown = realloc(c->eio_frag, c->eio_frag_len + f->len + 1);
	if (!grown) {
		signaling_conn_close(c);
		return;
	}
	c->eio_frag = grown;
	if (f->len)
		memcpy(c->eio_frag + c->eio_frag_len, p, f->len);
	c->eio_frag_len += f->len;
	if (!f->fin)
		return;
	message(c, c->eio_frag_op, c->eio_frag, c->eio_frag_len);
	free(c->eio_frag);
	c->eio_frag = NULL;
	c->eio_frag_len = 0;
	c->eio_frag_op = 0;
}

/* The code of our close frame in answer to a client's close frame of n
 * bytes: the same code (5.5.1), 1000 for none, but never a code 7.4 keeps
 * off the wire (1005, 1006, 1015, unassigned ones): an invalid code, a
 * lone byte (5.5.1: a body starts with a 2-byte code) or a reason that is
 * not UTF-8 is answered as a protocol error, as wslay does on /ws. */
static uint16_t close_answer(const uint8_t *p, size_t n)
{
	uint16_t code;

	if (n == 0)
		return 1000;
	if (n == 1)
		return WS_PROTOCOL_ERROR;
	code = (uint16_t)(p[0] << 8 | p[1]);
	if (!((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
	      (code >= 3000 && code <= 4999)))
		return WS_PROTOCOL_ERROR;
	if (!signaling_utf8_valid(p + 2, n - 2))
		return WS_INVALID_DATA;
	return code;
}

static void frame(struct signaling_conn *c, const struct eio_ws_frame *f,
		  const uint8_t *p)
{
	switch (f->opcode) {
	case EIO_WS_PING:
		send_frame(c, EIO_WS_PONG, p, f->len);
		return;
	case EIO_WS_PONG:
		return;
	case EIO_WS_CLOSE:
		c->eio_close_frame = true;
		signaling_sio_ws_close(c, close_answer(p, (size_t)f->len));
		return;
	default:
		break;
	}
	if (f->fin && f->opcode != EIO_WS_CONT && !c->eio_frag_op)
		message(c, f->opcode, p, f->len);
	else
		fragment(c, f, p);
}

void signaling_sio_ws_on_read(struct signaling_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	uint64_t max = c->server->conf->socketio_max_payload;

	while (!c->dead && c->state == SIG_EIO_WS) {
		size_t have = evbuffer_get_length(in), n = have < 14 ? have : 14;
		struct eio_ws_frame f;
		uint8_t head[14];
		uint8_t *p;
		int rc;

		evbuffer_copyout(in, head, n);
		rc = eio_ws_frame_head(head, n, &f);
		if (rc == 0)
			return;
		/* 5.1: a client masks every frame. */
		if (rc < 0 || !f.masked) {
			signaling_sio_ws_close(c, WS_PROTOCOL_ERROR);
			return;
		}
		if (f.len > max || c->eio_frag_len + f.len > max) {
			log_info(
				"Socket.IO WebSocket message over socketio-max-payload: closed");
			if (c->eio)
				eio_session_note_too_large(c->eio);
			signaling_sio_ws_close(c, WS_TOO_BIG);
			return;
		}
		if (have < f.head_len + f.len)
			return;
		p = evbuffer_pullup(in, (ssize_t)(f.head_len + f.len));
		if (!p) {
			signaling_conn_close(c);
			return;
		}
		p += f.head_len;
		eio_ws_unmask(p, (size_t)f.len, f.mask, 0);
		frame(c, &f, p);
		evbuffer_drain(in, f.head_len + (size_t)f.len);
	}
}
