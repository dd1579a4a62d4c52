/* Sealed frames: every pub/sub frame between nodes is encrypted and
 * authenticated (AES-256-GCM, NIST SP 800-38D) under a key only holders
 * of cluster-secret can derive (HKDF, RFC 5869), so a Redis reader learns
 * nothing of the SDP and candidates a frame carries, and a Redis writer
 * can neither forge, modify nor replay one.
 *
 * A sealed frame:
 *   "TS1" | node length (1 byte) | node id | epoch (8) | seq (8) |
 *   sent_ms (8) | ciphertext | tag (16)
 * all integers big-endian. The authenticated data is everything before
 * the ciphertext plus the channel the frame is published on (not sent:
 * the receiver knows it), so a frame moved to another node's channel does
 * not open.
 *
 * Keys. One pseudo-random key per purpose, each an HKDF of the secret
 * with its own label: the REST secret ("turn rest secret") and the frame
 * keys. A frame key is per sender process: HKDF(secret, "frame key" |
 * node id | epoch), where the epoch is 64 random bits drawn at process
 * start.
 *
 * Nonce uniqueness (GCM's one requirement: never two messages under one
 * key with one nonce). The nonce is 4 zero bytes then the 64-bit
 * sequence, which starts at 1 and grows by one per sealed frame of the
 * process, and never wraps (2^64 frames). The key belongs to one
 * (node id, epoch): a nonce repeats under one key only if a process of
 * the same node id draws the same 64-bit epoch (2^-64 per pair of
 * starts), or if two processes run under one node-id at once and draw
 * the same epoch. No state survives a restart, so nothing can roll a
 * sequence back under an old key.
 *
 * Replays. For each sender the receiver keeps the epoch it last accepted,
 * the highest sequence of that epoch and the newest send time. Within an
 * epoch the sequence must grow (a node publishes on one connection and
 * Redis delivers in publish order, so a receiver sees an increasing
 * subsequence). Another epoch is taken for a restart of the sender only
 * when its send time is newer than anything seen from that sender, so a
 * frame of an earlier process, replayed, is refused. A receiver that has
 * no state for a sender (it started since, or evicted it) refuses frames
 * sent more than CLUSTER_SEAL_WINDOW_MS from its own clock: a replay can
 * only be of the last minute, to a node that has not heard that sender
 * since it started. Node clocks must agree to within that window (as
 * TURN REST credentials' expiry already requires). */
#include "cluster/cluster_internal.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "util/errors.h"

#define MAGIC "TS1"
#define MAGIC_LEN 3
#define TAG_LEN 16
#define KEY_LEN 32
#define NONCE_LEN 12
#define HEAD_FIXED (MAGIC_LEN + 1 + 8 + 8 + 8)
#define SALT "turnroom cluster v1"

struct seal_sender {
	char node[CLUSTER_NODE_ID_MAX];
	size_t node_len;
	uint64_t epoch, seq, newest_ms;
	uint8_t key[KEY_LEN]; /* of (node, epoch) */
	bool used;
};

struct cluster_seal {
	uint8_t *secret;
	size_t secret_len;
	char node[CLUSTER_NODE_ID_MAX];
	size_t node_len;
	uint64_t epoch, seq;
	uint8_t key[KEY_LEN]; /* this process's frame key */
	struct seal_sender senders[CLUSTER_SEAL_SENDERS_MAX];
};

int cluster_seal_derive(const uint8_t *secret, size_t secret_len, const void *label,
			size_t label_len, uint8_t *out, size_t out_len)
{
	EVP_PKEY_CTX *k = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	size_t n = out_len;
	int ok;

	ok = k && EVP_PKEY_derive_init(k) > 0 &&
	     EVP_PKEY_CTX_set_hkdf_md(k, EVP_sha256()) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_salt(k, (const unsigned char *)SALT,
					 (int)strlen(SALT)) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_key(k, secret, (int)secret_len) > 0 &&
	     EVP_PKEY_CTX_add1_hkdf_info(k, label, (int)label_len) > 0 &&
	     EVP_PKEY_derive(k, out, &n) > 0 && n == out_len;
	EVP_PKEY_CTX_free(k);
	return ok ? 0 : TR_EIO;
}

