/* TURN mobility (RFC 8016): an allocation outlives a change of the
 * client's address. The client asks for it with an empty MOBILITY-TICKET
 * in Allocate; the server answers with a ticket, and a Refresh carrying
 * that ticket from another 5-tuple moves the allocation there: same
 * relayed address, permissions and channels.
 *
 * Ticket: base64 of id (8 bytes, random per allocation) | generation (4)
 * | HMAC-SHA256(server key, id | generation) truncated to 12 bytes. 32
 * printable characters: coturn's turnutils_uclient keeps the ticket as a
 * C string in 33 bytes. The MAC makes it unforgeable; moving still needs
 * the allocation's own credentials (MESSAGE-INTEGRITY with its key, see
 * auth_existing), and only the latest ticket moves it, so an older one
 * (a replayed request) cannot take the allocation away. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "conf/conf.h"
#include "turn/turn_request.h"
#include "util/bytes.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

#define MOB_BUCKETS 64
#define MOB_KEY_LEN 32
#define MOB_MAC_LEN 12
#define MOB_RAW_LEN (8 + 4 + MOB_MAC_LEN)
#define MOB_TEXT_LEN 32 /* base64 of MOB_RAW_LEN bytes, no padding */

struct mobility {
	uint8_t key[MOB_KEY_LEN]; /* random per process: tickets die with it */
	struct htable ids;        /* of allocation.mob_node, by mob_id */
};

static struct mobility *mob_get(struct turn_server *s)
{
	if (s->mobility)
		return s->mobility;
	s->mobility = calloc(1, sizeof(*s->mobility));
	if (s->mobility && (RAND_bytes(s->mobility->key, MOB_KEY_LEN) != 1 ||
			    htable_init(&s->mobility->ids, MOB_BUCKETS)))
		turn_mobility_free(s);
	return s->mobility;
}

static uint64_t id_hash(const struct mobility *m, uint64_t id)
{
	return htable_hash(&m->ids, &id, sizeof(id));
}

static bool ticket_mac(const struct mobility *m, const uint8_t head[12],
		       uint8_t out[MOB_MAC_LEN])
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (!HMAC(EVP_sha256(), m->key, MOB_KEY_LEN, head, 12, mac, &maclen) ||
	    maclen < MOB_MAC_LEN)
		return false;
	memcpy(out, mac, MOB_MAC_LEN);
	return true;
}

/* id and generation of a genuine ticket; TR_EINVAL for anything else. */
static int ticket_parse(const struct mobility *m, const struct stun_attr *attr,
			uint64_t *id, uint32_t *gen)
{
	uint8_t raw[MOB_RAW_LEN + 3], want[MOB_MAC_LEN];

	if (attr->len != MOB_TEXT_LEN ||
	    EVP_DecodeBlock(raw, attr->value, MOB_TEXT_LEN) != MOB_RAW_LEN)
		return TR_EINVAL;
	if (!ticket_mac(m, raw, want) || CRYPTO_memcmp(want, raw + 12, MOB_MAC_LEN) != 0)
		return TR_EINVAL;
	*id = (uint64_t)rd32(raw) << 32 | rd32(raw + 4);
	*gen = rd32(raw + 8);
	return 0;
}

struct allocation *turn_mobility_lookup(struct turn_server *s, const struct stun_msg *m)
{
	const struct stun_attr *attr = stun_find(m, STUN_ATTR_MOBILITY_TICKET);
	uint64_t id;
	uint32_t gen;

	uint64_t h;

	if (!attr || !s->conf->mobility || !s->mobility ||
	    ticket_parse(s->mobility, attr, &id, &gen))
		return NULL;
	h = id_hash(s->mobility, id);
	for (struct htable_node *n = htable_first(&s->mobility->ids, h); n;
	     n = htable_next(n, h)) {
		struct allocation *a = HTABLE_ENTRY(n, struct allocation, mob_node);

		if (a->mob_id == id)
			return a;
	}
	return NULL;
}

bool turn_mobility_suspend(struct turn_server *s, struct allocation *a)
{
	char client[ADDR_STR_MAX];

	if (!a->mob_id || !s->conf->mobility)
		return false;
	log_info("allocation of client %s kept for mobility: its connection closed",
		 addr_to_str(&a->ft.client, client, sizeof(client)));
	if (a->link.tcp)
		a->link.tcp->n_allocs--;
	/* No link: what peers send is dropped until the client is back. */
	memset(&a->link, 0, sizeof(a->link));
	return true;
}

