/* A JSON scanner (RFC 8259) for the hot path of the room application: it
 * validates a payload and finds spans (array items, an object member's
 * value) without building a tree, so a relayed event costs no allocation.
 * Strings are checked for escapes and control characters; their UTF-8 is
 * checked by the transport (WebSocket text frames, POST bodies). Pure. */
#include <string.h>

#include "sio/sio.h"
#include "util/errors.h"
#include "util/hex.h"

#define SIO_JSON_DEPTH 64

/* The scanners below return the index just past what they scanned, or
 * TR_EINVAL for malformed JSON. */

static size_t skip_ws(const char *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* p[i] is '"'. */
static ssize_t string_end(const char *p, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"')
			return (ssize_t)i + 1;
		if (c < 0x20)
			return TR_EINVAL;
		if (c != '\\')
			continue;
		if (++i >= len)
			return TR_EINVAL;
		if (p[i] == 'u') {
			if (i + 4 >= len)
				return TR_EINVAL;
			for (size_t k = 1; k <= 4; k++)
				if (hex_digit(p[i + k], true) < 0)
					return TR_EINVAL;
			i += 4;
		} else if (!strchr("\"\\/bfnrt", p[i]) || !p[i]) {
			return TR_EINVAL;
		}
	}
	return TR_EINVAL;
}

static size_t digits(const char *p, size_t len, size_t i)
{
	while (i < len && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

/* RFC 8259 section 6. */
static ssize_t number_end(const char *p, size_t len, size_t i)
{
	size_t j;

	if (i < len && p[i] == '-')
		i++;
	if (i < len && p[i] == '0')
		i++;
	else if ((j = digits(p, len, i)) > i)
		i = j;
	else
		return TR_EINVAL;
	if (i < len && p[i] == '.') {
		if ((j = digits(p, len, i + 1)) == i + 1)
			return TR_EINVAL;
		i = j;
	}
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < len && (p[i] == '+' || p[i] == '-'))
			i++;
		if ((j = digits(p, len, i)) == i)
			return TR_EINVAL;
		i = j;
	}
	return (ssize_t)i;
}

static ssize_t value_end(const char *p, size_t len, size_t i, unsigned depth);

/* p[i] is '[' or '{'. */
static ssize_t container_end(const char *p, size_t len, size_t i, unsigned depth)
{
	char close = p[i] == '[' ? ']' : '}';
	bool object = close == '}';
	ssize_t e;

	if (depth >= SIO_JSON_DEPTH)
		return TR_EINVAL;
	i = skip_ws(p, len, i + 1);
	if (i < len && p[i] == close)
		return (ssize_t)i + 1;
	for (;;) {
		if (object) {
			if (i >= len || p[i] != '"' || (e = string_end(p, len, i)) < 0)
				return TR_EINVAL;
			i = skip_ws(p, len, (size_t)e);
			if (i >= len || p[i] != ':')
				return TR_EINVAL;
			i++;
		}
		if ((e = value_end(p, len, i, depth + 1)) < 0)
			return TR_EINVAL;
		i = skip_ws(p, len, (size_t)e);
		if (i < len && p[i] == close)
			return (ssize_t)i + 1;
		if (i >= len || p[i] != ',')
			return TR_EINVAL;
		i = skip_ws(p, len, i + 1);
	}
}

static ssize_t value_end(const char *p, size_t len, size_t i, unsigned depth)
{
	i = skip_ws(p, len, i);
	if (i >= len)
		return TR_EINVAL;
	switch (p[i]) {
	case '"':
		return string_end(p, len, i);
	case '[':
	case '{':
		return container_end(p, len, i, depth);
	case 't':
		return len - i >= 4 && !memcmp(p + i, "true", 4) ? (ssize_t)i + 4
								 : TR_EINVAL;
	case 'f':
		return len - i >= 5 && !memcmp(p + i, "false", 5) ? (ssize_t)i + 5
								  : TR_EINVAL;
	case 'n':
		return len - i >= 4 && !memcmp(p + i, "null", 4) ? (ssize_t)i + 4
								 : TR_EINVAL;
	}
	return number_end(p, len, i);
}

bool sio_json_valid(const char *p, size_t len)
{
	ssize_t e = value_end(p, len, 0, 0);

	return e >= 0 && skip_ws(p, len, (size_t)e) == len;
}

bool sio_json_array_items(const char *p, size_t len, struct sio_span *items, size_t max,
			  size_t *n)
{
	size_t i = skip_ws(p, len, 0);
	ssize_t e;

	*n = 0;
	if (i >= len || p[i] != '[')
		return false;
	i = skip_ws(p, len, i + 1);
	if (i < len && p[i] == ']')
		return skip_ws(p, len, i + 1) == len;
	for (;;) {
		i = skip_ws(p, len, i);
		if ((e = value_end(p, len, i, 1)) < 0)
			return false;
		if (*n < max) {
			items[*n].off = i;
			items[*n].len = (size_t)e - i;
		}
		(*n)++;
		i = skip_ws(p, len, (size_t)e);
		if (i < len && p[i] == ']')
			return skip_ws(p, len, i + 1) == len;
		if (i >= len || p[i] != ',')
			return false;
		i++;
	}
}

/* The index of the key p[i..e) in keys, or -1. */
static int key_index(const char *p, size_t i, size_t e, const char *const *keys, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (e - i == strlen(keys[k]) + 2 &&
		    !memcmp(p + i + 1, keys[k], e - i - 2))
			return (int)k;
	return -1;
}

bool sio_json_object_fields(const char *p, size_t len, const char *const *keys,
			    struct sio_span *out, size_t n)
{
	size_t i = skip_ws(p, len, 0);
	ssize_t e, v;

	for (size_t k = 0; k < n; k++)
		out[k].off = out[k].len = 0;
	if (i >= len || p[i] != '{')
		return false;
	i = skip_ws(p, len, i + 1);
	if (i < len && p[i] == '}')
		return skip_ws(p, len, i + 1) == len;
	for (;;) {
		int k;

		if (i >= len || p[i] != '"' || (e = string_end(p, len, i)) < 0)
			return false;
		k = key_index(p, i, (size_t)e, keys, n);
		i = skip_ws(p, len, (size_t)e);
		if (i >= len || p[i] != ':')
			return false;
		i = skip_ws(p, len, i + 1);
		if ((v = value_end(p, len, i, 1)) < 0)
			return false;
		/* The first of duplicate members counts. */
		if (k >= 0 && !out[k].len) {
			out[k].off = i;
			out[k].len = (size_t)v - i;
		}
		i = skip_ws(p, len, (size_t)v);
		if (i < len && p[i] == '}')
			return skip_ws(p, len, i + 1) == len;
		if (i >= len || p[i] != ',')
			return false;
		i = skip_ws(p, len, i + 1);
	}
}

bool sio_json_object_get(const char *p, size_t len, const char *key, struct sio_span *out)
{
	return sio_json_object_fields(p, len, &key, out, 1) && out->len;
}
