/* Framing of TURN over a byte stream (TCP, TLS): RFC 8656 12.5 and RFC 7983.
 * The input is an evbuffer whose chains may break anywhere, even inside a
 * header: nothing here reads a byte it has not first made contiguous. */
#include <event2/buffer.h>

#include "turn/turn_internal.h"
#include "util/errors.h"

/* Enough to frame: the STUN header up to the magic cookie (RFC 8489 5),
 * which is checked before a frame is given out; ChannelData needs 4. */
#define STREAM_HEAD 8

ssize_t turn_stream_next(struct evbuffer *in, const uint8_t **frame)
{
	size_t have = evbuffer_get_length(in);
	size_t head = have < STREAM_HEAD ? have : STREAM_HEAD;
	uint8_t *p;
	ssize_t need;

	if (have == 0)
		return 0;
	p = evbuffer_pullup(in, (ev_ssize_t)head);
	if (!p)
		return TR_ENOMEM;
	/* Only the pulled-up bytes: a STUN frame (20 bytes at least) is never
	 * complete before its cookie has been seen and checked. */
	need = stun_stream_frame_len(p, head);
	if (need <= 0 || (size_t)need > have)
		return need < 0 ? need : 0;
	p = evbuffer_pullup(in, need);
	if (!p)
		return TR_ENOMEM;
	*frame = p;
	return need;
}
