/* The metrics listener (coturn's prometheus, prometheus-port 9641,
 * prometheus-address): GET /metrics in Prometheus text format, on an
 * address of its own, loopback by default, so that counters never face the
 * room server's public port. One request per connection; everything but
 * /metrics is 404. A small server of its own: it must work without the
 * room server (http-port=0) and stay cheap when scraped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "conf/conf.h"
#include "front/front.h"
#include "util/acceptguard.h"
#include "util/errors.h"
#include "util/log.h"

#define METRICS_HEAD_MAX 4096
#define METRICS_TIMEOUT_S 5
#define METRICS_CONNS_MAX 16

struct front_metrics {
	struct evconnlistener *lev;
	struct accept_guard *guard;
	front_metrics_fn fn;
	void *ctx;
	unsigned conns;
	struct metrics_conn *live;
};

struct metrics_conn {
	struct front_metrics *m;
	struct bufferevent *bev;
	struct metrics_conn *prev, *next;
};

static void conn_done(struct bufferevent *bev, struct metrics_conn *mc)
{
	struct front_metrics *m = mc->m;

	m->conns--;
	if (mc->prev)
		mc->prev->next = mc->next;
	else
		m->live = mc->next;
	if (mc->next)
		mc->next->prev = mc->prev;
	bufferevent_free(bev);
	free(mc);
}

static void write_done_cb(struct bufferevent *bev, void *arg)
{
	conn_done(bev, arg);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	conn_done(bev, arg);
}

static void respond(struct bufferevent *bev, struct metrics_conn *mc, int status,
		    struct evbuffer *body, bool head_only)
{
	struct evbuffer *out = bufferevent_get_output(bev);

	evbuffer_add_printf(
		out,
		"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
		status,
		status == 200   ? "OK"
		: status == 404 ? "Not Found"
				: "Error",
		status == 200 ? "text/plain; version=0.0.4; charset=utf-8"
			      : "text/plain; charset=utf-8",
		evbuffer_get_length(body));
	if (!head_only)
		evbuffer_add_buffer(out, body);
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, write_done_cb, event_cb, mc);
}

/* Only the request line matters: "GET /metrics HTTP/1.1" (a query string
 * allowed), or HEAD. */
static void read_cb(struct bufferevent *bev, void *arg)
{
	struct metrics_conn *mc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	struct evbuffer *body;
	char line[64] = "";
	bool head;
	int status = 404;

	if (end.pos < 0) {
		if (evbuffer_get_length(in) > METRICS_HEAD_MAX)
			conn_done(bev, mc);
		return;
	}
	evbuffer_copyout(in, line, sizeof(line) - 1);
	line[strcspn(line, "\r\n")] = '\0';
	head = !strncmp(line, "HEAD ", 5);
	if (!strncmp(line, "GET /metrics", 12) || !strncmp(line, "HEAD /metrics", 13)) {
		const char *rest = line + (head ? 13 : 12);

		if (*rest == ' ' || *rest == '?')
			status = 200;
	}
	body = evbuffer_new();
	if (!body) {
		conn_done(bev, mc);
		return;
	}
	if (status == 200)
		mc->m->fn(mc->m->ctx, body);
	else
		evbuffer_add_printf(body, "not found\n");
	respond(bev, mc, status, body, head);
	evbuffer_free(body);
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct front_metrics *m = arg;
	struct timeval timeout = { METRICS_TIMEOUT_S, 0 };
	struct metrics_conn *mc;
	struct bufferevent *bev;

	accept_guard_accepted(m->guard);
	if (m->conns >= METRICS_CONNS_MAX || !(mc = calloc(1, sizeof(*mc)))) {
		evutil_closesocket(fd);
		return;
	}
	bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
				     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		free(mc);
		evutil_closesocket(fd);
		return;
	}
	mc->m = m;
	mc->bev = bev;
	mc->next = m->live;
	if (m->live)
		m->live->prev = mc;
	m->live = mc;
	m->conns++;
	bufferevent_setcb(bev, read_cb, NULL, event_cb, mc);
	bufferevent_set_timeouts(bev, &timeout, &timeout);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct front_metrics *m = arg;

	accept_guard_on_error(m->guard);
}

struct front_metrics *front_metrics_new(struct event_base *base, const struct conf *conf,
					front_metrics_fn fn, void *ctx, char *err,
					size_t errlen)
{
	struct front_metrics *m = calloc(1, sizeof(*m));
	char text[ADDR_STR_MAX];
	struct tr_addr a;
	unsigned flags =
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;

	snprintf(err, errlen, "out of memory");
	if (!m || !(m->guard = accept_guard_new(base, "metrics listener")))
		goto fail;
	m->fn = fn;
	m->ctx = ctx;
	a = conf->prometheus_address;
	addr_set_port(&a, (uint16_t)conf->prometheus_port);
	if (addr_family(&a) == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	m->lev = evconnlistener_new_bind(base, accept_cb, m, flags, 16, &a.u.sa,
					 (int)addr_len(&a));
	if (!m->lev) {
		snprintf(err, errlen, "cannot listen for metrics on %s: %s",
			 addr_to_str(&a, text, sizeof(text)), strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(m->lev, accept_error_cb);
	if (accept_guard_add(m->guard, m->lev))
		goto fail;
	log_info("metrics on http://%s/metrics", addr_to_str(&a, text, sizeof(text)));
	if (!addr_is_loopback(&a))
		log_warn("prometheus-address %s is not loopback: metrics are readable by "
			 "anyone who reaches it",
			 addr_ip_to_str(&a, text, sizeof(text)));
	return m;
fail:
	front_metrics_free(m);
	return NULL;
}

void front_metrics_free(struct front_metrics *m)
{
	if (!m)
		return;
	while (m->live)
		conn_done(m->live->bev, m->live);
	if (m->lev)
		evconnlistener_free(m->lev);
	accept_guard_free(m->guard);
	free(m);
}
