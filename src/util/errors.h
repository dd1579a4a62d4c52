/* One error convention for the whole tree: functions return 0 on success or
 * one of these negative codes; codecs return ssize_t (length or negative).
 * The codes sit in a band of their own, at TR_ERR_BASE and below, so that
 * none of them is -1: a -1 is a POSIX return (fd, syscall, with errno) and
 * never an error code of ours. STUN error codes (300..699) are never mixed
 * into these returns either; they travel in an enum stun_error. */
#ifndef TR_ERRORS_H
#define TR_ERRORS_H

#define TR_ERR_BASE (-1000)

enum tr_error {
	TR_OK = 0,
	TR_ENOMEM = TR_ERR_BASE,          /* allocation failed */
	TR_EINVAL = TR_ERR_BASE - 1,      /* malformed input or argument */
	TR_EIO = TR_ERR_BASE - 2,         /* socket or file error */
	TR_ENOTFOUND = TR_ERR_BASE - 3,   /* no such user, secret, allocation, ... */
	TR_EEXISTS = TR_ERR_BASE - 4,     /* already present */
	TR_EAUTH = TR_ERR_BASE - 5,       /* credentials do not match */
	TR_ESTALE = TR_ERR_BASE - 6,      /* nonce expired */
	TR_EQUOTA = TR_ERR_BASE - 7,      /* a quota is reached */
	TR_ENOPORT = TR_ERR_BASE - 8,     /* relay port pool exhausted */
	TR_EDB = TR_ERR_BASE - 9,         /* sqlite error */
	TR_EFORBIDDEN = TR_ERR_BASE - 10, /* peer refused by the filter */
	TR_ETRUNC = TR_ERR_BASE - 11,     /* output buffer too small */
	TR_EEXPIRED = TR_ERR_BASE - 12,   /* REST credential past its EXPIRY */
	TR_ELAST = TR_EEXPIRED            /* the lowest code; keep last */
};

/* Whether err is one of the codes above (not 0, not a POSIX -1). */
#define TR_IS_ERROR(err) ((err) <= TR_ERR_BASE && (err) >= TR_ELAST)

/* Static text for an error code; never NULL. */
const char *tr_strerror(int err);

#endif
