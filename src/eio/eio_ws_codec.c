/* WebSocket frames (RFC 6455 section 5.2) for the Engine.IO transport:
 * the head read from bytes in place, masks undone in place, heads of
 * server frames written. Pure: no I/O, no allocation. */
#include <string.h>

#include "eio/eio.h"
#include "util/errors.h"

int eio_ws_frame_head(const uint8_t *p, size_t len, struct eio_ws_frame *f)
{
	size_t need = 2;
	uint64_t n;

	if (len < 2)
		return 0;
	f->fin = p[0] & 0x80;
	f->opcode = p[0] & 0x0F;
	f->masked = p[1] & 0x80;
	n = p[1] & 0x7F;
	if (p[0] & 0x70)
		return TR_EINVAL; /* RSV1-3 without an extension */
	switch (f->opcode) {
	case EIO_WS_CONT:
	case EIO_WS_TEXT:
	case EIO_WS_BINARY:
		break;
	case EIO_WS_CLOSE:
	case EIO_WS_PING:
	case EIO_WS_PONG:
		/* 5.5: control frames are short and never fragmented. */
		if (!f->fin || n > 125)
			return TR_EINVAL;
		break;
	default:
		return TR_EINVAL;
	}
	need += n == 126 ? 2 : n == 127 ? 8 : 0;
	need += f->masked ? 4 : 0;
	if (len < need)
		return 0;
	if (n == 126) {
		n = (uint64_t)p[2] << 8 | p[3];
	} else if (n == 127) {
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | p[2 + i];
		if (n >> 63)
			return TR_EINVAL;
	}
	f->len = n;
	if (f->masked)
		for (int i = 0; i < 4; i++)
			f->mask[i] = p[need - 4 + (size_t)i];
	f->head_len = need;
	return 1;
}

/* Eight bytes at a time: the mask repeats every four. */
void eio_ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t off)
{
	uint8_t m[8];
	uint64_t m64, v;
	size_t i = 0;

	for (int k = 0; k < 8; k++)
		m[k] = mask[(off + (uint64_t)k) & 3];
	memcpy(&m64, m, 8);
	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		v ^= m64;
		memcpy(p + i, &v, 8);
	}
	for (; i < n; i++)
		p[i] ^= mask[(off + i) & 3];
}

size_t eio_ws_head_write(uint8_t out[10], enum eio_ws_opcode op, uint64_t len)
{
	out[0] = (uint8_t)(0x80 | op);
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xFFFF) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}
