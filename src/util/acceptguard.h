/* What a TCP or unix listener does when accept() fails for want of
 * descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): libevent would
 * call it again at once, forever, each time logging a line. The guard
 * pauses its listeners instead and resumes them from a timer, backing off
 * from 100 ms to 1 s while the shortage lasts; one log line per pause. */
#ifndef TR_ACCEPTGUARD_H
#define TR_ACCEPTGUARD_H

#include <stdint.h>

struct event_base;
struct evconnlistener;
struct accept_guard;

/* what names the listeners in log lines ("front door", "control socket";
 * borrowed, a string literal). NULL on allocation failure. Caller frees,
 * before the listeners it guards. */
struct accept_guard *accept_guard_new(struct event_base *base, const char *what);
void accept_guard_free(struct accept_guard *g);
/* Guards lev (borrowed; remove it before freeing it): every listener
 * added is paused together. 0 or TR_ENOMEM. */
int accept_guard_add(struct accept_guard *g, struct evconnlistener *lev);
/* To be called from the listeners' error callback (evconnlistener_set_error_cb;
 * libevent hands that callback the listener's own argument, not ours). */
void accept_guard_on_error(struct accept_guard *g);
/* A connection was accepted: the shortage is over, back off from 100 ms. */
void accept_guard_accepted(struct accept_guard *g);
/* Pauses so far (metrics). */
uint64_t accept_guard_pauses(const struct accept_guard *g);

#endif
