/* The console listener: one request per connection (Connection: close),
 * a bounded head and body, the security headers on every answer, and the
 * routes. Every change (POST) needs a same-origin request and, but for the
 * login, the session's CSRF token in X-CSRF-Token. */
#include "console/console_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "conf/conf.h"
#include "http/http.h"
#include "tls/tls.h"
#include "util/errors.h"
#include "util/hex.h"
#include "util/log.h"

#define CONSOLE_CONNS_MAX 64
#define CONSOLE_TIMEOUT_S 10

static void header_value(const char *head, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);
	const char *p = strstr(head, "\r\n");

	out[0] = '\0';
	while (p && p[2] != '\r') {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1, *e = strstr(v, "\r\n");
			size_t len;

			v += strspn(v, " \t");
			len = e ? (size_t)(e - v) : strlen(v);
			if (len < outlen) {
				memcpy(out, v, len);
				out[len] = '\0';
			}
			return;
		}
		p = strstr(p, "\r\n");
	}
}

bool console_form_field(const char *body, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name), o = 0;
	const char *p = body;

	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == '=') {
			for (p += n + 1; *p && *p != '&'; p++) {
				int ch = (unsigned char)*p;

				if (ch == '+')
					ch = ' ';
				else if (ch == '%') {
					/* Exactly two hex digits (strtol would take
					 * a sign or blanks); no NUL byte. */
					int hi = p[1] ? hex_digit(p[1], true) : -1;
					int lo = hi >= 0 && p[2] ? hex_digit(p[2], true)
								 : -1;

					if (lo < 0 || (hi | lo) == 0)
						return false;
					ch = hi << 4 | lo;
					p += 2;
				}
				if (o + 1 >= outlen)
					return false;
				out[o++] = (char)ch;
			}
			out[o] = '\0';
			return true;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
	return false;
}

void console_answer(struct bufferevent *bev, struct console_conn *cc, int status,
		    const char *type, struct evbuffer *body, const char *extra)
{
	struct evbuffer *out = bufferevent_get_output(bev);

	/* The page loads nothing from elsewhere and runs no inline script:
	 * CSP default-src 'self' holds; no framing (clickjacking). */
	evbuffer_add_printf(out,
			    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			    "Content-Length: %zu\r\nConnection: close\r\n"
			    "Cache-Control: no-store\r\n"
			    "Content-Security-Policy: default-src 'self'; "
			    "frame-ancestors 'none'; form-action 'self'\r\n"
			    "X-Frame-Options: DENY\r\nX-Content-Type-Options: nosniff\r\n"
			    "Referrer-Policy: no-referrer\r\n%s\r\n",
			    status, http_status_text(status), type,
			    body ? evbuffer_get_length(body) : 0, extra ? extra : "");
	if (body)
		evbuffer_add_buffer(out, body);
	cc->done = true;
	bufferevent_disable(bev, EV_READ);
}

static void conn_free(struct bufferevent *bev, struct console_conn *cc)
{
	struct console *c = cc->c;

	if (cc->prev)
		cc->prev->next = cc->next;
	else
		c->live = cc->next;
	if (cc->next)
		cc->next->prev = cc->prev;
	c->conns--;
	free(cc);
	bufferevent_free(bev);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct console_conn *cc = arg;

	if (cc->done && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(bev, cc);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	/* A TLS handshake done is no end; EOF, errors and timeouts are. */
	if (what & BEV_EVENT_CONNECTED)
		return;
	conn_free(bev, arg);
}

void console_text(struct bufferevent *bev, struct console_conn *cc, int status,
		  const char *text)
{
	struct evbuffer *b = evbuffer_new();

	if (b)
		evbuffer_add_printf(b, "%s\n", text);
	console_answer(bev, cc, status, "text/plain; charset=utf-8", b, NULL);
	evbuffer_free(b);
}

/* Reads a whole request (head, then Content-Length bytes) and routes it. */
static void read_cb(struct bufferevent *bev, void *arg)
{
	struct console_conn *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in), hl;
	uint8_t *p;
	struct console_req *r;

	if (cc->done)
		return;
	p = evbuffer_pullup(in, (ssize_t)(len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX));
	hl = p ? http_head_length(p, len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX) : 0;
	if (!hl) {
		if (len >= HTTP_HEAD_MAX)
			console_text(bev, cc, 431, "request head too large");
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		console_text(bev, cc, 503, "out of memory");
		return;
	}
	if (http_parse_head(p, hl, &r->h) < 0 || r->h.chunked ||
	    r->h.content_length > CONSOLE_BODY_MAX) {
		console_text(bev, cc, 400, "bad request");
	} else if (len >= hl + r->h.content_length) {
		char head[HTTP_HEAD_MAX + 1];

		memcpy(head, p, hl);
		head[hl] = '\0';
		header_value(head, "Cookie", r->cookie, sizeof(r->cookie));
		header_value(head, "X-CSRF-Token", r->csrf, sizeof(r->csrf));
		header_value(head, "Sec-Fetch-Site", r->fetch_site,
			     sizeof(r->fetch_site));
		evbuffer_drain(in, hl);
		evbuffer_remove(in, r->body, (size_t)r->h.content_length);
		r->client = cc->client;
		console_route(cc->c, r, bev, cc);
	}
	free(r);
}

