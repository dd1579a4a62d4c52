/* The connection side of the Socket.IO endpoint: requests under
 * socketio-path are handed to the Engine.IO server (src/eio) with their
 * POST body, answered with HTTP/1.1 keep-alive (a browser alternates its
 * polls over its connections), held as long polls, or upgraded to a
 * WebSocket that carries Engine.IO packets. A POST is checked from its
 * head before its body is read, and a body in flight counts against
 * signaling-max-queued. */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conf/conf.h"
#include "eio/eio.h"
#include "http/http.h"
#include "signaling/signaling_internal.h"
#include "util/errors.h"
#include "util/log.h"

/* eio_conn_ops.reply: the response, then the next request on the same
 * connection unless the client asked to close. */
static void conn_reply(void *conn, int status, const char *type, const char *extra,
		       const void *body, size_t len)
{
	struct signaling_conn *c = conn;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct evbuffer *in = bufferevent_get_input(c->bev);

	if (c->dead)
		return;
	evbuffer_add_printf(out,
			    "HTTP/1.1 %d %s\r\n"
			    "Content-Type: %s\r\n"
			    "Content-Length: %zu\r\n"
			    "X-Content-Type-Options: nosniff\r\n"
			    "%s"
			    "Connection: %s\r\n\r\n",
			    status, http_status_text(status), type, len,
			    extra ? extra : "",
			    c->eio_keep_alive ? "keep-alive" : "close");
	if (len && !c->eio_head_only)
		evbuffer_add(out, body, len);
	c->eio_head_only = false;
	if (!c->eio_keep_alive) {
		signaling_conn_close_after_flush(c);
		return;
	}
	c->state = SIG_HTTP_HEAD;
	c->opened_ms = c->server->now_ms;
	bufferevent_enable(c->bev, EV_READ);
	/* A pipelined request already here: read it from the loop, not from
	 * inside whichever callback answered this one. */
	if (evbuffer_get_length(in))
		bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
}

static void conn_ws_send(void *conn, bool binary, const void *p, size_t len)
{
	signaling_sio_ws_send(conn, binary, p, len);
}

static void conn_ws_close(void *conn)
{
	signaling_sio_ws_close(conn, 1000);
}

static void conn_detach(void *conn)
{
	((struct signaling_conn *)conn)->eio = NULL;
}

const struct eio_conn_ops signaling_sio_conn_ops = {
	.reply = conn_reply,
	.ws_send = conn_ws_send,
	.ws_close = conn_ws_close,
	.detach = conn_detach,
};

static bool path_is_endpoint(const struct conf *conf, const char *path)
{
	const char *p = conf->socketio_path;
	size_t n = strlen(p);

	/* "/socket.io/" also answers as "/socket.io", as engine.io does. */
	return !strcmp(path, p) || (n > 1 && p[n - 1] == '/' && strlen(path) == n - 1 &&
				    !strncmp(path, p, n - 1));
}

static enum eio_method method_of(unsigned m)
{
	if (http_method_is_get(m))
		return EIO_M_GET;
	if (http_method_is_post(m))
		return EIO_M_POST;
	if (http_method_is_options(m))
		return EIO_M_OPTIONS;
	return EIO_M_OTHER;
}

static void fill_request(struct signaling_conn *c, const struct http_request *req,
			 struct eio_request *er)
{
	memset(er, 0, sizeof(*er));
	signaling_host_without_port(req->host, c->host, sizeof(c->host));
	er->method = method_of(req->method);
	er->query = req->query;
	er->origin = req->origin;
	er->host = c->host;
	er->websocket = req->upgrade_websocket && req->ws_version == 13 &&
			strlen(req->ws_key) == 24;
	er->peer = &c->peer;
	er->body_binary = !strncmp(req->content_type, "application/octet-stream", 24);
}

