/* Lowercase hexadecimal: the one encoder and decoder of keys, nonces and
 * random ids, and of the \xNN escapes in logs. */
#ifndef TR_HEX_H
#define TR_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2 * len lowercase hex digits of in[0, len) to out; no NUL. */
void hex_encode(char *out, const uint8_t *in, size_t len);
/* The value of one hex digit, or -1. Upper case is accepted only when
 * upper_ok (a nonce is read in the one spelling we write). */
int hex_digit(char c, bool upper_ok);
/* Reads exactly 2 * len hex digits of in into out[0, len); false (out
 * unchanged) when any is not a digit. */
bool hex_decode(uint8_t *out, const char *in, size_t len, bool upper_ok);

#endif
