#include "util/errors.h"

const char *tr_strerror(int err)
{
	switch (err) {
	case TR_OK: return "success";
	case TR_ENOMEM: return "out of memory";
	case TR_EINVAL: return "invalid input";
	case TR_EIO: return "I/O error";
	case TR_ENOTFOUND: return "not found";
	case TR_EEXISTS: return "already exists";
	case TR_EAUTH: return "authentication failed";
	case TR_ESTALE: return "stale nonce";
	case TR_EQUOTA: return "quota reached";
	case TR_ENOPORT: return "no relay port available";
	case TR_EDB: return "database error";
	case TR_EFORBIDDEN: return "forbidden";
	case TR_ETRUNC: return "buffer too small";
	case TR_EEXPIRED: return "credential expired";
	}
	return "unknown error";
}