/* A plain or TLS bufferevent for fd; NULL (fd closed by the caller) on
 * failure. */
static struct bufferevent *console_bev(struct console *c, evutil_socket_t fd)
{
	SSL *ssl;
	struct bufferevent *bev;

	if (!c->tls)
		return bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	ssl = SSL_new(c->tls);
	if (!ssl)
		return NULL;
	bev = bufferevent_openssl_socket_new(c->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		SSL_free(ssl);
	return bev;
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct console *c = arg;
	struct timeval timeout = { CONSOLE_TIMEOUT_S, 0 };
	struct console_conn *cc;
	struct bufferevent *bev;

	if (c->conns >= CONSOLE_CONNS_MAX || !(cc = calloc(1, sizeof(*cc)))) {
		evutil_closesocket(fd);
		return;
	}
	bev = console_bev(c, fd);
	if (!bev || addr_from_sockaddr(&cc->client, sa, (size_t)salen) < 0) {
		free(cc);
		if (bev)
			bufferevent_free(bev);
		else
			evutil_closesocket(fd);
		return;
	}
	cc->c = c;
	cc->bev = bev;
	cc->next = c->live;
	if (c->live)
		c->live->prev = cc;
	c->live = cc;
	c->conns++;
	bufferevent_setcb(bev, read_cb, write_cb, event_cb, cc);
	bufferevent_set_timeouts(bev, &timeout, &timeout);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct console *console_new(struct event_base *base, const struct conf *conf,
			    struct auth_store *store, const struct console_ops *ops,
			    char *err, size_t errlen)
{
	struct console *c = calloc(1, sizeof(*c));
	struct auth_limits lim = { CONSOLE_BRAKE, CONSOLE_BRAKE, 0 };
	char text[ADDR_STR_MAX];
	struct tr_addr a;
	unsigned flags =
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;

	snprintf(err, errlen, "out of memory");
	if (!c || !(c->brake = auth_limiter_new(&lim)))
		goto fail;
	c->base = base;
	c->conf = conf;
	c->store = store;
	c->ops = *ops;
	/* HTTPS with the relay's certificate when it has one (coturn's
	 * web-admin needs TLS); the context lives as long as the console. */
	if (conf->cert && conf->pkey &&
	    !(c->tls = tls_ctx_new(conf, TLS_OVER_TCP, err, errlen)))
		goto fail;
	a = conf->web_admin_ip;
	addr_set_port(&a, (uint16_t)conf->web_admin_port);
	if (addr_family(&a) == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	c->lev = evconnlistener_new_bind(base, accept_cb, c, flags, 16, &a.u.sa,
					 (int)addr_len(&a));
	if (!c->lev) {
		snprintf(err, errlen, "cannot listen for the console on %s: %s",
			 addr_to_str(&a, text, sizeof(text)), strerror(errno));
		goto fail;
	}
	log_info("console on %s://%s/", c->tls ? "https" : "http",
		 addr_to_str(&a, text, sizeof(text)));
	if (!c->tls && !addr_is_loopback(&a))
		log_warn("web-admin-ip is not loopback: the console is plain HTTP; "
			 "passwords and cookies cross the network in clear");
	if (!store)
		log_warn("console: no userdb, so no admin user can log in");
	return c;
fail:
	console_free(c);
	return NULL;
}

void console_reload_commit(struct console *c, const struct conf *conf,
			   struct auth_store *store)
{
	c->conf = conf;
	c->store = store;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	if (c->lev)
		evconnlistener_free(c->lev);
	while (c->live)
		conn_free(c->live->bev, c->live);
	auth_limiter_free(c->brake);
	SSL_CTX_free(c->tls);
	free(c);
}
