/* The control socket's server side: accepts local connections, reads one
 * command line (bounded), answers through struct ctl_ops, closes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "ctl/ctl.h"
#include "util/acceptguard.h"
#include "util/errors.h"
#include "util/log.h"

#define CTL_LINE_MAX 1024

struct ctl_server {
	struct evconnlistener *lev;
	struct accept_guard *guard; /* out of descriptors: pause, not spin */
	struct ctl_ops ops;
	char *path;
};

static void finish(struct bufferevent *bev, void *arg)
{
	bufferevent_free(bev);
}

static void close_when_flushed(struct bufferevent *bev)
{
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, finish, NULL, NULL);
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static int run_command(struct ctl_server *c, char *line, struct evbuffer *out, char *err,
		       size_t errlen)
{
	char *arg = strchr(line, ' ');

	if (arg)
		*arg++ = '\0';
	if (!strcmp(line, "sessions") && !arg)
		return c->ops.sessions(c->ops.ctx, out, err, errlen);
	if (!strcmp(line, "status") && !arg)
		return c->ops.status(c->ops.ctx, out, err, errlen);
	if (!strcmp(line, "reload") && !arg)
		return c->ops.reload(c->ops.ctx, out, err, errlen);
	if (!strcmp(line, "disconnect") && arg && *arg)
		return c->ops.disconnect(c->ops.ctx, arg, out, err, errlen);
	if (!strcmp(line, "drain") && !arg && c->ops.drain)
		return c->ops.drain(c->ops.ctx, out, err, errlen);
	snprintf(err, errlen,
		 "unknown command (sessions, status, reload, disconnect USER, drain)");
	return TR_EINVAL;
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_server *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	char err[256] = "failed";
	size_t len;
	char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);

	if (!line) {
		if (evbuffer_get_length(in) > CTL_LINE_MAX) {
			evbuffer_add_printf(out, "ERR command line too long\n");
			close_when_flushed(bev);
		}
		return;
	}
	if (run_command(c, line, out, err, sizeof(err)))
		evbuffer_add_printf(out, "ERR %s\n", err);
	else
		evbuffer_add_printf(out, "OK\n");
	free(line);
	close_when_flushed(bev);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct ctl_server *c = arg;

	accept_guard_on_error(c->guard);
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct ctl_server *c = arg;
	struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
							 BEV_OPT_CLOSE_ON_FREE);

	accept_guard_accepted(c->guard);
	if (!bev) {
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(bev, read_cb, NULL, event_cb, arg);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct ctl_server *ctl_server_new(struct event_base *base, const char *path,
				  const struct ctl_ops *ops)
{
	struct ctl_server *c = calloc(1, sizeof(*c));
	struct sockaddr_un sun;
	mode_t old_mask;

	if (!c)
		return NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control-socket path too long: %s", path);
		free(c);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	c->ops = *ops;
	c->path = strdup(path);
	c->guard = accept_guard_new(base, "control socket");
	unlink(path);
	/* 0600 from the start: no window in which others could connect. */
	old_mask = umask(0177);
	c->lev = evconnlistener_new_bind(base, accept_cb, c,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
					 16, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (!c->lev || !c->path || !c->guard || accept_guard_add(c->guard, c->lev)) {
		log_err("cannot listen on control socket %s: %s", path, strerror(errno));
		ctl_server_free(c);
		return NULL;
	}
	evconnlistener_set_error_cb(c->lev, accept_error_cb);
	log_info("control socket %s", path);
	return c;
}

void ctl_server_free(struct ctl_server *c)
{
	if (!c)
		return;
	if (c->lev) {
		evconnlistener_free(c->lev);
		unlink(c->path);
	}
	accept_guard_free(c->guard);
	free(c->path);
	free(c);
}
