/* HTTP on the room server: one request per connection (Connection:
 * close), the routes of the web client, and the WebSocket upgrade. */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "conf/conf.h"
#include "http/http.h"
#include "signaling/signaling_health.h"
#include "signaling/signaling_internal.h"
#include "util/escape.h"
#include "util/log.h"

void signaling_http_respond(struct signaling_conn *c, int status,
			    const char *content_type, const void *body, size_t len,
			    bool head_only)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out,
			    "HTTP/1.1 %d %s\r\n"
			    "Content-Type: %s\r\n"
			    "Content-Length: %zu\r\n"
			    "Cache-Control: no-cache\r\n"
			    "X-Content-Type-Options: nosniff\r\n"
			    "%s"
			    "Connection: close\r\n\r\n",
			    status, http_status_text(status), content_type, len,
			    status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (!head_only && len)
		evbuffer_add(out, body, len);
	signaling_conn_close_after_flush(c);
}

static void respond_text(struct signaling_conn *c, int status, const char *text)
{
	signaling_http_respond(c, status, "text/plain; charset=utf-8", text, strlen(text),
			       false);
}

/* The Host header without its port: "[::1]:8080" -> "[::1]",
 * "example.org:8080" -> "example.org". */
void signaling_host_without_port(const char *host, char *out, size_t outlen)
{
	const char *end = NULL;

	if (host[0] == '[')
		end = strchr(host, ']') ? strchr(host, ']') + 1 : NULL;
	else if (strchr(host, ':') == strrchr(host, ':'))
		end = strchr(host, ':');
	snprintf(out, outlen, "%.*s", end ? (int)(end - host) : (int)strlen(host), host);
}

static bool origin_allowed(const struct conf *conf, const char *origin)
{
	if (!conf->allowed_origins.n)
		return true;
	for (size_t i = 0; i < conf->allowed_origins.n; i++)
		if (!strcmp(conf->allowed_origins.items[i], origin))
			return true;
	return false;
}

/* RFC 6455 4.2: validate the handshake, answer 101, hand over to wslay. */
static void upgrade(struct signaling_conn *c, const struct http_request *req)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char accept[29];

	if (!req->upgrade_websocket || req->ws_version != 13 ||
	    strlen(req->ws_key) != 24) {
		respond_text(c, 400, "WebSocket upgrade expected (version 13)\n");
		return;
	}
	if (!origin_allowed(c->server->conf, req->origin)) {
		char origin[ESC_LOG_LEN];

		log_info("WebSocket from origin '%s' refused",
			 esc_str(origin, sizeof(origin), req->origin));
		respond_text(c, 403, "origin not allowed\n");
		return;
	}
	signaling_ws_accept_key(req->ws_key, accept);
	evbuffer_add_printf(out,
			    "HTTP/1.1 101 Switching Protocols\r\n"
			    "Upgrade: websocket\r\n"
			    "Connection: Upgrade\r\n"
			    "Sec-WebSocket-Accept: %s\r\n\r\n",
			    accept);
	signaling_host_without_port(req->host, c->host, sizeof(c->host));
	if (signaling_ws_start(c)) {
		signaling_conn_close(c);
		return;
	}
	/* Frames may have arrived right behind the head. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)))
		signaling_ws_on_read(c);
}

static void route(struct signaling_conn *c, const struct http_request *req)
{
	const uint8_t *body;
	const char *type;
	size_t len;
	bool head = http_method_is_head(req->method);

	c->server->counters.http_requests++;
	if (signaling_sio_route(c, req))
		return;
	if (!http_method_is_get(req->method) && !head) {
		respond_text(c, 405, "method not allowed\n");
		return;
	}
	if (!strcmp(req->path, "/ws")) {
		upgrade(c, req);
		return;
	}
	if (!strcmp(req->path, "/metrics")) {
		signaling_metrics_respond(c, req, head);
		return;
	}
	if (!strcmp(req->path, "/healthz")) {
		signaling_health_respond(c, head);
		return;
	}
	body = signaling_web_file(req->path, &len, &type);
	if (!body) {
		respond_text(c, 404, "not found\n");
		return;
	}
	signaling_http_respond(c, 200, type, body, len, head);
}

void signaling_http_on_read(struct signaling_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t have = evbuffer_get_length(in);
	size_t scan = have < HTTP_HEAD_MAX ? have : HTTP_HEAD_MAX;
	const uint8_t *p = evbuffer_pullup(in, (ssize_t)scan);
	size_t head_len = http_head_length(p, scan);
	struct http_request req;

	if (!head_len) {
		if (have >= HTTP_HEAD_MAX)
			respond_text(c, 431, "request head too large\n");
		return;
	}
	if (http_parse_head(p, head_len, &req)) {
		evbuffer_drain(in, head_len);
		respond_text(c, 400, "malformed request\n");
		return;
	}
	evbuffer_drain(in, head_len);
	route(c, &req);
}
