/* One error convention for the whole tree: functions return 0 on success or
 * one of these negative codes; codecs return ssize_t (length or negative). */
#ifndef TR_ERRORS_H
#define TR_ERRORS_H

enum tr_error {
	TR_OK = 0,
	TR_ENOMEM = -1,   /* allocation failed */
	TR_EINVAL = -2,   /* malformed input or argument */
	TR_EIO = -3,      /* socket or file error */
	TR_ENOTFOUND = -4,/* no such user, secret, allocation, ... */
	TR_EEXISTS = -5,  /* already present */
	TR_EAUTH = -6,    /* credentials do not match */
	TR_ESTALE = -7,   /* nonce expired */
	TR_EQUOTA = -8,   /* a quota is reached */
	TR_ENOPORT = -9,  /* relay port pool exhausted */
	TR_EDB = -10,     /* sqlite error */
	TR_EFORBIDDEN = -11, /* peer refused by the filter */
	TR_ETRUNC = -12,  /* output buffer too small */
	TR_EEXPIRED = -13 /* REST credential past its EXPIRY */
};

/* Static text for an error code; never NULL. */
const char *tr_strerror(int err);

#endif