/* RFC 6455 4.2.2: the 101, then wslay carries Engine.IO packets. */
static void accept_websocket(struct signaling_conn *c, const struct http_request *req,
			     const struct eio_request *er)
{
	struct eio_server *e = signaling_sio_eio(c->server);
	char accept[29];

	signaling_ws_accept_key(req->ws_key, accept);
	evbuffer_add_printf(bufferevent_get_output(c->bev),
			    "HTTP/1.1 101 Switching Protocols\r\n"
			    "Upgrade: websocket\r\n"
			    "Connection: Upgrade\r\n"
			    "Sec-WebSocket-Accept: %s\r\n\r\n",
			    accept);
	c->state = SIG_EIO_WS;
	signaling_sio_ws_start_direct(c);
	c->eio = eio_ws_attach(e, er, c);
	if (!c->eio) {
		signaling_sio_ws_close(c, 1008);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_input(c->bev)))
		signaling_sio_ws_on_read(c);
}

static void dispatch(struct signaling_conn *c, const struct http_request *req,
		     const uint8_t *body, size_t len, bool too_large)
{
	struct eio_request er;
	struct eio_session *held = NULL;

	fill_request(c, req, &er);
	er.body = body;
	er.body_len = len;
	er.body_too_large = too_large;
	er.body_not_utf8 = body && !signaling_utf8_valid(body, len);
	/* A refused upgrade ends its connection, as engine.io's does. */
	c->eio_keep_alive = req->keep_alive && !too_large && !er.websocket;
	c->eio_head_only = false;
	c->state = SIG_HTTP_HELD; /* until reply() puts it back */
	switch (eio_handle(signaling_sio_eio(c->server), &er, c, &held)) {
	case EIO_HELD:
		c->eio = held;
		break;
	case EIO_ACCEPT_WS:
		accept_websocket(c, req, &er);
		break;
	case EIO_ANSWERED:
		break;
	}
}

/* A POST body on its way in: its request head, and for a chunked one the
 * decoder and the data decoded so far. That data, with the input not read
 * yet, counts against signaling-max-queued (signaling_server.c). */
struct signaling_sio_body {
	struct http_request req;
	struct http_chunked dec;
	uint8_t *data;
	size_t len, cap;
	size_t max; /* socketio-max-payload when the head came */
};

/* The body leaves c: read whole, or refused. */
static struct signaling_sio_body *body_take(struct signaling_conn *c)
{
	struct signaling_sio_body *b = c->eio_body;

	c->eio_body = NULL;
	return b;
}

static void body_destroy(struct signaling_sio_body *b)
{
	if (b)
		free(b->data);
	free(b);
}

size_t signaling_sio_body_bytes(const struct signaling_conn *c)
{
	return c->eio_body ? c->eio_body->cap : 0;
}

void signaling_sio_body_free(struct signaling_conn *c)
{
	body_destroy(body_take(c));
}

/* Room for n more decoded bytes (b->len + n never passes max). */
static bool body_room(struct signaling_sio_body *b, size_t n, size_t max)
{
	size_t want = b->len + n, cap = b->cap ? b->cap : 256;
	uint8_t *grown;

	if (b->data && want <= b->cap)
		return true;
	while (cap < want)
		cap *= 2;
	if (cap > max)
		cap = max > want ? max : want;
	grown = realloc(b->data, cap ? cap : 1);
	if (!grown)
		return false;
	b->data = grown;
	b->cap = cap;
	return true;
}

/* A body with Content-Length: read once it is all in the input. */
static void read_body(struct signaling_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t need = (size_t)c->eio_body->req.content_length;
	struct signaling_sio_body *b;
	const uint8_t *body;

	if (evbuffer_get_length(in) < need)
		return;
	body = evbuffer_pullup(in, (ssize_t)need);
	b = body_take(c);
	c->linger_left = 0;
	dispatch(c, &b->req, body, need, false);
	if (!c->dead)
		evbuffer_drain(in, need);
	body_destroy(b);
}

/* Decodes what the input holds of a chunked body (node's http.request
 * without a length sends one), read by read: the input is drained as it
 * is decoded, and the cap is on the data decoded. */
