/* --token: a join token for signaling-auth=token, as a site's backend
 * would mint it: an HS256 JWT (RFC 7519, RFC 7515) with the claims the
 * room server checks: room (a room id, or "*" for any), sub, exp. */
#include "admin/admin_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>

/* Builds the token; NULL on failure. Caller frees with free(). */
static char *token_encode(const struct admin_ctx *ctx, long now)
{
	jwt_t *jwt = NULL;
	char *out = NULL;

	if (jwt_new(&jwt) != 0)
		return NULL;
	if (jwt_add_grant(jwt, "room", ctx->room) == 0 &&
	    jwt_add_grant(jwt, "sub", ctx->user) == 0 &&
	    jwt_add_grant_int(jwt, "iat", now) == 0 &&
	    jwt_add_grant_int(jwt, "exp", now + ctx->ttl) == 0 &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)ctx->jwt_secret,
			(int)strlen(ctx->jwt_secret)) == 0)
		out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return out;
}

int admin_cmd_token(struct admin_ctx *ctx)
{
	char *token;
	int rc = 0;

	if (!ctx->jwt_secret || !*ctx->jwt_secret) {
		fputs("The operation cannot be completed: the signaling secret must be "
		      "set (--secret, or signaling-secret in -c FILE).\n",
		      stderr);
		return 1;
	}
	if (!*ctx->room)
		return admin_fail("--room: the room must not be empty (\"*\" means any)");
	token = token_encode(ctx, (long)time(NULL));
	if (!token)
		return admin_fail("cannot build the token (out of memory?)");
	if (printf("%s\n", token) < 0 || fflush(stdout) != 0)
		rc = admin_fail("cannot write the token");
	free(token);
	return rc;
}
