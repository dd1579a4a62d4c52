/* The frames nodes exchange over Redis pub/sub. Pure: no I/O, no allocation. Frames come
 * from other nodes through Redis, so they are parsed as untrusted input all the same. */
#include "cluster/cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errors.h"

#define MAGIC "TR1"
#define MAGIC_LEN 3
#define FIELD_MAX ((size_t)16 * 1024 * 1024) /* a payload is far smaller */

static size_t digits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Decimal digits then ':', no NUL (snprintf would want one more byte). */
static size_t write_len(uint8_t *out, size_t n)
{
	size_t d = digits(n);

	for (size_t i = d; i > 0; i--) {
		out[i - 1] = (uint8_t)('0' + n % 10);
		n /= 10;
	}
	out[d] = ':';
	return d + 1;
}

size_t cluster_frame_size(const struct cluster_frame *f)
{
	const size_t lens[5] = { f->node_len, f->room_len, f->from_len, f->to_len,
				 f->payload_len };
	size_t n = MAGIC_LEN + 1;

	for (int i = 0; i < 5; i++)
		n += digits(lens[i]) + 1 + lens[i];
	return n;
}

ssize_t cluster_frame_encode(const struct cluster_frame *f, uint8_t *out, size_t cap)
{
	const char *vals[5] = { f->node, f->room, f->from, f->to, f->payload };
	const size_t lens[5] = { f->node_len, f->room_len, f->from_len, f->to_len,
				 f->payload_len };
	size_t at = MAGIC_LEN + 1;

	if (cluster_frame_size(f) > cap)
		return TR_ETRUNC;
	memcpy(out, MAGIC, MAGIC_LEN);
	out[MAGIC_LEN] = (uint8_t)f->kind;
	for (int i = 0; i < 5; i++) {
		at += write_len(out + at, lens[i]);
		if (lens[i])
			memcpy(out + at, vals[i], lens[i]);
		at += lens[i];
	}
	return (ssize_t)at;
}

/* "<len>:" at *at, then len bytes. No leading zeros but "0" itself. */
static int read_field(const uint8_t *p, size_t len, size_t *at, const char **val,
		      size_t *vlen, size_t max, bool binary)
{
	size_t i = *at, n = 0, nd = 0;

	while (i < len && p[i] >= '0' && p[i] <= '9') {
		if (nd == 1 && n == 0)
			return TR_EINVAL; /* leading zero */
		n = n * 10 + (size_t)(p[i] - '0');
		if (n > FIELD_MAX)
			return TR_EINVAL;
		i++;
		nd++;
	}
	if (nd == 0 || i >= len || p[i] != ':')
		return TR_EINVAL;
	i++;
	if (n > max || n > len - i)
		return TR_EINVAL;
	if (!binary && memchr(p + i, '\0', n))
		return TR_EINVAL;
	*val = (const char *)p + i;
	*vlen = n;
	*at = i + n;
	return 0;
}

static bool kind_known(uint8_t k)
{
	return k == CLUSTER_MSG_JOINED || k == CLUSTER_MSG_GONE ||
	       k == CLUSTER_MSG_EVENT || k == CLUSTER_MSG_KICK;
}

int cluster_frame_decode(const uint8_t *p, size_t len, struct cluster_frame *f)
{
	size_t at = MAGIC_LEN + 1;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	if (len < MAGIC_LEN + 1 || memcmp(p, MAGIC, MAGIC_LEN) ||
	    !kind_known(p[MAGIC_LEN]))
		return TR_EINVAL;
	f->kind = (enum cluster_kind)p[MAGIC_LEN];
	rc |= read_field(p, len, &at, &f->node, &f->node_len, CLUSTER_NODE_ID_MAX, false);
	if (!rc)
		rc |= read_field(p, len, &at, &f->room, &f->room_len, CLUSTER_ROOM_MAX,
				 false);
	if (!rc)
		rc |= read_field(p, len, &at, &f->from, &f->from_len, CLUSTER_USER_MAX,
				 false);
	if (!rc)
		rc |= read_field(p, len, &at, &f->to, &f->to_len, CLUSTER_USER_MAX,
				 false);
	/* The payload may be binary (a relayed event's attachments). */
	if (!rc)
		rc |= read_field(p, len, &at, &f->payload, &f->payload_len, FIELD_MAX,
				 true);
	if (rc || at != len) {
		memset(f, 0, sizeof(*f));
		return TR_EINVAL;
	}
	return 0;
}

/* ---- relayed events ---- */

static size_t field_size(size_t n)
{
	return digits(n) + 1 + n;
}

size_t cluster_relay_size(const struct cluster_relay *r)
{
	size_t n = 1 + field_size(r->event_len) + field_size(r->args_len) +
		   field_size(digits(r->n_blobs));

	for (size_t i = 0; i < r->n_blobs && i < CLUSTER_RELAY_MAX_BLOBS; i++)
		n += field_size(r->blob_len[i]);
	return n;
}

static size_t put_field(uint8_t *out, const void *p, size_t n)
{
	size_t h = write_len(out, n);

	if (n)
		memcpy(out + h, p, n);
	return h + n;
}

ssize_t cluster_relay_encode(const struct cluster_relay *r, uint8_t *out, size_t cap)
{
	char count[24];
	size_t at = 1, cl;

	if (r->n_blobs > CLUSTER_RELAY_MAX_BLOBS)
		return TR_EINVAL;
	if (cluster_relay_size(r) > cap)
		return TR_ETRUNC;
	out[0] = CLUSTER_RELAY_TAG;
	at += put_field(out + at, r->event, r->event_len);
	at += put_field(out + at, r->args, r->args_len);
	cl = write_len((uint8_t *)count, r->n_blobs) - 1; /* the count as digits */
	at += put_field(out + at, count, cl);
	for (size_t i = 0; i < r->n_blobs; i++)
		at += put_field(out + at, r->blob[i], r->blob_len[i]);
	return (ssize_t)at;
}

/* Like read_field, but the bytes may hold NUL when binary is true. */
static int read_any(const uint8_t *p, size_t len, size_t *at, const uint8_t **val,
		    size_t *vlen, bool binary)
{
	const char *v;
	int rc = read_field(p, len, at, &v, vlen, FIELD_MAX, binary);

	if (rc == 0)
		*val = (const uint8_t *)v;
	return rc;
}

int cluster_relay_decode(const uint8_t *p, size_t len, struct cluster_relay *r)
{
	const uint8_t *v;
	size_t at = 1, vl, n = 0;

	memset(r, 0, sizeof(*r));
	if (len < 1 || p[0] != CLUSTER_RELAY_TAG ||
	    read_any(p, len, &at, (const uint8_t **)&r->event, &r->event_len, false) ||
	    read_any(p, len, &at, (const uint8_t **)&r->args, &r->args_len, false) ||
	    read_any(p, len, &at, &v, &vl, false) || vl == 0 || vl > 2)
		goto bad;
	for (size_t i = 0; i < vl; i++) {
		if (v[i] < '0' || v[i] > '9' || (i == 0 && vl > 1 && v[0] == '0'))
			goto bad;
		n = n * 10 + (size_t)(v[i] - '0');
	}
	if (n > CLUSTER_RELAY_MAX_BLOBS)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (read_any(p, len, &at, &r->blob[i], &r->blob_len[i], true))
			goto bad;
	r->n_blobs = n;
	if (at == len)
		return 0;
bad:
	memset(r, 0, sizeof(*r));
	return TR_EINVAL;
}
