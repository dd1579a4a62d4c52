/* TURN stream framing (RFC 8656 12.5) over evbuffers whose chains break at
 * every byte offset: each piece is its own exactly-sized heap block,
 * referenced (not copied) into the buffer, so a read past what was pulled up
 * is a read past a block (ASan reports it; a release build misframes). */
#include <stdlib.h>

#include <event2/buffer.h>

#include "harness.h"
#include "turn/turn_internal.h"
#include "util/errors.h"

/* A Binding request with SOFTWARE "abc" (padded), a ChannelData of 5 bytes
 * (padded to 12 on a stream), an empty ChannelData, a ChannelData of 8. */
static const uint8_t stream[] = {
	0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42, 1,    2,    3,   4,   5,    6,
	7,    8,    9,    10,   11,   12,   0x80, 0x22, 0x00, 0x03, 'a', 'b', 'c',  0,
	0x40, 0x00, 0x00, 0x05, 'h',  'e',  'l',  'l',  'o',  0,    0,   0,   0x4F, 0xFF,
	0x00, 0x00, 0x41, 0x23, 0x00, 0x08, 1,    2,    3,    4,    5,   6,   7,    8,
};
static const size_t frame_ends[] = { 28, 40, 44, 56 };
#define N_FRAMES (sizeof(frame_ends) / sizeof(frame_ends[0]))

static void free_piece(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/* Appends stream[from, to) as one chain of its own. */
static void add_piece(struct evbuffer *in, size_t from, size_t to)
{
	uint8_t *piece = malloc(to - from);

	memcpy(piece, stream + from, to - from);
	evbuffer_add_reference(in, piece, to - from, free_piece, NULL);
}

/* Takes every whole frame out of in, checking each against the next
 * expected one; returns how many came out, or -1 on a framing error. */
static int take_frames(struct evbuffer *in, size_t *next)
{
	const uint8_t *frame;
	ssize_t n;
	int got = 0;

	while ((n = turn_stream_next(in, &frame)) > 0) {
		size_t start = *next ? frame_ends[*next - 1] : 0;

		if (*next >= N_FRAMES)
			return -1;
		CHECK_EQ_INT(n, frame_ends[*next] - start);
		CHECK(!memcmp(frame, stream + start, (size_t)n));
		evbuffer_drain(in, (size_t)n);
		(*next)++;
		got++;
	}
	return n < 0 ? -1 : got;
}

static void test_split_at_every_offset(void)
{
	for (size_t k = 1; k < sizeof(stream); k++) {
		struct evbuffer *in = evbuffer_new();
		size_t next = 0;

		/* The first piece arrives alone, as one read would bring it. */
		add_piece(in, 0, k);
		CHECK(take_frames(in, &next) >= 0);
		add_piece(in, k, sizeof(stream));
		CHECK(take_frames(in, &next) >= 0);
		if (next != N_FRAMES)
			fprintf(stderr, "  split at %zu: %zu frames\n", k, next);
		CHECK_EQ_INT(next, N_FRAMES);
		CHECK_EQ_INT(evbuffer_get_length(in), 0);
		evbuffer_free(in);
	}
}

static void test_one_chain_per_byte(void)
{
	struct evbuffer *in = evbuffer_new();
	size_t next = 0;

	for (size_t i = 0; i < sizeof(stream); i++) {
		add_piece(in, i, i + 1);
		CHECK(take_frames(in, &next) >= 0);
	}
	CHECK_EQ_INT(next, N_FRAMES);
	CHECK_EQ_INT(evbuffer_get_length(in), 0);
	evbuffer_free(in);
}

static void test_all_at_once(void)
{
	struct evbuffer *in = evbuffer_new();
	size_t next = 0;

	add_piece(in, 0, sizeof(stream));
	CHECK_EQ_INT(take_frames(in, &next), N_FRAMES);
	evbuffer_free(in);
}

/* A bad cookie is refused once it is there, never before or misframed. */
static void test_bad_cookie_split(void)
{
	static const uint8_t bad[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x43 };

	for (size_t k = 1; k < sizeof(bad); k++) {
		struct evbuffer *in = evbuffer_new();
		const uint8_t *frame;
		uint8_t *a = malloc(k), *b = malloc(sizeof(bad) - k);
		ssize_t first;

		memcpy(a, bad, k);
		memcpy(b, bad + k, sizeof(bad) - k);
		evbuffer_add_reference(in, a, k, free_piece, NULL);
		first = turn_stream_next(in, &frame);
		CHECK(k >= 8 ? first == TR_EINVAL : first == 0);
		evbuffer_add_reference(in, b, sizeof(bad) - k, free_piece, NULL);
		CHECK_EQ_INT(turn_stream_next(in, &frame), TR_EINVAL);
		evbuffer_free(in);
	}
}

static void test_neither_stun_nor_channeldata(void)
{
	struct evbuffer *in = evbuffer_new();
	const uint8_t *frame;

	/* 0x80-0xFF starts neither (RFC 7983 5). */
	evbuffer_add(in, "\x80\x01\x00\x00", 4);
	CHECK_EQ_INT(turn_stream_next(in, &frame), TR_EINVAL);
	evbuffer_free(in);
}

int main(void)
{
	RUN(test_split_at_every_offset);
	RUN(test_one_chain_per_byte);
	RUN(test_all_at_once);
	RUN(test_bad_cookie_split);
	RUN(test_neither_stun_nor_channeldata);
	return HARNESS_DONE();
}
