/* The HTTP/1.1 layer (src/http) the room page, /healthz, /metrics, /ws and
 * /socket.io/ share: the request head, parsed by a pure codec over
 * http-parser (no I/O, no allocation), and chunked bodies. It includes
 * nothing from src/signaling. */
#ifndef TR_HTTP_H
#define TR_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A request head larger than this is answered 431. */
#define HTTP_HEAD_MAX 8192

struct http_request {
	unsigned method; /* http-parser's enum http_method */
	char path[1024]; /* without the query string */
	char host[256];
	char origin[256];
	char ws_key[64];         /* Sec-WebSocket-Key */
	char authorization[512]; /* Authorization (metrics-token); a secret */
	unsigned ws_version;     /* Sec-WebSocket-Version */
	bool upgrade_websocket;  /* Upgrade: websocket + Connection: upgrade */
	bool keep_alive;
	uint64_t content_length;
	/* for the Socket.IO endpoint (signaling_sio_http.c) */
	char query[1024]; /* after '?', without it; "" when none */
	char content_type[128];
	char accept_encoding[256];
	char if_none_match[128];
	bool chunked; /* Transfer-Encoding: chunked body */
};

/* Finds the end of a head ("\r\n\r\n") in p: its length including the
 * blank line, 0 when not there yet. */
size_t http_head_length(const uint8_t *p, size_t len);
/* Parses a complete head of exactly len bytes. 0, or TR_EINVAL when the
 * head is malformed or a field does not fit its buffer. */
int http_parse_head(const uint8_t *p, size_t len, struct http_request *req);
/* A chunked body (RFC 9112 section 7.1) decoded as it arrives, in reads
 * of any size: the state between two reads is this struct, so a chunk may
 * span any number of them. Pure: no I/O, no allocation. */
struct http_chunked {
	uint64_t left;     /* data bytes still due in the current chunk */
	uint64_t total;    /* data bytes decoded so far */
	uint64_t overhead; /* framing bytes so far: sizes, extensions, CRLFs, trailers */
	uint32_t line;     /* bytes of the current size or trailer line */
	uint8_t state;
	uint8_t digits;
	bool done; /* the last chunk and the trailer section are read */
};

/* A size line (with its extensions) or a trailer line longer than this is
 * malformed; framing bytes beyond HTTP_CHUNKED_OVERHEAD_MAX in one body
 * make it too large, whatever its data. */
#define HTTP_CHUNK_LINE_MAX 1024
#define HTTP_CHUNKED_OVERHEAD_MAX 65536

void http_chunked_init(struct http_chunked *d);
/* Decodes the next len bytes of a body. The data they carry goes to out,
 * which must have room for min(len, max - d->total) bytes (data is never
 * longer than its input, nor let past max); *out_len says how much. Returns
 * the input bytes taken: all of len, or fewer once d->done (the bytes after
 * the body belong to the next request); TR_ETRUNC when the data would pass
 * max or the framing HTTP_CHUNKED_OVERHEAD_MAX; TR_EINVAL when malformed.
 * After an error the decoder is not to be fed again. Extensions and
 * trailer fields are skipped. */
ssize_t http_chunked_feed(struct http_chunked *d, const uint8_t *p, size_t len,
			  uint8_t *out, size_t *out_len, uint64_t max);
/* The whole body at the start of p in one call: 1 when complete, with its
 * data in out (*out_len, at most cap bytes) and the input it took (*used);
 * 0 when more input is needed; TR_ETRUNC when the data exceeds cap;
 * TR_EINVAL when malformed. */
int http_chunked_decode(const uint8_t *p, size_t len, uint8_t *out, size_t cap,
			size_t *out_len, size_t *used);
/* "GET", "POST", ... for logs. */
const char *http_method_name(unsigned method);
bool http_method_is_get(unsigned method);
bool http_method_is_head(unsigned method);
bool http_method_is_post(unsigned method);
bool http_method_is_options(unsigned method);
/* The reason phrase of an HTTP status ("Error" for one not listed). */
const char *http_status_text(int status);

#endif