static ssize_t decode_input(struct signaling_conn *c, struct signaling_sio_body *b)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	ssize_t rc = 0;

	while (!b->dec.done && evbuffer_get_length(in)) {
		struct evbuffer_iovec v;
		size_t room, wrote;

		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		/* b->len is dec.total, never past b->max */
		room = v.iov_len < b->max - b->len ? v.iov_len : b->max - b->len;
		if (!body_room(b, room, b->max))
			return TR_ENOMEM;
		rc = http_chunked_feed(&b->dec, v.iov_base, v.iov_len, b->data + b->len,
				       &wrote, b->max);
		if (rc < 0)
			return rc;
		b->len += wrote;
		evbuffer_drain(in, (size_t)rc);
	}
	return rc;
}

static void read_chunked(struct signaling_conn *c)
{
	ssize_t rc = decode_input(c, c->eio_body);
	struct signaling_sio_body *b;

	if (rc >= 0 && !c->eio_body->dec.done)
		return;
	b = body_take(c);
	if (rc == TR_ETRUNC) {
		dispatch(c, &b->req, NULL, 0, true);
	} else if (rc == TR_ENOMEM) {
		signaling_conn_close(c);
	} else if (rc < 0) {
		c->eio_keep_alive = false;
		signaling_http_respond(c, 400, "text/plain; charset=utf-8",
				       "bad chunked body\n", 17, false);
	} else {
		c->linger_left = 0;
		dispatch(c, &b->req, b->data, b->len, false);
	}
	body_destroy(b);
}

void signaling_sio_on_body(struct signaling_conn *c)
{
	/* A held poll's connection may carry the next request, not a
	 * stream: whatever piles up beyond a head's size ends it. */
	if (c->state == SIG_HTTP_HELD) {
		if (evbuffer_get_length(bufferevent_get_input(c->bev)) > HTTP_HEAD_MAX) {
			log_info("Socket.IO: data piling up behind a held poll: closed");
			signaling_conn_close(c);
		}
		return;
	}
	if (c->eio_body && c->eio_body->req.chunked)
		read_chunked(c);
	else if (c->eio_body)
		read_body(c);
}

/* engine.io verifies a request before it reads its body: a POST to no
 * session (or one that is not polling, or from a foreign Origin) is
 * answered from its head, and its connection ends without the body being
 * read. True when the body is wanted. */
static bool post_admitted(struct signaling_conn *c, const struct http_request *req)
{
	struct eio_request er;

	fill_request(c, req, &er);
	c->eio_keep_alive = false;
	c->eio_head_only = false;
	c->state = SIG_HTTP_HELD; /* until reply() ends it */
	if (!eio_post_admit(signaling_sio_eio(c->server), &er, c))
		return false;
	c->state = SIG_HTTP_HEAD;
	return true;
}

/* A POST with a body: checked from its head, then its body read. Until
 * it has been read whole, an answer that ends the connection drops what
 * the client still sends first (signaling_conn_close_after_flush). */
static void start_post(struct signaling_conn *c, const struct http_request *req)
{
	c->linger_left =
		c->server->conf->socketio_max_payload + HTTP_CHUNKED_OVERHEAD_MAX;
	if (!post_admitted(c, req))
		return;
	if (req->content_length > c->server->conf->socketio_max_payload) {
		dispatch(c, req, NULL, 0, true);
		return;
	}
	c->eio_body = calloc(1, sizeof(*c->eio_body));
	if (!c->eio_body) {
		signaling_conn_close(c);
		return;
	}
	c->eio_body->req = *req;
	c->eio_body->max = c->server->conf->socketio_max_payload;
	http_chunked_init(&c->eio_body->dec);
	c->state = SIG_HTTP_BODY;
	signaling_sio_on_body(c);
}

bool signaling_sio_route(struct signaling_conn *c, const struct http_request *req)
{
	const struct conf *conf = c->server->conf;

	if (!c->server->sio)
		return false;
	if (signaling_sio_client_file(c, req))
		return true;
	if (!path_is_endpoint(conf, req->path))
		return false;
	if (http_method_is_post(req->method) && (req->content_length || req->chunked))
		start_post(c, req);
	else
		dispatch(c, req, NULL, 0, false);
	return true;
}

void signaling_sio_conn_closed(struct signaling_conn *c)
{
	struct eio_session *s = c->eio;

	signaling_sio_body_free(c);
	if (!s)
		return;
	c->eio = NULL;
	eio_conn_gone(s, c, c->eio_close_frame);
}
