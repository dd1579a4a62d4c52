/* Every live member of the cluster, by user id: lets a node refuse the
 * presence-bound TURN credentials of a member that left on another node
 * without a Redis round trip per Allocate. A util/htable: keyed, it
 * grows as members do. */
#include "cluster/cluster_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/errors.h"
#include "util/htable.h"

struct mirror_entry {
	struct htable_node node;
	char user[CLUSTER_USER_MAX + 1];
	char node_id[CLUSTER_NODE_ID_MAX + 1];
	char room[CLUSTER_ROOM_MAX + 1];
};

struct cluster_mirror {
	struct htable h; /* of mirror_entry.node, by user */
};

struct cluster_mirror *cluster_mirror_new(void)
{
	struct cluster_mirror *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (htable_init(&m->h, 64)) {
		free(m);
		return NULL;
	}
	return m;
}

void cluster_mirror_clear(struct cluster_mirror *m)
{
	size_t cursor = 0;
	struct htable_node *n;

	while ((n = htable_drain_next(&m->h, &cursor))) {
		htable_remove(&m->h, n);
		free(HTABLE_ENTRY(n, struct mirror_entry, node));
	}
}

void cluster_mirror_free(struct cluster_mirror *m)
{
	if (!m)
		return;
	cluster_mirror_clear(m);
	htable_fini(&m->h);
	free(m);
}

static struct mirror_entry *find(const struct cluster_mirror *m, const char *user,
				 size_t ulen, uint64_t h)
{
	for (struct htable_node *n = htable_first(&m->h, h); n; n = htable_next(n, h)) {
		struct mirror_entry *e = HTABLE_ENTRY(n, struct mirror_entry, node);

		if (strlen(e->user) == ulen && !memcmp(e->user, user, ulen))
			return e;
	}
	return NULL;
}

int cluster_mirror_put(struct cluster_mirror *m, const char *user, size_t ulen,
		       const char *node, size_t nlen, const char *room, size_t rlen)
{
	struct mirror_entry *e;
	uint64_t h;

	if (ulen > CLUSTER_USER_MAX || nlen > CLUSTER_NODE_ID_MAX ||
	    rlen > CLUSTER_ROOM_MAX)
		return TR_EINVAL;
	h = htable_hash(&m->h, user, ulen);
	e = find(m, user, ulen, h);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return TR_ENOMEM;
		memcpy(e->user, user, ulen);
		htable_insert(&m->h, &e->node, h);
	}
	memcpy(e->node_id, node, nlen);
	e->node_id[nlen] = '\0';
	memcpy(e->room, room, rlen);
	e->room[rlen] = '\0';
	return 0;
}

void cluster_mirror_del(struct cluster_mirror *m, const char *user, size_t ulen)
{
	struct mirror_entry *e = find(m, user, ulen, htable_hash(&m->h, user, ulen));

	if (!e)
		return;
	htable_remove(&m->h, &e->node);
	free(e);
}

bool cluster_mirror_has(const struct cluster_mirror *m, const char *user, size_t ulen)
{
	return find(m, user, ulen, htable_hash(&m->h, user, ulen)) != NULL;
}

size_t cluster_mirror_count(const struct cluster_mirror *m)
{
	return htable_count(&m->h);
}

void cluster_mirror_each(const struct cluster_mirror *m,
			 void (*fn)(const char *user, const char *node, const char *room,
				    void *arg),
			 void *arg)
{
	struct htable_iter it = { 0 };
	struct htable_node *n;

	while ((n = htable_iter_next(&m->h, &it))) {
		const struct mirror_entry *e = HTABLE_ENTRY(n, struct mirror_entry, node);

		fn(e->user, e->node_id, e->room, arg);
	}
}
