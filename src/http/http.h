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
/* A chunked body (RFC 9112 section 7.1) at the start of p: 1 when whole,
 * with its bytes in out (*out_len) and the input it took (*used); 0 when
 * more input is needed; TR_ETRUNC when the body exceeds cap; TR_EINVAL
 * when malformed. Extensions and trailers are skipped. Pure. */
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
