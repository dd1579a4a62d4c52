/* Private to src/front: connection accounting (front_limit.c). */
#ifndef TR_FRONT_INTERNAL_H
#define TR_FRONT_INTERNAL_H

#include <stdint.h>

#include "front/front.h"
#include "util/log.h"

struct front_limits;

enum front_admit {
	FRONT_ADMIT_OK = 0,
	FRONT_ADMIT_TOTAL,  /* max-connections reached */
	FRONT_ADMIT_SOURCE, /* max-connections-per-source reached */
	FRONT_ADMIT_NOMEM,
};

/* Limits of 0 are taken as 1. NULL on allocation failure. Caller frees;
 * slots still held then stay valid and release nothing. */
struct front_limits *front_limits_new(unsigned max_total, unsigned max_per_source);
void front_limits_free(struct front_limits *l);
void front_limits_set(struct front_limits *l, unsigned max_total,
		      unsigned max_per_source);
/* A slot for one connection from client, or NULL with *why saying which
 * limit refused it. The caller hands the slot on with the connection. */
struct front_slot *front_limits_admit(struct front_limits *l,
				      const struct tr_addr *client,
				      enum front_admit *why);
size_t front_limits_open(const struct front_limits *l);

/* RLIMIT_NOFILE's soft limit raised to the hard one (as coturn does),
 * logged; returns the soft limit in force. */
uint64_t front_raise_nofile(void);

#endif
