/* libFuzzer target for the binary-attachment state of the Socket.IO layer
 * (signaling_sio.c): BINARY_EVENT "5" and BINARY_ACK "6" packets with their
 * "N-" attachment counts, then binary frames, before and after CONNECT,
 * mixed with events, acks, joins, disconnects and stray frames, from up to
 * three clients over socket pairs into one real server (sio_conn.h).
 *
 * The input is a list of operations (below), each written as one batch of
 * frames and read by the server at once. After every one the harness's
 * model bounds what the server may hold: the attachment bytes held
 * (turnroom_socketio_attachment_bytes) are at most those sent for binary
 * packets still owed attachments, and 0 when none is; never more than one
 * event's worth (ws-max-message) per client. What each client receives is
 * checked too: a relayed binary event comes with exactly its attachments.
 * A text packet while attachments are due, or an attachment without a
 * binary packet, must end the session (its bytes with it); an EOF, a close
 * frame likewise. Once every client is gone nothing is left. */
#include "fuzz.h"
#include "sio_conn.h"

#define MAX_CLIENTS 3
#define MAX_MESSAGE 256 /* ws-max-message below */
/* Steps of one input: each costs a write and a turn of the loop. */
#define MAX_STEPS 24

enum op {
	OP_OPEN,       /* a new client (the current one) */
	OP_SELECT,     /* another client */
	OP_CONNECT,    /* 40, 40/x, or 40 with an auth payload */
	OP_DISCONNECT, /* 41 */
	OP_JOIN,       /* 42["join", room], with or without an ack */
	OP_LEAVE,
	OP_MESSAGE,
	OP_BINARY,     /* 45k-[name, placeholders], then some attachments */
	OP_BINARY_ACK, /* 46k-id[placeholders], then some attachments */
	OP_STRAY,      /* one binary frame */
	OP_MORE,       /* more attachments of the packet in progress */
	OP_TEXT,       /* an Engine.IO text frame of input bytes */
	OP_PING,       /* Engine.IO ping or pong, or a WebSocket ping */
	OP_CLOSE,      /* a close frame or EOF: the client goes */
	OP_OVERSIZE,   /* an event past ws-max-message, text or binary */
	OP_COUNT
};

struct client {
	struct fz_client io;
	bool open;
	unsigned owed; /* attachments our last binary head announced, unsent */
	size_t sent;   /* bytes of that packet's attachments sent so far */
};

static struct client clients[MAX_CLIENTS];
static uint32_t mask_seed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* No resume window, no rate to run into; a small ws-max-message so
	 * that attachments go past it, under socketio-max-payload. */
	char *args[] = { "fuzz_sio_binary",
			 "--resume-window=0",
			 "--ws-rate=100000",
			 "--socketio-rate=1000000",
			 "--ws-max-message=256",
			 "--socketio-max-payload=4096",
			 NULL };

	fz_server_start(6, args);
	return 0;
}

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct reader *r)
{
	uint8_t b = 0;

	if (r->n) {
		b = *r->p++;
		r->n--;
	}
	return b;
}

/* ---- frames ---- */

static void add_text(struct fz_buf *b, const char *s, size_t n)
{
	fz_frame(b, 0x81, true, 0, UINT64_MAX, (const uint8_t *)s, n, mask_seed++);
}

static void add_textf(struct fz_buf *b, const char *s)
{
	add_text(b, s, strlen(s));
}

/* An attachment of n bytes, whole or in two fragments (5.4). */
static void add_binary(struct fz_buf *b, size_t n, bool fragmented)
{
	uint8_t p[2048];

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + n);
	if (fragmented && n > 1) {
		fz_frame(b, 0x02, true, 0, UINT64_MAX, p, n / 2, mask_seed++);
		fz_frame(b, 0x80, true, 0, UINT64_MAX, p + n / 2, n - n / 2, mask_seed++);
	} else {
		fz_frame(b, 0x82, true, 0, UINT64_MAX, p, n, mask_seed++);
	}
}

/* ---- the model ---- */

/* A Socket.IO text packet while attachments were due ends the session:
 * nothing of its packet is held after it. */