void turn_mobility_forget(struct turn_server *s, struct allocation *a)
{
	if (!a->mob_id || !s->mobility)
		return;
	htable_remove(&s->mobility->ids, &a->mob_node);
	a->mob_id = 0;
}

void turn_mobility_free(struct turn_server *s)
{
	if (s->mobility)
		htable_fini(&s->mobility->ids);
	free(s->mobility);
	s->mobility = NULL;
}

enum stun_error turn_mobility_allocate_check(struct turn_request *r)
{
	const struct stun_attr *attr = stun_find(r->msg, STUN_ATTR_MOBILITY_TICKET);

	if (!attr)
		return 0;
	/* RFC 8016 3.1: mobility not allowed here is 405; the request's
	 * ticket is empty (a ticket is only the server's to make). */
	if (!r->s->conf->mobility)
		return STUN_ERR_MOBILITY_FORBIDDEN;
	return attr->len == 0 ? 0 : STUN_ERR_BAD_REQUEST;
}

int turn_mobility_enable(struct turn_request *r, struct allocation *a)
{
	struct mobility *m;
	uint8_t idb[8];

	if (!stun_find(r->msg, STUN_ATTR_MOBILITY_TICKET))
		return 0;
	m = mob_get(r->s);
	if (!m)
		return TR_ENOMEM;
	do {
		if (RAND_bytes(idb, sizeof(idb)) != 1)
			return TR_EIO;
		a->mob_id = (uint64_t)rd32(idb) << 32 | rd32(idb + 4);
	} while (a->mob_id == 0);
	htable_insert(&m->ids, &a->mob_node, id_hash(m, a->mob_id));
	return 0;
}

static void move_allocation(struct turn_request *r, struct allocation *a)
{
	char from[ADDR_STR_MAX], to[ADDR_STR_MAX], relay[ADDR_STR_MAX];
	char user[ESC_LOG_LEN];

	log_info("allocation moved (mobility): client %s -> %s relay %s user '%s'",
		 addr_to_str(&a->ft.client, from, sizeof(from)),
		 addr_to_str(&r->pkt->ft.client, to, sizeof(to)),
		 addr_to_str(&a->relay_public, relay, sizeof(relay)),
		 esc_str(user, sizeof(user), a->username));
	if (a->link.tcp)
		a->link.tcp->n_allocs--;
	a->link = r->pkt->link;
	if (a->link.tcp)
		a->link.tcp->n_allocs++;
	alloc_table_move(r->s->allocs, a, &r->pkt->ft);
	turn_offload_sync(r->s, a);
}

enum stun_error turn_mobility_refresh(struct turn_request *r)
{
	const struct stun_attr *attr = stun_find(r->msg, STUN_ATTR_MOBILITY_TICKET);
	struct allocation *a = r->alloc;
	uint64_t id;
	uint32_t gen;

	if (!attr)
		return 0;
	if (!r->s->conf->mobility)
		return STUN_ERR_MOBILITY_FORBIDDEN;
	/* RFC 8016 3.2: a ticket that does not name this allocation is 400. */
	if (!r->s->mobility || ticket_parse(r->s->mobility, attr, &id, &gen) || !a ||
	    a->mob_id != id) {
		log_debug("Refresh with an invalid or foreign MOBILITY-TICKET");
		return STUN_ERR_BAD_REQUEST;
	}
	if (alloc_table_find(r->s->allocs, &r->pkt->ft) == a)
		return 0;
	if (gen != a->mob_gen) {
		log_info("mobility: stale ticket refused (generation %u, current %u)",
			 gen, a->mob_gen);
		return STUN_ERR_BAD_REQUEST;
	}
	move_allocation(r, a);
	return 0;
}

void turn_mobility_add_ticket(struct turn_request *r, struct allocation *a,
			      struct stun_builder *b, bool renew)
{
	uint8_t raw[MOB_RAW_LEN];
	unsigned char text[MOB_TEXT_LEN + 1];

	if (!a->mob_id || !r->s->mobility)
		return;
	/* RFC 8016 3.2: each Refresh gets a new ticket. */
	if (renew)
		a->mob_gen++;
	wr32(raw, (uint32_t)(a->mob_id >> 32));
	wr32(raw + 4, (uint32_t)a->mob_id);
	wr32(raw + 8, a->mob_gen);
	if (!ticket_mac(r->s->mobility, raw, raw + 12))
		return;
	if (EVP_EncodeBlock(text, raw, MOB_RAW_LEN) != MOB_TEXT_LEN)
		return;
	stun_add_attr(b, STUN_ATTR_MOBILITY_TICKET, text, MOB_TEXT_LEN);
}
