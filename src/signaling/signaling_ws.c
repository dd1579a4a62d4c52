/* WebSocket framing with wslay over the connection's bufferevent (the h2o
 * pattern): wslay reads from the input evbuffer and writes to the output
 * one; we set the limits wslay leaves open (message size, output queue). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "conf/conf.h"
#include "signaling/signaling_internal.h"
#include "util/errors.h"
#include "util/log.h"

/* The kernel's send buffer of a WebSocket: signaling is small, and an
 * autotuned buffer would hold up to net.ipv4.tcp_wmem's maximum (4 MB)
 * for a client that does not read, outside any budget of ours. */
#define WS_SNDBUF (64 * 1024)

/* RFC 6455 1.3 */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

void signaling_ws_accept_key(const char *key, char out[29])
{
	unsigned char digest[SHA_DIGEST_LENGTH];
	char joined[64 + sizeof(WS_GUID)];
	int n = snprintf(joined, sizeof(joined), "%.64s%s", key, WS_GUID);

	EVP_Digest(joined, (size_t)n, digest, NULL, EVP_sha1(), NULL);
	EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
}

/* RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF. */
bool signaling_utf8_valid(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t b = p[i];
		size_t n;
		uint32_t cp;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xC2 && b <= 0xDF) {
			n = 1;
			cp = b & 0x1F;
		} else if (b >= 0xE0 && b <= 0xEF) {
			n = 2;
			cp = b & 0x0F;
		} else if (b >= 0xF0 && b <= 0xF4) {
			n = 3;
			cp = b & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

static ssize_t ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
		       void *user)
{
	struct signaling_conn *c = user;
	int n = evbuffer_remove(bufferevent_get_input(c->bev), buf, len);

	if (n <= 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	return n;
}

static ssize_t ws_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
		       int flags, void *user)
{
	struct signaling_conn *c = user;
	struct signaling_server *s = c->server;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t queued = evbuffer_get_length(out);
	char peer[ADDR_STR_MAX];

	/* wslay's own queue is unbounded and drains into ours at once; a peer
	 * that does not read is cut off here instead of growing our memory.
	 * Signaling is small: ws-max-output holds many offers, and the cap has
	 * room for one more legal event on top, so that a member that reads
	 * is never cut for what another may send (signaling_output_cap). */
	if (queued + len > signaling_output_cap(s->conf, s->conf->ws_max_output)) {
		s->counters.slow_closed++;
		log_warn_limited(&s->slow_log,
				 "WebSocket %s does not read: %zu bytes queued, over "
				 "ws-max-output; disconnected",
				 addr_to_str(&c->peer, peer, sizeof(peer)), queued);
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	if (evbuffer_add(out, data, len)) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static void ws_on_msg(wslay_event_context_ptr ctx,
		      const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct signaling_conn *c = user;

	if (c->dead || wslay_event_get_close_sent(ctx))
		return;
	if (arg->opcode == WSLAY_TEXT_FRAME) {
		if (!signaling_utf8_valid(arg->msg, arg->msg_length)) {
			signaling_ws_close(c, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA,
					   "invalid UTF-8");
			return;
		}
		signaling_proto_on_text(c, arg->msg, arg->msg_length);
	} else if (arg->opcode == WSLAY_BINARY_FRAME) {
		signaling_ws_close(c, WSLAY_CODE_UNSUPPORTED_DATA, "text frames only");
	}
}

int signaling_ws_start(struct signaling_conn *c)
{
	struct wslay_event_callbacks cb = { .recv_callback = ws_recv,
					    .send_callback = ws_send,
					    .on_msg_recv_callback = ws_on_msg };

	if (wslay_event_context_server_init(&c->ws, &cb, c))
		return TR_ENOMEM;
	wslay_event_config_set_max_recv_msg_length(c->ws,
						   c->server->conf->ws_max_message);
	setsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_SNDBUF, &(int){ WS_SNDBUF },
		   sizeof(int));
	c->state = SIG_WEBSOCKET;
	signaling_rate_init(c->server, &c->rate);
	c->unjoined_since_ms = c->server->now_ms;
	c->server->counters.ws_opened++;
	c->room_peer = room_peer_new(c->server->rooms, signaling_proto_deliver, c);
	return c->room_peer ? 0 : TR_ENOMEM;
}

/* After wslay has read or queued: write out, and close when it is done
 * in both directions (close handshake finished, or an error). */
static void ws_flush(struct signaling_conn *c)
{
	if (c->dead)
		return;
	if (wslay_event_send(c->ws) != 0) {
		signaling_conn_close(c);
		return;
	}
	if (!wslay_event_want_read(c->ws) && !wslay_event_want_write(c->ws))
		signaling_conn_close_after_flush(c);
}

void signaling_ws_on_read(struct signaling_conn *c)
{
	if (wslay_event_recv(c->ws) != 0) {
		signaling_conn_close(c);
		return;
	}
	ws_flush(c);
}

void signaling_ws_send_text(struct signaling_conn *c, const char *text, size_t len)
{
	struct wslay_event_msg msg = { WSLAY_TEXT_FRAME, (const uint8_t *)text, len };

	if (c->dead || c->state != SIG_WEBSOCKET || wslay_event_get_close_sent(c->ws))
		return;
	if (wslay_event_queue_msg(c->ws, &msg) == 0)
		c->server->counters.messages_out++;
	ws_flush(c);
}

void signaling_ws_close(struct signaling_conn *c, uint16_t code, const char *reason)
{
	if (c->dead || c->state != SIG_WEBSOCKET)
		return;
	log_debug("closing WebSocket with %u (%s)", code, reason);
	wslay_event_queue_close(c->ws, code, (const uint8_t *)reason, strlen(reason));
	wslay_event_shutdown_read(c->ws);
	ws_flush(c);
}

void signaling_ws_ping(struct signaling_conn *c)
{
	struct wslay_event_msg msg = { WSLAY_PING, NULL, 0 };

	if (c->dead || c->state != SIG_WEBSOCKET)
		return;
	wslay_event_queue_msg(c->ws, &msg);
	ws_flush(c);
}

void signaling_ws_free(struct signaling_conn *c)
{
	if (c->ws)
		wslay_event_context_free(c->ws);
	c->ws = NULL;
}
