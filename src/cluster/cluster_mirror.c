/* Every live member of the cluster, by user id: lets a node refuse the
 * presence-bound TURN credentials of a member that left on another node
 * without a Redis round trip per Allocate. Chained hash with a random
 * key; it grows as members do. */
#include "cluster/cluster_internal.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "util/errors.h"

struct mirror_entry {
	struct mirror_entry *next;
	char user[CLUSTER_USER_MAX + 1];
	char node[CLUSTER_NODE_ID_MAX + 1];
	char room[CLUSTER_ROOM_MAX + 1];
};

struct cluster_mirror {
	struct mirror_entry **buckets;
	size_t n_buckets, n;
	uint64_t seed;
};

/* FNV-1a over a random seed: the ids are random hex minted by our nodes,
 * and the seed keeps a crafted set from sharing one chain anyway. */
static size_t bucket_of(const struct cluster_mirror *m, const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ m->seed;

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h & (m->n_buckets - 1));
}

struct cluster_mirror *cluster_mirror_new(void)
{
	struct cluster_mirror *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->n_buckets = 64;
	m->buckets = calloc(m->n_buckets, sizeof(*m->buckets));
	if (!m->buckets || RAND_bytes((uint8_t *)&m->seed, sizeof(m->seed)) != 1) {
		cluster_mirror_free(m);
		return NULL;
	}
	return m;
}

void cluster_mirror_clear(struct cluster_mirror *m)
{
	for (size_t i = 0; i < m->n_buckets; i++) {
		for (struct mirror_entry *e = m->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
		m->buckets[i] = NULL;
	}
	m->n = 0;
}

void cluster_mirror_free(struct cluster_mirror *m)
{
	if (!m)
		return;
	if (m->buckets)
		cluster_mirror_clear(m);
	free(m->buckets);
	free(m);
}

static struct mirror_entry **find(const struct cluster_mirror *m, const char *user,
				  size_t ulen)
{
	struct mirror_entry **pp = &m->buckets[bucket_of(m, user, ulen)];

	for (; *pp; pp = &(*pp)->next)
		if (strlen((*pp)->user) == ulen && !memcmp((*pp)->user, user, ulen))
			return pp;
	return pp;
}

static void grow(struct cluster_mirror *m)
{
	size_t old_n = m->n_buckets;
	struct mirror_entry **old = m->buckets;
	struct mirror_entry **nb = calloc(old_n * 2, sizeof(*nb));

	if (!nb)
		return; /* longer chains, still correct */
	m->buckets = nb;
	m->n_buckets = old_n * 2;
	for (size_t i = 0; i < old_n; i++) {
		for (struct mirror_entry *e = old[i], *next; e; e = next) {
			size_t b = bucket_of(m, e->user, strlen(e->user));

			next = e->next;
			e->next = nb[b];
			nb[b] = e;
		}
	}
	free(old);
}

int cluster_mirror_put(struct cluster_mirror *m, const char *user, size_t ulen,
		       const char *node, size_t nlen, const char *room, size_t rlen)
{
	struct mirror_entry **pp, *e;

	if (ulen > CLUSTER_USER_MAX || nlen > CLUSTER_NODE_ID_MAX ||
	    rlen > CLUSTER_ROOM_MAX)
		return TR_EINVAL;
	pp = find(m, user, ulen);
	e = *pp;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return TR_ENOMEM;
		memcpy(e->user, user, ulen);
		*pp = e;
		m->n++;
	}
	memcpy(e->node, node, nlen);
	e->node[nlen] = '\0';
	memcpy(e->room, room, rlen);
	e->room[rlen] = '\0';
	if (m->n > m->n_buckets * 2)
		grow(m);
	return 0;
}

void cluster_mirror_del(struct cluster_mirror *m, const char *user, size_t ulen)
{
	struct mirror_entry **pp = find(m, user, ulen), *e = *pp;

	if (!e)
		return;
	*pp = e->next;
	free(e);
	m->n--;
}

bool cluster_mirror_has(const struct cluster_mirror *m, const char *user, size_t ulen)
{
	return *find(m, user, ulen) != NULL;
}

size_t cluster_mirror_count(const struct cluster_mirror *m)
{
	return m->n;
}

void cluster_mirror_each(const struct cluster_mirror *m,
			 void (*fn)(const char *user, const char *node, const char *room,
				    void *arg),
			 void *arg)
{
	for (size_t i = 0; i < m->n_buckets; i++)
		for (const struct mirror_entry *e = m->buckets[i]; e; e = e->next)
			fn(e->user, e->node, e->room, arg);
}