static void sent_sio_text(struct client *c)
{
	c->owed = 0;
	c->sent = 0;
}

static void sent_attachment(struct client *c, size_t n)
{
	if (!c->owed)
		return; /* a stray frame: the session ends */
	c->sent += n;
	if (--c->owed == 0)
		c->sent = 0;
}

static void check_model(void)
{
	size_t owed = 0, sent = 0, open = 0, held = fz_attachment_bytes();

	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (!clients[i].open)
			continue;
		open++;
		owed += clients[i].owed;
		sent += clients[i].sent;
	}
	FZ_ASSERT(held <= sent);
	FZ_ASSERT(held <= open * MAX_MESSAGE);
	if (!owed)
		FZ_ASSERT(held == 0);
}

/* ---- operations ---- */

static void client_open(struct client *c)
{
	fz_client_open(&c->io, "192.0.2.9");
	c->io.strict = true;
	c->open = true;
	c->owed = 0;
	c->sent = 0;
	fz_client_write(&c->io, fz_upgrade_head, sizeof(fz_upgrade_head) - 1);
}

static void client_close(struct client *c)
{
	fz_client_close(&c->io);
	c->open = false;
	c->owed = 0;
	c->sent = 0;
}

static const char *const names[] = { "relay",     "message",    "join",   "leave",
				     "checkRoom", "refreshIce", "connect" };

/* The head, JSON and attachments of a binary packet (v: bit 0 an ack id,
 * 1 a namespace not connected, 2 a bad placeholder, 3 fragmented
 * attachments, 4 larger ones, 5 placeholders nested, 6 only some sent;
 * bits 5-7 also pick the event name). k is 0 to 4, or 65 (over the
 * maximum of 64). */
static void binary_packet(struct client *c, struct reader *r, struct fz_buf *b, bool ack)
{
	uint8_t v = take(r), kk = take(r);
	unsigned k = kk % 6 == 5 ? 65 : kk % 6, m = k;
	char text[2048];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "4%c%u-%s", ack ? '6' : '5', k,
			      (v & 2) ? "/x," : "");
	if ((v & 1) || ack)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%u", take(r));
	text[n++] = '[';
	if (!ack)
		n += (size_t)
			snprintf(text + n, sizeof(text) - n, "\"%s\",",
				 names[(v >> 5) % (sizeof(names) / sizeof(names[0]))]);
	if (v & 0x20)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "{\"d\":[");
	for (unsigned i = 0; i < k && n < sizeof(text) - 64; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s{\"_placeholder\":true,\"num\":%u}",
				      i ? "," : "", (v & 4) && i == k - 1 ? k : i);
	if (v & 0x20)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "]}");
	if (text[n - 1] == ',')
		n--;
	text[n++] = ']';
	if (c->owed)
		sent_sio_text(c);
	add_text(b, text, n);
	c->owed = k;
	c->sent = 0;
	if (v & 0x40)
		m = take(r) % (k + 1);
	for (unsigned i = 0; i < m; i++) {
		size_t len = (size_t)take(r) * ((v & 0x10) ? 4 : 1);

		add_binary(b, len, v & 8);
		sent_attachment(c, len);
	}
}

/* An event over ws-max-message: text (refused), or the head of a binary
 * one (its attachments then dropped as they come). */
static void oversize(struct client *c, struct reader *r, struct fz_buf *b)
{
	uint8_t v = take(r);
	unsigned k = v % 3;
	char text[1024];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text),
			     k ? "45%u-[\"relay\",\"" : "42[\"relay\",\"", k);
	memset(text + n, 'a', 300);
	n += 300;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\"");
	for (unsigned i = 0; i < k; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      ",{\"_placeholder\":true,\"num\":%u}", i);
	text[n++] = ']';
	if (c->owed)
		sent_sio_text(c);
	add_text(b, text, n);
	c->owed = k;
	c->sent = 0;
}

/* An Engine.IO text frame of input bytes: a Socket.IO packet ("4", never
 * a binary one: the model would not know what it owes) or another type. */
