/* The file descriptor reserve. Every allocation holds a relay socket;
 * left unchecked they use up RLIMIT_NOFILE and then the listeners, the
 * room server and the control socket cannot accept anything. Allocate is
 * refused (508) while fewer than the reserve would stay free.
 *
 * Counting /proc/self/fd costs one readdir per descriptor, so it is done
 * from the cron, at most once a second and only when the estimate is near
 * the reserve (else every 30 s). Between counts the relay sockets made or
 * closed since are added in: other descriptors (connections) drift by at
 * most a second's worth, which the reserve absorbs. */
#include <dirent.h>
#include <sys/resource.h>

#include "conf/conf.h"
#include "turn/turn_internal.h"
#include "turn/turn_tcp_relay.h"
#include "util/log.h"

#define FDS_RESERVE_MIN 64
#define FDS_RECOUNT_NEAR_MS 1000
#define FDS_RECOUNT_FAR_MS 30000

static size_t relay_sockets(const struct turn_server *s)
{
	return alloc_table_count(s->allocs) + s->n_reservations + turn_tcp_relay_fds(s);
}

/* Counts the entries of /proc/self/fd (less the one opendir holds). */
static void fds_count(struct turn_server *s)
{
	struct fd_budget *b = &s->fds;
	struct rlimit rl;
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;
	struct dirent *e;

	b->counted_ms = s->now_ms;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		b->limit = rl.rlim_cur == RLIM_INFINITY ? (size_t)1 << 20
							: (size_t)rl.rlim_cur;
	if (!d)
		return; /* no /proc: keep the estimate */
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	b->open = n ? n - 1 : 0;
	b->relay_at_count = relay_sockets(s);
}

size_t turn_fds_reserve(const struct turn_server *s)
{
	size_t derived = s->fds.limit / 10;

	if (s->conf->fd_reserve)
		return s->conf->fd_reserve;
	return derived > FDS_RESERVE_MIN ? derived : FDS_RESERVE_MIN;
}

static size_t fds_estimate(const struct turn_server *s)
{
	size_t relay = relay_sockets(s);
	const struct fd_budget *b = &s->fds;

	if (relay >= b->relay_at_count)
		return b->open + (relay - b->relay_at_count);
	return b->open > b->relay_at_count - relay ? b->open - (b->relay_at_count - relay)
						   : 0;
}

/* Near: within twice the reserve of the limit. */
static bool fds_near(const struct turn_server *s)
{
	return fds_estimate(s) + 2 * turn_fds_reserve(s) >= s->fds.limit;
}

void turn_fds_tick(struct turn_server *s)
{
	uint64_t period = fds_near(s) ? FDS_RECOUNT_NEAR_MS : FDS_RECOUNT_FAR_MS;

	if (!s->fds.counted_ms || s->now_ms - s->fds.counted_ms >= period)
		fds_count(s);
}

static bool fds_fit(const struct turn_server *s, size_t want)
{
	return fds_estimate(s) + want + turn_fds_reserve(s) <= s->fds.limit;
}

bool turn_fds_exhausted(struct turn_server *s, size_t want)
{
	if (!s->fds.counted_ms)
		fds_count(s);
	if (fds_fit(s, want))
		return false;
	/* Connections may have closed since: a fresh count, once a second. */
	if (s->now_ms - s->fds.counted_ms >= FDS_RECOUNT_NEAR_MS) {
		fds_count(s);
		if (fds_fit(s, want))
			return false;
	}
	s->fds.refused++;
	return true;
}
