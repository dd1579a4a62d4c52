/* The member connection of every transport (signaling_policy.h, issue 17):
 * the native WebSocket (struct signaling_conn in SIG_WEBSOCKET) and the
 * Engine.IO session, whether it carries its packets over a WebSocket or
 * long polling (eio hides which: its queue, its close and its peer are
 * the same calls). The policy and the budget shedding go through these. */
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <wslay/wslay.h>

#include "eio/eio.h"
#include "signaling/signaling_internal.h"
#include "signaling/signaling_policy.h"
#include "util/addr.h"
#include "util/errors.h"

void signaling_member_source(const struct sig_member *m, uint8_t key[ADDR_SOURCE_KEY_LEN])
{
	addr_source_key(sig_member_peer(m), key);
}

/* ---- native WebSocket ---- */

static int conn_send_text(void *conn, const char *text, size_t len)
{
	struct signaling_conn *c = conn;

	if (c->dead || c->state != SIG_WEBSOCKET)
		return TR_EIO;
	/* Over ws-max-output, wslay's send callback cuts the connection. */
	signaling_ws_send_text(c, text, len);
	return c->dead ? TR_EQUOTA : 0;
}

/* A policy close (1008), with reason in the close frame and the log. */
static void conn_close(void *conn, const char *reason)
{
	signaling_ws_close(conn, WSLAY_CODE_POLICY_VIOLATION, reason);
}

static size_t conn_queued(const void *conn)
{
	const struct signaling_conn *c = conn;

	return c->dead ? 0 : evbuffer_get_length(bufferevent_get_output(c->bev));
}

static const struct tr_addr *conn_peer(const void *conn)
{
	return &((const struct signaling_conn *)conn)->peer;
}

static const struct sig_member_ops conn_ops = {
	conn_send_text,
	conn_close,
	conn_queued,
	conn_peer,
};

struct sig_member signaling_conn_member(struct signaling_conn *c)
{
	return (struct sig_member){ &conn_ops, c };
}

/* ---- Engine.IO session (WebSocket or polling) ---- */

static int member_eio_send(void *conn, const char *text, size_t len)
{
	/* Refused when closing, or over its queue limit (then closed). */
	return eio_session_send(conn, false, text, len) ? 0 : TR_EQUOTA;
}

static void member_eio_close(void *conn, const char *reason)
{
	eio_session_close(conn, reason);
}

static size_t member_eio_queued(const void *conn)
{
	return eio_session_queued(conn);
}

static const struct tr_addr *member_eio_peer(const void *conn)
{
	return eio_session_peer(conn);
}

static const struct sig_member_ops member_eio_ops = {
	member_eio_send,
	member_eio_close,
	member_eio_queued,
	member_eio_peer,
};

struct sig_member signaling_eio_member(struct eio_session *s)
{
	return (struct sig_member){ &member_eio_ops, s };
}
