/* Pausing listeners out of descriptors: see acceptguard.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "util/acceptguard.h"
#include "util/errors.h"
#include "util/log.h"

#define GUARD_BACKOFF_MIN_MS 100
#define GUARD_BACKOFF_MAX_MS 1000

struct accept_guard {
	const char *what;
	struct evconnlistener **levs;
	size_t n_levs;
	struct event *resume;
	unsigned backoff_ms;
	bool paused;
	uint64_t pauses;
	struct log_limit log;
};

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct accept_guard *g = arg;

	g->paused = false;
	for (size_t i = 0; i < g->n_levs; i++)
		evconnlistener_enable(g->levs[i]);
}

static bool is_shortage(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

void accept_guard_on_error(struct accept_guard *g)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv;

	if (!is_shortage(err)) {
		log_warn_limited(&g->log, "%s: accept failed: %s", g->what,
				 strerror(err));
		return;
	}
	if (g->paused)
		return;
	for (size_t i = 0; i < g->n_levs; i++)
		evconnlistener_disable(g->levs[i]);
	g->paused = true;
	g->pauses++;
	tv.tv_sec = g->backoff_ms / 1000;
	tv.tv_usec = (g->backoff_ms % 1000) * 1000;
	log_warn_limited(&g->log, "%s: accept failed (%s): not accepting for %u ms",
			 g->what, strerror(err), g->backoff_ms);
	evtimer_add(g->resume, &tv);
	if (g->backoff_ms < GUARD_BACKOFF_MAX_MS)
		g->backoff_ms = g->backoff_ms * 2 > GUARD_BACKOFF_MAX_MS
					? GUARD_BACKOFF_MAX_MS
					: g->backoff_ms * 2;
}

struct accept_guard *accept_guard_new(struct event_base *base, const char *what)
{
	struct accept_guard *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->what = what;
	g->backoff_ms = GUARD_BACKOFF_MIN_MS;
	g->resume = evtimer_new(base, resume_cb, g);
	if (!g->resume) {
		free(g);
		return NULL;
	}
	return g;
}

void accept_guard_free(struct accept_guard *g)
{
	if (!g)
		return;
	event_free(g->resume);
	free(g->levs);
	free(g);
}

int accept_guard_add(struct accept_guard *g, struct evconnlistener *lev)
{
	struct evconnlistener **grown =
		realloc(g->levs, (g->n_levs + 1) * sizeof(*grown));

	if (!grown)
		return TR_ENOMEM;
	g->levs = grown;
	g->levs[g->n_levs++] = lev;
	return 0;
}

void accept_guard_accepted(struct accept_guard *g)
{
	g->backoff_ms = GUARD_BACKOFF_MIN_MS;
}

uint64_t accept_guard_pauses(const struct accept_guard *g)
{
	return g->pauses;
}
