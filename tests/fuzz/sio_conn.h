/* What the Socket.IO fuzz targets (fuzz_sio_ws.c, fuzz_sio_binary.c) share:
 * one real signaling_server on one event loop for the whole run, client
 * connections over socket pairs adopted as the front door would, a writer
 * of client WebSocket frames (RFC 6455 5.2, masked), and a reader of what
 * the server writes back that checks it as it goes: the 101, then frames a
 * server may send (unmasked, whole, no data after a close frame, a close
 * code 7.4 allows on the wire), Engine.IO packets, Socket.IO packets that
 * parse, and after a binary packet exactly its attachments. Header-only:
 * each fuzz target is one .c file. */
#ifndef TR_FUZZ_SIO_CONN_H
#define TR_FUZZ_SIO_CONN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "eio/eio.h"
#include "signaling/signaling.h"
#include "signaling/signaling_internal.h"
#include "signaling/signaling_sio.h"
#include "sio/sio.h"
#include "util/log.h"

#define FZ_ASSERT(c)                                                                     \
	do {                                                                             \
		if (!(c)) {                                                              \
			fprintf(stderr, "%s:%d: FZ_ASSERT(%s)\n", __FILE__, __LINE__,    \
				#c);                                                     \
			abort();                                                         \
		}                                                                        \
	} while (0)

static const char fz_upgrade_head[] =
	"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
	"Host: fuzz.test:8080\r\n"
	"Upgrade: websocket\r\n"
	"Connection: Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"Sec-WebSocket-Version: 13\r\n\r\n";

static struct event_base *fz_base;
static struct conf *fz_conf;
static struct auth *fz_auth;
static struct signaling_server *fz_server;
static bool fz_trace; /* FZ_TRACE=1: what the server sends, on stderr */

/* AddressSanitizer's quarantine of freed memory at 16 MB, not 256: every
 * input allocates afresh (sessions, sockets, buffers), and with the large
 * one each allocation touches new pages, a third of the run's time. 16 MB
 * still holds the frees of the last hundred inputs. (ASAN_OPTIONS
 * overrides it.) */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

/* The server, with the options in args (args[0] the program name). */
static void fz_server_start(int argc, char **args)
{
	bool help, version;
	char err[CONF_ERR_MAX];

	fz_trace = getenv("FZ_TRACE") != NULL;
	log_open(NULL, fz_trace, fz_trace ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	fz_base = event_base_new();
	fz_conf = conf_new();
	if (!fz_base || !fz_conf ||
	    conf_load(fz_conf, argc, args, &help, &version, err, sizeof(err)))
		abort();
	fz_auth = auth_new(fz_conf, NULL, err, sizeof(err));
	if (!fz_auth)
		abort();
	fz_server = signaling_server_new(fz_base, fz_conf, fz_auth, NULL, NULL, err,
					 sizeof(err));
	if (!fz_server)
		abort();
}

/* ---- a growable byte buffer ---- */

struct fz_buf {
	uint8_t *p;
	size_t len, cap;
};

static void fz_buf_add(struct fz_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 512;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* One client frame: b0 is FIN/RSV/opcode as on the wire; masked frames
 * get a mask from seed (5.3). len16/len64 force the longer length forms
 * (5.2 asks for the shortest, a reader need not care); declared, when
 * not UINT64_MAX, is the length written instead of n (a lie the reader
 * must survive). */
static void fz_frame(struct fz_buf *b, uint8_t b0, bool masked, int form,
		     uint64_t declared, const uint8_t *p, size_t n, uint32_t seed)
{
	uint64_t len = declared != UINT64_MAX ? declared : n;
	uint8_t h[14], mask[4] = { (uint8_t)(seed | 1), (uint8_t)(seed >> 8),
				   (uint8_t)(seed >> 16), (uint8_t)(0x5a ^ seed) };
	uint8_t m = masked ? 0x80 : 0, chunk[256];
	size_t hl = 0;

	h[hl++] = b0;
	if (len < 126 && form == 0) {
		h[hl++] = (uint8_t)(m | len);
	} else if (len <= 0xffff && form <= 1) {
		h[hl++] = m | 126;
		h[hl++] = (uint8_t)(len >> 8);
		h[hl++] = (uint8_t)len;
	} else {
		h[hl++] = m | 127;
		for (int i = 7; i >= 0; i--)
			h[hl++] = (uint8_t)(len >> (8 * i));
	}
	if (masked) {
		memcpy(h + hl, mask, 4);
		hl += 4;
	}
	fz_buf_add(b, h, hl);
	for (size_t off = 0; off < n; off += sizeof(chunk)) {
		size_t k = n - off < sizeof(chunk) ? n - off : sizeof(chunk);

		for (size_t i = 0; i < k; i++)
			chunk[i] = (uint8_t)(p[off + i] ^
					     (masked ? mask[(off + i) & 3] : 0));
		fz_buf_add(b, chunk, k);
	}
}

/* ---- one client connection ---- */

struct fz_client {
	int fd;      /* our end of the socket pair; -1 once closed */
	bool strict; /* our own upgrade head: a 101 and an open packet are due */
	bool eof;    /* the server closed its end */
	bool http_done, ws, close_seen;
	unsigned frames;
	unsigned bin_due; /* attachments the server announced, not yet sent */
	uint16_t close_code;
	struct fz_buf in; /* what the server sent, not yet read */
};

/* 7.4.1/7.4.2: the codes an endpoint may put in a close frame. */
static bool fz_close_code_ok(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
	       (code >= 3000 && code <= 4999);
}

/* A text frame from the server: an Engine.IO packet; a message is a
 * Socket.IO packet that parses, a binary one announcing its attachments. */
static void fz_check_text(struct fz_client *c, const uint8_t *p, size_t n)
{
	struct sio_packet pkt;

	FZ_ASSERT(!c->bin_due);
	FZ_ASSERT(n >= 1 && p[0] >= '0' && p[0] <= '6');
	if (c->frames == 0 && c->strict)
		FZ_ASSERT(p[0] == '0' && n > 1 && p[1] == '{');
	if (p[0] != '4')
		return;
	FZ_ASSERT(sio_packet_parse(p + 1, n - 1, &pkt) == 0);
	if (pkt.type == SIO_EVENT || pkt.type == SIO_BINARY_EVENT || pkt.type == SIO_ACK)
		FZ_ASSERT(pkt.data_len && pkt.data[0] == '[');
	if (pkt.type == SIO_BINARY_EVENT || pkt.type == SIO_BINARY_ACK)
		c->bin_due = pkt.attachments;
}

static void fz_check_frame(struct fz_client *c, const struct eio_ws_frame *f,
			   const uint8_t *p)
{
	if (fz_trace)
		fprintf(stderr, "fd %d <- op %u: %.*s\n", c->fd, f->opcode,
			f->opcode == EIO_WS_TEXT ? (int)f->len : 0, (const char *)p);
	FZ_ASSERT(!c->close_seen);
	FZ_ASSERT(!f->masked && f->fin);
	switch (f->opcode) {
	case EIO_WS_TEXT:
		fz_check_text(c, p, (size_t)f->len);
		break;
	case EIO_WS_BINARY:
		FZ_ASSERT(c->bin_due > 0);
		c->bin_due--;
		break;
	case EIO_WS_CLOSE:
		FZ_ASSERT(f->len == 2);
		c->close_code = (uint16_t)(p[0] << 8 | p[1]);
		FZ_ASSERT(fz_close_code_ok(c->close_code));
		c->close_seen = true;
		break;
	case EIO_WS_PONG:
		break;
	default:
		FZ_ASSERT(0 && "a frame a server does not send");
	}
	c->frames++;
}

/* Checks and drops what has come whole; the rest waits for more. */
static void fz_parse(struct fz_client *c)
{
	size_t off = 0;

	if (!c->http_done) {
		uint8_t *end =
			c->in.len >= 4 ? memmem(c->in.p, c->in.len, "\r\n\r\n", 4) : NULL;

		if (!end)
			return;
		off = (size_t)(end - c->in.p) + 4;
		c->http_done = true;
		c->ws = !memcmp(c->in.p, "HTTP/1.1 101 ", 13);
		if (c->strict)
			FZ_ASSERT(c->ws);
	}
	while (c->ws) {
		struct eio_ws_frame f;

		if (eio_ws_frame_head(c->in.p + off, c->in.len - off, &f) != 1 ||
		    c->in.len - off < f.head_len + f.len)
			break;
		fz_check_frame(c, &f, c->in.p + off + f.head_len);
		off += f.head_len + (size_t)f.len;
	}
	if (!c->ws)
		off = c->in.len; /* an HTTP answer: not ours to check */
	memmove(c->in.p, c->in.p + off, c->in.len - off);
	c->in.len -= off;
}

/* Reads what the server wrote so far. */
static void fz_client_read(struct fz_client *c)
{
	uint8_t scratch[16384];
	ssize_t n;

	if (c->fd < 0 || c->eof)
		return;
	while ((n = read(c->fd, scratch, sizeof(scratch))) > 0) {
		fz_buf_add(&c->in, scratch, (size_t)n);
		fz_parse(c);
	}
	if (n == 0) {
		c->eof = true;
		/* Everything was written whole (a frame cut short would be a
		 * server that gave up on its own output). */
		if (c->ws)
			FZ_ASSERT(c->in.len == 0);
	}
}

static void fz_turn(void)
{
	event_base_loop(fz_base, EVLOOP_NONBLOCK);
}

/* A new connection adopted by the server from client address ip. */
static void fz_client_open(struct fz_client *c, const char *ip)
{
	struct tr_addr client, local;
	struct bufferevent *bev;
	int sv[2];

	memset(c, 0, sizeof(*c));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	bev = bufferevent_socket_new(fz_base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		abort();
	addr_parse_ip(&client, ip, 40000);
	addr_parse_ip(&local, "192.0.2.1", 8080);
	signaling_server_adopt(fz_server, bev, &client, &local, false, NULL);
	c->fd = sv[1];
}

/* Writes p whole (the socket pair holds far more than a fuzz input) and
 * lets the server read it; what it answers is read later (fz_client_read:
 * a read per step would cost as much as the step). */
static void fz_client_write(struct fz_client *c, const void *p, size_t n)
{
	const uint8_t *q = p;

	for (int round = 0; c->fd >= 0 && n && round < 64; round++) {
		/* (no SIGPIPE when the server has closed its end) */
		ssize_t w = send(c->fd, q, n, MSG_NOSIGNAL);

		if (w > 0) {
			q += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN) {
			break;
		}
		fz_turn();
	}
}

/* EOF from the client; then the server closes and frees its end. */
static void fz_client_close(struct fz_client *c)
{
	if (c->fd < 0)
		return;
	shutdown(c->fd, SHUT_WR);
	for (int i = 0; i < 8 && !c->eof; i++) {
		fz_turn();
		fz_client_read(c);
	}
	FZ_ASSERT(c->eof);
	close(c->fd);
	c->fd = -1;
	free(c->in.p);
	c->in.p = NULL;
	c->in.len = c->in.cap = 0;
}

/* ---- what the server holds ---- */

/* The counter behind turnroom_socketio_attachment_bytes, read directly:
 * cheap enough to check after every step. */
static size_t fz_attachment_bytes(void)
{
	return fz_server->sio->counters.attachment_bytes;
}

static size_t fz_sessions(void)
{
	return signaling_sio_session_count(fz_server);
}

/* The value of the sample named name (with its labels) in the room
 * server's /metrics body; aborts when absent. */
static uint64_t fz_metric(const char *name)
{
	struct evbuffer *out = evbuffer_new();
	char *body, *at;
	size_t n = strlen(name);
	uint64_t v;

	if (!out)
		abort();
	signaling_server_write_metrics(fz_server, out);
	evbuffer_add(out, "", 1);
	body = (char *)evbuffer_pullup(out, -1);
	for (at = strstr(body, name); at; at = strstr(at + 1, name))
		if ((at == body || at[-1] == '\n') && at[n] == ' ')
			break;
	FZ_ASSERT(at);
	v = strtoull(at + n + 1, NULL, 10);
	evbuffer_free(out);
	return v;
}

/* Nothing left once every connection is gone: no room, no Engine.IO
 * session, no attachment bytes; every 256th time through /metrics too (writing the
 * whole body costs as much as a fuzz input). */
static void fz_check_idle(void)
{
	static unsigned calls;

	/* Members lost without a goodbye keep a resume window (0 s here)
	 * that the server's cron closes each second: closed now, so that
	 * every input starts with no room. */
	signaling_touch_clock(fz_server);
	room_engine_tick(fz_server->rooms, fz_server->now_ms);
	FZ_ASSERT(room_engine_room_count(fz_server->rooms) == 0);
	FZ_ASSERT(fz_sessions() == 0);
	FZ_ASSERT(fz_attachment_bytes() == 0);
	if (calls++ % 256)
		return;
	FZ_ASSERT(fz_metric("turnroom_engineio_sessions{transport=\"websocket\"}") == 0);
	FZ_ASSERT(fz_metric("turnroom_socketio_attachment_bytes") == 0);
}

#endif