int cluster_seal_key(const struct cluster_seal *s, const void *label, size_t label_len,
		     uint8_t *out, size_t out_len)
{
	return cluster_seal_derive(s->secret, s->secret_len, label, label_len, out,
				   out_len);
}

/* "frame key" | node length | node | epoch. */
static int frame_key(const struct cluster_seal *s, const char *node, size_t node_len,
		     uint64_t epoch, uint8_t key[KEY_LEN])
{
	uint8_t info[9 + 1 + CLUSTER_NODE_ID_MAX + 8];
	size_t at = 9;

	memcpy(info, "frame key", 9);
	info[at++] = (uint8_t)node_len;
	memcpy(info + at, node, node_len);
	at += node_len;
	for (int i = 7; i >= 0; i--)
		info[at++] = (uint8_t)(epoch >> (8 * i));
	return cluster_seal_derive(s->secret, s->secret_len, info, at, key, KEY_LEN);
}

struct cluster_seal *cluster_seal_new(const uint8_t *secret, size_t secret_len,
				      const char *node_id)
{
	struct cluster_seal *s;
	size_t nl = strlen(node_id);

	if (!secret_len || nl == 0 || nl > CLUSTER_NODE_ID_MAX)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->secret = malloc(secret_len)))
		goto fail;
	memcpy(s->secret, secret, secret_len);
	s->secret_len = secret_len;
	memcpy(s->node, node_id, nl);
	s->node_len = nl;
	if (RAND_bytes((unsigned char *)&s->epoch, sizeof(s->epoch)) != 1 ||
	    frame_key(s, s->node, nl, s->epoch, s->key))
		goto fail;
	return s;
fail:
	cluster_seal_free(s);
	return NULL;
}

