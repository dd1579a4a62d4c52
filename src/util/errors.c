#include <assert.h>

#include "util/errors.h"

/* The band must stay clear of -1 (POSIX) and of the STUN codes 300..699,
 * so that a code can never be taken for either. */
static_assert(TR_ENOMEM == TR_ERR_BASE && TR_ERR_BASE < -699,
	      "TR_E* codes live in their own band below -699");
static_assert(TR_ELAST > -2000, "TR_E* band overflows its thousand");

static const char *const tr_error_text[] = {
	[TR_ERR_BASE - TR_ENOMEM] = "out of memory",
	[TR_ERR_BASE - TR_EINVAL] = "invalid input",
	[TR_ERR_BASE - TR_EIO] = "I/O error",
	[TR_ERR_BASE - TR_ENOTFOUND] = "not found",
	[TR_ERR_BASE - TR_EEXISTS] = "already exists",
	[TR_ERR_BASE - TR_EAUTH] = "authentication failed",
	[TR_ERR_BASE - TR_ESTALE] = "stale nonce",
	[TR_ERR_BASE - TR_EQUOTA] = "quota reached",
	[TR_ERR_BASE - TR_ENOPORT] = "no relay port available",
	[TR_ERR_BASE - TR_EDB] = "database error",
	[TR_ERR_BASE - TR_EFORBIDDEN] = "forbidden",
	[TR_ERR_BASE - TR_ETRUNC] = "buffer too small",
	[TR_ERR_BASE - TR_EEXPIRED] = "credential expired",
};

static_assert(sizeof(tr_error_text) / sizeof(tr_error_text[0]) ==
		      (unsigned)(TR_ERR_BASE - TR_ELAST) + 1u,
	      "every TR_E* code has its text");

const char *tr_strerror(int err)
{
	if (err == TR_OK)
		return "success";
	if (!TR_IS_ERROR(err) || !tr_error_text[TR_ERR_BASE - err])
		return "unknown error";
	return tr_error_text[TR_ERR_BASE - err];
}
