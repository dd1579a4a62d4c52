/* The chunked transfer coding (RFC 9112 section 7.1), decoded as the bytes
 * arrive: a state machine over the framing, the data copied out in runs.
 * A chunk may span any number of reads (a node client's body of one chunk
 * larger than a socket read), and whether the body is too large is decided
 * on the data decoded plus the chunk announced, never on what happens to
 * be buffered. */
#include <string.h>

#include "http/http.h"
#include "util/errors.h"
#include "util/hex.h"

enum {
	S_SIZE,         /* chunk-size: 1*HEXDIG */
	S_EXT,          /* chunk-ext, skipped up to CR */
	S_SIZE_LF,      /* the LF ending the size line */
	S_DATA,         /* chunk-data */
	S_DATA_CR,      /* the CRLF after chunk-data */
	S_DATA_LF,      /* */
	S_TRAILER,      /* the start of a trailer line, or the final CRLF */
	S_TRAILER_LINE, /* a trailer field, skipped up to CR */
	S_TRAILER_LF,   /* the LF ending it */
	S_END_LF,       /* the LF of the final CRLF */
};

void http_chunked_init(struct http_chunked *d)
{
	memset(d, 0, sizeof(*d));
	d->state = S_SIZE;
}

/* Lines are CRLF-terminated (7.1, 7.1.2); a bare LF inside one is refused,
 * since a parser in front of us might end the line there. */
static int line_byte(struct http_chunked *d, uint8_t c, uint8_t at_cr)
{
	if (++d->line > HTTP_CHUNK_LINE_MAX || c == '\n')
		return TR_EINVAL;
	if (c == '\r')
		d->state = at_cr;
	return 0;
}

static int size_byte(struct http_chunked *d, uint8_t c)
{
	int v = hex_digit((char)c, true);

	if (v >= 0) {
		/* 8 digits: chunks under 4 GiB, far past any body cap. */
		if (d->digits >= 8 || ++d->line > HTTP_CHUNK_LINE_MAX)
			return TR_EINVAL;
		d->left = d->left * 16 + (uint64_t)v;
		d->digits++;
		return 0;
	}
	if (!d->digits)
		return TR_EINVAL;
	/* chunk-ext = *( BWS ";" ... ): whatever follows the size is skipped. */
	if (c == ';' || c == ' ' || c == '\t') {
		d->state = S_EXT;
		return line_byte(d, c, S_SIZE_LF);
	}
	if (c != '\r')
		return TR_EINVAL;
	d->state = S_SIZE_LF;
	return 0;
}

/* One byte of framing (anything but chunk-data). */
static int framing_byte(struct http_chunked *d, uint8_t c, uint64_t max)
{
	switch (d->state) {
	case S_SIZE:
		return size_byte(d, c);
	case S_EXT:
		return line_byte(d, c, S_SIZE_LF);
	case S_SIZE_LF:
		if (c != '\n')
			return TR_EINVAL;
		d->line = 0;
		if (!d->left) {
			d->state = S_TRAILER; /* last-chunk */
			return 0;
		}
		/* The cap is on the decoded body: what it has plus what this
		 * chunk announces. */
		if (d->total > max || d->left > max - d->total)
			return TR_ETRUNC;
		d->state = S_DATA;
		return 0;
	case S_DATA_CR:
		d->state = S_DATA_LF;
		return c == '\r' ? 0 : TR_EINVAL;
	case S_DATA_LF:
		d->state = S_SIZE;
		d->digits = 0;
		return c == '\n' ? 0 : TR_EINVAL;
	case S_TRAILER:
		if (c == '\r') {
			d->state = S_END_LF;
			return 0;
		}
		d->state = S_TRAILER_LINE;
		return line_byte(d, c, S_TRAILER_LF);
	case S_TRAILER_LINE:
		return line_byte(d, c, S_TRAILER_LF);
	case S_TRAILER_LF:
		d->line = 0;
		d->state = S_TRAILER;
		return c == '\n' ? 0 : TR_EINVAL;
	case S_END_LF:
		d->done = c == '\n';
		return d->done ? 0 : TR_EINVAL;
	}
	return TR_EINVAL;
}

ssize_t http_chunked_feed(struct http_chunked *d, const uint8_t *p, size_t len,
			  uint8_t *out, size_t *out_len, uint64_t max)
{
	size_t i = 0, o = 0;
	int rc;

	*out_len = 0;
	while (i < len && !d->done) {
		if (d->state == S_DATA) {
			size_t n = len - i < d->left ? len - i : (size_t)d->left;

			memcpy(out + o, p + i, n);
			o += n;
			i += n;
			d->left -= n;
			d->total += n;
			if (!d->left)
				d->state = S_DATA_CR;
			continue;
		}
		if (d->overhead++ >= HTTP_CHUNKED_OVERHEAD_MAX)
			return TR_ETRUNC;
		if ((rc = framing_byte(d, p[i], max)) < 0)
			return rc;
		i++;
	}
	*out_len = o;
	return (ssize_t)i;
}

int http_chunked_decode(const uint8_t *p, size_t len, uint8_t *out, size_t cap,
			size_t *out_len, size_t *used)
{
	struct http_chunked d;
	size_t o;
	ssize_t n;

	http_chunked_init(&d);
	n = http_chunked_feed(&d, p, len, out, &o, cap);
	if (n < 0)
		return (int)n;
	if (!d.done)
		return 0;
	*out_len = o;
	*used = (size_t)n;
	return 1;
}
