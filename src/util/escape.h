/* Client-supplied text made safe for a log line or the control socket's
 * output: nothing a client sends can start a line, rewrite a terminal or
 * pass for a character it is not. */
#ifndef TR_ESCAPE_H
#define TR_ESCAPE_H

#include <stddef.h>

/* Room for one escaped string in a log line: up to 252 bytes shown. */
#define ESC_LOG_LEN 256

/* Copies in[0, len) to out (outlen bytes, outlen >= 4, always
 * NUL-terminated), writing as \xNN every byte of: C0 controls (CR, LF, ESC,
 * NUL, ...), DEL, backslash (so an escape in the input cannot pass for one of
 * ours), any byte that is not part of well-formed UTF-8 (RFC 3629 4: no
 * overlong forms, surrogates or code points past U+10FFFF), and the C1
 * controls, U+2028/U+2029 and the bidi controls U+202A-U+202E and
 * U+2066-U+2069. Input that does not fit is cut at a character boundary and
 * ends in "...". Returns out. */
const char *esc_bytes(char *out, size_t outlen, const void *in, size_t len);
/* esc_bytes of a C string; NULL gives "(null)". */
const char *esc_str(char *out, size_t outlen, const char *s);

#endif
