/* The web client, compiled into the binary (scripts/embed writes the byte
 * arrays from web/ at build time), so one file is the whole server. */
#include <string.h>

#include "signaling/signaling_internal.h"

extern const unsigned char web_index_html[];
extern const size_t web_index_html_len;
extern const unsigned char web_turnroom_js[];
extern const size_t web_turnroom_js_len;
extern const unsigned char web_call_js[];
extern const size_t web_call_js_len;
extern const unsigned char web_quality_js[];
extern const size_t web_quality_js_len;

const uint8_t *signaling_web_file(const char *path, size_t *len,
				  const char **content_type)
{
	static const struct {
		const char *path;
		const unsigned char *data;
		const size_t *len;
		const char *type;
	} files[] = {
		{ "/", web_index_html, &web_index_html_len, "text/html; charset=utf-8" },
		{ "/index.html", web_index_html, &web_index_html_len,
		  "text/html; charset=utf-8" },
		{ "/turnroom.js", web_turnroom_js, &web_turnroom_js_len,
		  "text/javascript; charset=utf-8" },
		{ "/call.js", web_call_js, &web_call_js_len,
		  "text/javascript; charset=utf-8" },
		{ "/quality.js", web_quality_js, &web_quality_js_len,
		  "text/javascript; charset=utf-8" },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!strcmp(files[i].path, path)) {
			*len = *files[i].len;
			*content_type = files[i].type;
			return files[i].data;
		}
	}
	return NULL;
}
