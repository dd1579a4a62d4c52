/* Failed-authentication budgets: per source (IPv4 address, IPv6 /64), per
 * username and in total, as token buckets in fixed-size tables. A flood
 * of sources or names costs no memory; a request over budget is dropped
 * unanswered, so a guesser learns nothing and spends its time. */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "util/log.h"

#define LIMIT_SLOTS 4096
#define LIMIT_LOG_EVERY_MS 10000u

/* Failures allowed at once and per minute, in thousandths of one. */
struct bucket {
	uint64_t last_ms;
	uint64_t milli;
};

struct source_slot {
	uint8_t key[17];
	bool used;
	struct bucket b;
};

struct user_slot {
	uint64_t key;
	bool used;
	struct bucket b;
};

struct auth_limiter {
	struct auth_limits lim;
	uint64_t seed;
	struct bucket global;
	uint64_t dropped[AUTH_LIMIT_COUNT];
	uint64_t dropped_logged[AUTH_LIMIT_COUNT];
	uint64_t last_log_ms[AUTH_LIMIT_COUNT];
	struct source_slot sources[LIMIT_SLOTS];
	struct user_slot users[LIMIT_SLOTS];
};

static const char *const limit_name[AUTH_LIMIT_COUNT] = {
	[AUTH_LIMIT_SOURCE] = "per-source",
	[AUTH_LIMIT_USER] = "per-username",
	[AUTH_LIMIT_GLOBAL] = "total",
};

struct auth_limiter *auth_limiter_new(const struct auth_limits *lim)
{
	struct auth_limiter *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	/* The seed keeps an outsider from choosing names that share a slot. */
	if (RAND_bytes((unsigned char *)&l->seed, sizeof(l->seed)) != 1) {
		free(l);
		return NULL;
	}
	l->lim = *lim;
	l->global.milli = (uint64_t)lim->global * 1000u;
	return l;
}

void auth_limiter_free(struct auth_limiter *l)
{
	free(l);
}

void auth_limiter_configure(struct auth_limiter *l, const struct auth_limits *lim)
{
	l->lim = *lim;
}

/* Refills b for a budget of n (n at once, n per minute) up to now. */
static void bucket_refill(struct bucket *b, unsigned n, uint64_t now_ms)
{
	uint64_t full = (uint64_t)n * 1000u;
	uint64_t elapsed = now_ms > b->last_ms ? now_ms - b->last_ms : 0;

	/* n per 60000 ms, in thousandths: elapsed * n * 1000 / 60000. */
	b->milli += elapsed * n / 60u;
	if (b->milli > full)
		b->milli = full;
	b->last_ms = now_ms;
}

static bool bucket_empty(struct bucket *b, unsigned n, uint64_t now_ms)
{
	if (!n)
		return false;
	bucket_refill(b, n, now_ms);
	return b->milli < 1000u;
}

static void bucket_take(struct bucket *b, unsigned n, uint64_t now_ms)
{
	if (!n)
		return;
	bucket_refill(b, n, now_ms);
	b->milli = b->milli >= 1000u ? b->milli - 1000u : 0;
}

void auth_limiter_source_key(const struct tr_addr *client, uint8_t key[17])
{
	/* An IPv6 host usually gets a whole /64: one budget for all of it. */
	key[0] = 0;
	addr_source_key(client, key + 1);
}

/* FNV-1a over the seed and the bytes: spreads keys over the slots. */
static uint64_t slot_hash(uint64_t seed, const uint8_t *p, size_t len)
{
	uint64_t h = 14695981039346656037ull ^ seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

/* The slot of a source (create: taken over when another key holds it). */
static struct bucket *source_bucket(struct auth_limiter *l, const struct tr_addr *client,
				    uint64_t now_ms, bool create)
{
	uint8_t key[17];
	struct source_slot *s;

	auth_limiter_source_key(client, key);
	s = &l->sources[slot_hash(l->seed, key, sizeof(key)) % LIMIT_SLOTS];
	if (s->used && !memcmp(s->key, key, sizeof(key)))
		return &s->b;
	if (!create)
		return NULL;
	memcpy(s->key, key, sizeof(key));
	s->used = true;
	s->b.last_ms = now_ms;
	s->b.milli = (uint64_t)l->lim.per_source * 1000u;
	return &s->b;
}

static struct bucket *user_bucket(struct auth_limiter *l, const char *username,
				  uint64_t now_ms, bool create)
{
	uint64_t key = slot_hash(l->seed, (const uint8_t *)username, strlen(username));
	struct user_slot *s = &l->users[(key >> 20) % LIMIT_SLOTS];

	if (s->used && s->key == key)
		return &s->b;
	if (!create)
		return NULL;
	s->key = key;
	s->used = true;
	s->b.last_ms = now_ms;
	s->b.milli = (uint64_t)l->lim.per_user * 1000u;
	return &s->b;
}

/* Said where the decision is made, at most once per 10 s per kind. */
static enum auth_limit refuse(struct auth_limiter *l, enum auth_limit kind,
			      const struct tr_addr *client, uint64_t now_ms)
{
	char text[ADDR_STR_MAX];

	l->dropped[kind]++;
	if (l->last_log_ms[kind] && now_ms - l->last_log_ms[kind] < LIMIT_LOG_EVERY_MS)
		return kind;
	log_warn("failed-authentication %s budget spent: requests dropped unanswered "
		 "(this one from %s; %llu dropped since the last such message)",
		 limit_name[kind], addr_ip_to_str(client, text, sizeof(text)),
		 (unsigned long long)(l->dropped[kind] - l->dropped_logged[kind]));
	l->dropped_logged[kind] = l->dropped[kind];
	l->last_log_ms[kind] = now_ms ? now_ms : 1;
	return kind;
}

enum auth_limit auth_limiter_check(struct auth_limiter *l, const struct tr_addr *client,
				   const char *username, uint64_t now_ms)
{
	struct bucket *b =
		l->lim.per_source ? source_bucket(l, client, now_ms, false) : NULL;

	if (b && bucket_empty(b, l->lim.per_source, now_ms))
		return refuse(l, AUTH_LIMIT_SOURCE, client, now_ms);
	if (!username)
		return AUTH_LIMIT_OK;
	b = l->lim.per_user ? user_bucket(l, username, now_ms, false) : NULL;
	if (b && bucket_empty(b, l->lim.per_user, now_ms))
		return refuse(l, AUTH_LIMIT_USER, client, now_ms);
	if (bucket_empty(&l->global, l->lim.global, now_ms))
		return refuse(l, AUTH_LIMIT_GLOBAL, client, now_ms);
	return AUTH_LIMIT_OK;
}

void auth_limiter_fail(struct auth_limiter *l, const struct tr_addr *client,
		       const char *username, uint64_t now_ms)
{
	if (l->lim.per_source)
		bucket_take(source_bucket(l, client, now_ms, true), l->lim.per_source,
			    now_ms);
	if (l->lim.per_user && username)
		bucket_take(user_bucket(l, username, now_ms, true), l->lim.per_user,
			    now_ms);
	bucket_take(&l->global, l->lim.global, now_ms);
}

uint64_t auth_limiter_dropped(const struct auth_limiter *l, enum auth_limit kind)
{
	return kind < AUTH_LIMIT_COUNT ? l->dropped[kind] : 0;
}
