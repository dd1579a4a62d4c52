/* Time sources. Protocol state uses monotonic milliseconds passed in
 * explicitly (so tests can use a fake clock); wall-clock seconds are only
 * for REST credential EXPIRY, which is unix time by definition. */
#ifndef TR_CLOCK_H
#define TR_CLOCK_H

#include <stdint.h>

uint64_t clock_mono_ms(void);
int64_t clock_wall_s(void);

#endif
