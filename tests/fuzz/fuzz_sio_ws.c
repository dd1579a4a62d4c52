/* libFuzzer target for the Socket.IO WebSocket frame reader
 * (signaling_sio_ws.c): the bytes of one client connection go through a
 * socket pair into the real signaling_server (one for the whole run, as
 * fuzz_ws.c), cut at fuzz-chosen points into several writes, each read by
 * the server before the next, so a frame head or payload split across
 * reads is covered; then EOF. What the server writes back is checked
 * frame by frame (sio_conn.h), and once the connection is gone no
 * Engine.IO session and no attachment bytes are left.
 *
 * Input: byte 0 is flags (bit 0: our upgrade head first, else the body is
 * the whole stream, HTTP head included; bit 1: the body is a list of
 * frames to encode, else raw bytes); the last byte's low 4 bits count cut
 * points, each two bytes (little endian, modulo the stream length) before
 * it; the rest is the body. An encoded frame is 3 bytes and its payload:
 * b (bits 0-3 the opcode, any of 16; bit 4 not FIN; bits 5-7 the form:
 * 0-3 masked with the shortest length, 4 the 16-bit length, 5 the 64-bit
 * one, 6 a declared length of the next two bytes whatever the payload, 7
 * unmasked when L is odd else RSV1 set), L, and t: a payload of template
 * t (Engine.IO and Socket.IO packets) then L bytes of input, or with
 * t = 255 L * 8 filler bytes (past socketio-max-payload, 1024 here), or
 * else L bytes of input. */
#include "fuzz.h"
#include "sio_conn.h"

#define MAX_CUTS 15

static const char *const templates[] = {
	"40",
	"40{\"token\":\"t\"}",
	"41",
	"42[\"join\",\"fz\"]",
	"421[\"join\",{\"roomId\":\"fz\"}]",
	"42[\"message\",",
	"42[\"leave\"]",
	"423[\"checkRoom\",\"fz\"]",
	"42[\"relay\",",
	"451-[\"relay\",{\"_placeholder\":true,\"num\":0}]",
	"452-3[\"x\",{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]",
	"461-7[{\"_placeholder\":true,\"num\":0}]",
	"2",
	"3",
	"2probe",
	"5",
	"6",
	"1",
	"4",
	"40/x,",
	"43",
	"44",
};
#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* No resume window; no rate to run into; a small payload cap so
	 * that 2 KB of input can go past it. */
	char *args[] = { "fuzz_sio_ws",
			 "--resume-window=0",
			 "--ws-rate=100000",
			 "--socketio-rate=1000000",
			 "--socketio-max-payload=1024",
			 NULL };

	fz_server_start(5, args);
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

/* One frame of the structured body into wire. */
static void encode_frame(struct reader *r, struct fz_buf *wire, uint32_t seed)
{
	uint8_t b = take(r), len = take(r), t = take(r), form = b >> 5;
	uint8_t b0 = (uint8_t)((b & 0x0f) | ((b & 0x10) ? 0 : 0x80));
	uint64_t declared = UINT64_MAX;
	uint8_t payload[2048];
	size_t n = 0, k;

	if (form == 6)
		declared = (uint64_t)take(r) << 8 | take(r);
	if (form == 7 && !(len & 1))
		b0 |= 0x40;
	if (t == 255) {
		n = (size_t)len * 8;
		memset(payload, 'a', n);
	} else {
		if (t < N_TEMPLATES) {
			n = strlen(templates[t]);
			memcpy(payload, templates[t], n);
		}
		k = len < r->n ? len : r->n;
		memcpy(payload + n, r->p, k);
		n += k;
		r->p += k;
		r->n -= k;
	}
	fz_frame(wire, b0, !(form == 7 && (len & 1)),
		 form == 4   ? 1
		 : form == 5 ? 2
			     : 0,
		 declared, payload, n, seed);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_buf wire = { 0 };
	struct fz_client c;
	size_t cuts[MAX_CUTS + 2], ncuts, body_len;
	uint8_t flags;

	if (size < 2)
		return 0;
	flags = data[0];
	ncuts = data[size - 1] & 15;
	if (2 * ncuts + 2 > size)
		ncuts = (size - 2) / 2;
	body_len = size - 2 - 2 * ncuts;
	if (flags & 1)
		fz_buf_add(&wire, fz_upgrade_head, sizeof(fz_upgrade_head) - 1);
	if (flags & 2) {
		struct reader r = { data + 1, body_len };

		for (uint32_t seed = 0x9e3779b9u; r.n; seed = seed * 2654435761u + 1)
			encode_frame(&r, &wire, seed);
	} else {
		fz_buf_add(&wire, data + 1, body_len);
	}
	/* The cut points, then each piece written and read on its own. */
	for (size_t i = 0; i < ncuts; i++) {
		const uint8_t *q = data + 1 + body_len + 2 * i;

		cuts[i] = wire.len ? (size_t)(q[0] | q[1] << 8) % wire.len : 0;
	}
	cuts[ncuts] = wire.len;
	qsort(cuts, ncuts, sizeof(cuts[0]), cmp_size);
	fz_client_open(&c, "192.0.2.7");
	c.strict = flags & 1;
	for (size_t i = 0, from = 0; i <= ncuts; i++) {
		if (cuts[i] > from) {
			fz_client_write(&c, wire.p + from, cuts[i] - from);
			fz_client_read(&c);
		}
		from = cuts[i];
	}
	fz_client_close(&c);
	free(wire.p);
	/* Nothing of the connection is left (its member, without a resume
	 * window, goes with the server's cron). */
	fz_check_idle();
	return 0;
}