void cluster_seal_free(struct cluster_seal *s)
{
	if (!s)
		return;
	if (s->secret) {
		OPENSSL_cleanse(s->secret, s->secret_len);
		free(s->secret);
	}
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void cluster_seal_set_epoch(struct cluster_seal *s, uint64_t epoch)
{
	s->epoch = epoch;
	s->seq = 0;
	frame_key(s, s->node, s->node_len, epoch, s->key);
}

size_t cluster_seal_size(const struct cluster_seal *s, size_t plain_len)
{
	return HEAD_FIXED + s->node_len + plain_len + TAG_LEN;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* One AES-256-GCM operation; enc: seal (tag written), else open (tag
 * checked). 0, or TR_EINVAL when the tag does not verify. */
static int gcm(bool enc, const uint8_t key[KEY_LEN], uint64_t seq, const uint8_t *ad,
	       size_t ad_len, const char *chan, size_t chan_len, const uint8_t *in,
	       size_t n, uint8_t *out, uint8_t tag[TAG_LEN])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t nonce[NONCE_LEN] = { 0 };
	int l = 0, ok;

	put64(nonce + 4, seq);
	ok = x && EVP_CipherInit_ex(x, EVP_aes_256_gcm(), NULL, key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(x, NULL, &l, ad, (int)ad_len) == 1 &&
	     EVP_CipherUpdate(x, NULL, &l, (const uint8_t *)chan, (int)chan_len) == 1 &&
	     (n == 0 || EVP_CipherUpdate(x, out, &l, in, (int)n) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
	ok = ok && EVP_CipherFinal_ex(x, out + (n ? l : 0), &l) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : TR_EINVAL;
}

ssize_t cluster_seal_frame(struct cluster_seal *s, const char *chan, const uint8_t *in,
			   size_t n, uint64_t now_ms, uint8_t *out, size_t cap)
{
	size_t head = HEAD_FIXED + s->node_len, at = MAGIC_LEN;

	if (cap < cluster_seal_size(s, n) || n > INT32_MAX / 2)
		return TR_ETRUNC;
	memcpy(out, MAGIC, MAGIC_LEN);
	out[at++] = (uint8_t)s->node_len;
	memcpy(out + at, s->node, s->node_len);
	at += s->node_len;
	put64(out + at, s->epoch);
	put64(out + at + 8, ++s->seq);
	put64(out + at + 16, now_ms);
	if (gcm(true, s->key, s->seq, out, head, chan, strlen(chan), in, n, out + head,
		out + head + n))
		return TR_EIO;
	return (ssize_t)(head + n + TAG_LEN);
}

static struct seal_sender *sender_find(struct cluster_seal *s, const char *node,
				       size_t len)
{
	for (size_t i = 0; i < CLUSTER_SEAL_SENDERS_MAX; i++) {
		struct seal_sender *e = &s->senders[i];

		if (e->used && e->node_len == len && !memcmp(e->node, node, len))
			return e;
	}
	return NULL;
}

/* A free slot, else the sender heard from least recently (its frames are
 * then judged by the window alone). */
static struct seal_sender *sender_slot(struct cluster_seal *s)
{
	struct seal_sender *old = &s->senders[0];

	for (size_t i = 0; i < CLUSTER_SEAL_SENDERS_MAX; i++) {
		if (!s->senders[i].used)
			return &s->senders[i];
		if (s->senders[i].newest_ms < old->newest_ms)
			old = &s->senders[i];
	}
	return old;
}

static uint64_t distance(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

enum cluster_reject cluster_open_frame(struct cluster_seal *s, const char *chan,
				       const uint8_t *in, size_t n, uint64_t now_ms,
				       uint8_t *out, size_t cap, size_t *out_len)
{
	const char *node = (const char *)in + MAGIC_LEN + 1;
	size_t nl, head, plain;
	uint64_t epoch, seq, sent;
	struct seal_sender *e;
	uint8_t key[KEY_LEN], tag[TAG_LEN];
	bool same_epoch;

	if (n < HEAD_FIXED + TAG_LEN || memcmp(in, MAGIC, MAGIC_LEN))
		return CLUSTER_REJECT_MALFORMED;
	nl = in[MAGIC_LEN];
	head = HEAD_FIXED + nl;
	if (nl == 0 || nl > CLUSTER_NODE_ID_MAX || n < head + TAG_LEN)
		return CLUSTER_REJECT_MALFORMED;
	plain = n - head - TAG_LEN;
	if (plain > cap)
		return CLUSTER_REJECT_MALFORMED;
	epoch = get64(in + MAGIC_LEN + 1 + nl);
	seq = get64(in + MAGIC_LEN + 1 + nl + 8);
	sent = get64(in + MAGIC_LEN + 1 + nl + 16);
	e = sender_find(s, node, nl);
	same_epoch = e && e->epoch == epoch;
	if (same_epoch)
		memcpy(key, e->key, KEY_LEN);
	else if (frame_key(s, node, nl, epoch, key))
		return CLUSTER_REJECT_AUTH;
	/* Authenticity first: only a genuine frame counts as a replay. */
	memcpy(tag, in + head + plain, TAG_LEN);
	if (gcm(false, key, seq, in, head, chan, strlen(chan), in + head, plain, out,
		tag))
		return CLUSTER_REJECT_AUTH;
	if (same_epoch && seq <= e->seq)
		return CLUSTER_REJECT_REPLAY;
	/* Another process of this sender (or one not heard from yet). */
	if (!same_epoch && e && sent <= e->newest_ms)
		return CLUSTER_REJECT_REPLAY;
	if (!same_epoch && distance(sent, now_ms) > CLUSTER_SEAL_WINDOW_MS)
		return CLUSTER_REJECT_STALE;
	if (!e) {
		e = sender_slot(s);
		memset(e, 0, sizeof(*e));
		e->used = true;
		memcpy(e->node, node, nl);
		e->node_len = nl;
	}
	if (!same_epoch) {
		e->epoch = epoch;
		memcpy(e->key, key, KEY_LEN);
	}
	e->seq = seq;
	if (sent > e->newest_ms)
		e->newest_ms = sent;
	*out_len = plain;
	return CLUSTER_REJECT_NONE;
}

const char *cluster_reject_name(enum cluster_reject r)
{
	switch (r) {
	case CLUSTER_REJECT_MALFORMED:
		return "malformed";
	case CLUSTER_REJECT_AUTH:
		return "auth";
	case CLUSTER_REJECT_REPLAY:
		return "replay";
	case CLUSTER_REJECT_STALE:
		return "stale";
	case CLUSTER_REJECT_NONE:
	case CLUSTER_REJECT_COUNT:
		break;
	}
	return "none";
}