static void raw_text(struct client *c, struct reader *r, struct fz_buf *b)
{
	static const char types[] = "4444412356";
	char text[40];
	size_t n = take(r) % 32;

	text[0] = types[take(r) % (sizeof(types) - 1)];
	for (size_t i = 0; i < n; i++)
		text[1 + i] = (char)take(r);
	if (text[0] == '4' && n && (text[1] == '5' || text[1] == '6'))
		text[1] = '2';
	if (text[0] == '4' && c->owed)
		sent_sio_text(c);
	add_text(b, text, n + 1);
}

static void sio_text(struct client *c, struct fz_buf *b, const char *s)
{
	if (c->owed)
		sent_sio_text(c);
	add_textf(b, s);
}

static void step(struct reader *r, int *cur)
{
	struct client *c = &clients[*cur];
	struct fz_buf b = { 0 };
	uint8_t op = take(r) % OP_COUNT, x;
	char text[128];

	switch (op) {
	case OP_OPEN:
	case OP_SELECT:
		*cur = op == OP_OPEN ? (*cur + 1) % MAX_CLIENTS : take(r) % MAX_CLIENTS;
		c = &clients[*cur];
		if (!c->open)
			client_open(c);
		break;
	case OP_CONNECT:
		x = take(r) % 4;
		sio_text(c, &b,
			 x == 0   ? "40"
			 : x == 1 ? "40/x,"
			 : x == 2 ? "40{\"token\":\"t\"}"
				  : "40[]");
		break;
	case OP_DISCONNECT:
		sio_text(c, &b, take(r) & 1 ? "41/x," : "41");
		break;
	case OP_JOIN:
		x = take(r);
		snprintf(text, sizeof(text),
			 (x & 2) ? "42%s[\"join\",\"fz%u\"]"
				 : "42%s[\"join\",{\"roomId\":\"fz%u\"}]",
			 (x & 1) ? "7" : "", (unsigned)(x >> 2) & 1);
		sio_text(c, &b, text);
		break;
	case OP_LEAVE:
		sio_text(c, &b, "42[\"leave\"]");
		break;
	case OP_MESSAGE:
		sio_text(c, &b,
			 take(r) & 1 ? "425[\"message\",{\"data\":{\"n\":1}}]"
				     : "42[\"message\",{\"data\":\"hi\"}]");
		break;
	case OP_BINARY:
	case OP_BINARY_ACK:
		binary_packet(c, r, &b, op == OP_BINARY_ACK);
		break;
	case OP_STRAY:
	case OP_MORE:
		x = op == OP_STRAY ? 1 : take(r) % (c->owed + 1);
		for (unsigned i = 0; i < x; i++) {
			size_t len = take(r);

			add_binary(&b, len, false);
			sent_attachment(c, len);
		}
		break;
	case OP_TEXT:
		raw_text(c, r, &b);
		break;
	case OP_PING:
		x = take(r) % 3;
		if (x == 2)
			fz_frame(&b, 0x89, true, 0, UINT64_MAX, (const uint8_t *)"p", 1,
				 mask_seed++);
		else
			add_textf(&b, x ? "3" : "2");
		break;
	case OP_CLOSE:
		if (take(r) & 1)
			fz_frame(&b, 0x88, true, 0, UINT64_MAX,
				 (const uint8_t *)"\x03\xe8", 2, mask_seed++);
		break;
	case OP_OVERSIZE:
		oversize(c, r, &b);
		break;
	}
	if (b.len && c->open)
		fz_client_write(&c->io, b.p, b.len);
	free(b.p);
	if (op == OP_CLOSE && c->open)
		client_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	int cur = 0;

	mask_seed = 0x2545f491u;
	client_open(&clients[0]);
	for (int steps = 0; r.n && steps < MAX_STEPS; steps++) {
		step(&r, &cur);
		check_model();
		for (int i = 0; i < MAX_CLIENTS && steps % 8 == 7; i++)
			if (clients[i].open)
				fz_client_read(&clients[i].io);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].open)
			client_close(&clients[i]);
	check_model();
	fz_check_idle();
	return 0;
}
