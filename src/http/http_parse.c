/* The HTTP/1.1 request head (RFC 9112), read with http-parser into a fixed
 * struct: only the fields routing and the WebSocket upgrade need. */
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "util/errors.h"

enum which_header {
	H_NONE,
	H_HOST,
	H_ORIGIN,
	H_WS_KEY,
	H_WS_VERSION,
	H_UPGRADE,
	H_CONNECTION,
	H_AUTHORIZATION,
	H_CONTENT_TYPE,
	H_ACCEPT_ENCODING,
	H_IF_NONE_MATCH
};

struct head_state {
	struct http_request *req;
	enum which_header current;
	char upgrade[64];
	char connection[128];
	char version[8];
	bool overflow;
	bool in_query; /* the URL arrives in chunks: past its '?' */
};

/* Appends a callback's chunk to a NUL-terminated field; marks overflow. */
static void append(struct head_state *st, char *dst, size_t cap, const char *at,
		   size_t len)
{
	size_t have = strlen(dst);

	if (have + len >= cap) {
		st->overflow = true;
		return;
	}
	memcpy(dst + have, at, len);
	dst[have + len] = '\0';
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
	struct head_state *st = hp->data;
	const char *q = memchr(at, '?', len);

	if (st->in_query) {
		append(st, st->req->query, sizeof(st->req->query), at, len);
		return 0;
	}
	append(st, st->req->path, sizeof(st->req->path), at, q ? (size_t)(q - at) : len);
	if (q) {
		st->in_query = true;
		append(st, st->req->query, sizeof(st->req->query), q + 1,
		       len - (size_t)(q - at) - 1);
	}
	return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
	static const struct {
		const char *name;
		enum which_header which;
	} known[] = {
		{ "host", H_HOST },
		{ "origin", H_ORIGIN },
		{ "sec-websocket-key", H_WS_KEY },
		{ "sec-websocket-version", H_WS_VERSION },
		{ "upgrade", H_UPGRADE },
		{ "connection", H_CONNECTION },
		{ "authorization", H_AUTHORIZATION },
		{ "content-type", H_CONTENT_TYPE },
		{ "accept-encoding", H_ACCEPT_ENCODING },
		{ "if-none-match", H_IF_NONE_MATCH },
	};
	struct head_state *st = hp->data;

	st->current = H_NONE;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == len && !strncasecmp(known[i].name, at, len))
			st->current = known[i].which;
	return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
	struct head_state *st = hp->data;
	struct http_request *r = st->req;

	switch (st->current) {
	case H_HOST:
		append(st, r->host, sizeof(r->host), at, len);
		break;
	case H_ORIGIN:
		append(st, r->origin, sizeof(r->origin), at, len);
		break;
	case H_WS_KEY:
		append(st, r->ws_key, sizeof(r->ws_key), at, len);
		break;
	case H_WS_VERSION:
		append(st, st->version, sizeof(st->version), at, len);
		break;
	case H_UPGRADE:
		append(st, st->upgrade, sizeof(st->upgrade), at, len);
		break;
	case H_CONNECTION:
		append(st, st->connection, sizeof(st->connection), at, len);
		break;
	case H_AUTHORIZATION:
		append(st, r->authorization, sizeof(r->authorization), at, len);
		break;
	case H_CONTENT_TYPE:
		append(st, r->content_type, sizeof(r->content_type), at, len);
		break;
	case H_ACCEPT_ENCODING:
		append(st, r->accept_encoding, sizeof(r->accept_encoding), at, len);
		break;
	case H_IF_NONE_MATCH:
		append(st, r->if_none_match, sizeof(r->if_none_match), at, len);
		break;
	case H_NONE:
		break;
	}
	return 0;
}

/* Stop at the end of the head: bodies are not for us. */
static int on_headers_complete(http_parser *hp)
{
	return 1;
}

/* "Connection: keep-alive, Upgrade" lists tokens; look for one. */
static bool has_token(const char *list, const char *token)
{
	size_t n = strlen(token);

	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!strncasecmp(p, token, n) &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

size_t http_head_length(const uint8_t *p, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' &&
		    p[i - 3] == '\r')
			return i + 1;
	return 0;
}

int http_parse_head(const uint8_t *p, size_t len, struct http_request *req)
{
	http_parser hp;
	http_parser_settings settings;
	struct head_state st;
	size_t done;

	memset(req, 0, sizeof(*req));
	memset(&st, 0, sizeof(st));
	memset(&settings, 0, sizeof(settings));
	settings.on_url = on_url;
	settings.on_header_field = on_header_field;
	settings.on_header_value = on_header_value;
	settings.on_headers_complete = on_headers_complete;
	st.req = req;
	http_parser_init(&hp, HTTP_REQUEST);
	hp.data = &st;
	done = http_parser_execute(&hp, &settings, (const char *)p, len);
	/* Returning 1 from on_headers_complete is reported as a callback
	 * error by some versions and as a clean stop by others; the state
	 * that matters is that the head was read to its end. */
	if (st.overflow || (HTTP_PARSER_ERRNO(&hp) != HPE_OK &&
			    HTTP_PARSER_ERRNO(&hp) != HPE_CB_headers_complete))
		return TR_EINVAL;
	if (done + 1 < len || req->path[0] != '/')
		return TR_EINVAL;
	req->method = hp.method;
	req->keep_alive = http_should_keep_alive(&hp);
	req->chunked = (hp.flags & F_CHUNKED) != 0;
	req->content_length = hp.content_length == (uint64_t)-1 ? 0 : hp.content_length;
	req->ws_version = (unsigned)atoi(st.version);
	req->upgrade_websocket = !strcasecmp(st.upgrade, "websocket") &&
				 has_token(st.connection, "upgrade");
	return 0;
}

const char *http_method_name(unsigned method)
{
	return http_method_str((enum http_method)method);
}

bool http_method_is_get(unsigned method)
{
	return method == HTTP_GET;
}

bool http_method_is_head(unsigned method)
{
	return method == HTTP_HEAD;
}

bool http_method_is_post(unsigned method)
{
	return method == HTTP_POST;
}

bool http_method_is_options(unsigned method)
{
	return method == HTTP_OPTIONS;
}

/* The reason phrases of the statuses the server sends (RFC 9110 section 15). */
static const struct {
	int status;
	const char *text;
} status_texts[] = {
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 204, "No Content" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 413, "Payload Too Large" },
	{ 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
};

const char *http_status_text(int status)
{
	for (size_t i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]); i++)
		if (status_texts[i].status == status)
			return status_texts[i].text;
	return "Error";
}
