/* Whom the allocation quotas count and how many each may hold (RFC 8656
 * section 7.2: "486 Allocation Quota Reached"). Pure: no server state.
 *
 * Three kinds of credential, three counters that never meet:
 *  - a long-term user counts under its name (user-quota);
 *  - a REST credential counts under the ID part of its username, so fresh
 *    credentials of one ID share a count, as coturn does (user-quota);
 *  - a room-minted REST credential ("EXPIRY:room~ID", auth.h) is a REST ID
 *    too, and member-quota applies to it as well: the room server hands
 *    those to anyone who joins an open room.
 * A long-term user "alice" and the REST ID "alice" are different people
 * (coturn keys REST users apart from its user database): the kind is part
 * of the key. */
#include <stdio.h>

#include "conf/conf.h"
#include "turn/turn_internal.h"

void turn_quota_key(enum auth_kind kind, const char *username, char sep,
		    char out[TURN_QUOTA_KEY_MAX])
{
	size_t n;
	const char *id = auth_cred_user(kind, username, sep, &n);

	snprintf(out, TURN_QUOTA_KEY_MAX, "%c%.*s", kind == AUTH_KIND_REST ? 'R' : 'L',
		 (int)n, id);
}

size_t turn_quota_user_limit(const struct conf *c, enum auth_kind kind,
			     const char *username, const char **option)
{
	size_t limit = c->user_quota;

	*option = "user-quota";
	if (auth_room_member_id(kind, username, c->rest_api_separator) &&
	    c->member_quota && (!limit || c->member_quota < limit)) {
		limit = c->member_quota;
		*option = "member-quota";
	}
	return limit;
}

size_t turn_quota_total_limit(const struct conf *c)
{
	size_t span = (size_t)c->max_port - c->min_port + 1;

	if (c->total_quota)
		return c->total_quota;
	return span - span / 10 ? span - span / 10 : 1;
}
