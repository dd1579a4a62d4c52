/* The socket.io-client bundle, served at socketio-path for pages that load
 * <script src="/socket.io/socket.io.js"> from their signaling server:
 * only the fixed names of the npm package's dist/ (no path from the
 * request ever reaches the file system), read from socketio-client-dir,
 * bounded in size, kept in memory with a gzip copy and a content ETag,
 * and read again when the file changes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "conf/conf.h"
#include "eio/eio.h"
#include "http/http.h"
#include "signaling/signaling_internal.h"
#include "util/errors.h"
#include "util/log.h"

#define CLIENT_FILE_MAX (8u * 1024 * 1024)

static const struct {
	const char *name;
	const char *type;
} client_files[] = {
	{ "socket.io.js", "application/javascript; charset=utf-8" },
	{ "socket.io.min.js", "application/javascript; charset=utf-8" },
	{ "socket.io.esm.min.js", "application/javascript; charset=utf-8" },
	{ "socket.io.js.map", "application/json; charset=utf-8" },
	{ "socket.io.min.js.map", "application/json; charset=utf-8" },
	{ "socket.io.esm.min.js.map", "application/json; charset=utf-8" },
};
#define N_CLIENT_FILES (sizeof(client_files) / sizeof(client_files[0]))

struct client_file {
	char path[4096];
	off_t size;
	struct timespec mtime;
	uint8_t *data, *gz;
	size_t len, gz_len;
	char etag[48];
};

struct signaling_sio_files {
	struct client_file f[N_CLIENT_FILES];
};

static void file_drop(struct client_file *f)
{
	free(f->data);
	free(f->gz);
	memset(f, 0, sizeof(*f));
}

/* RFC 1952 gzip (zlib's windowBits 16 + 15); NULL when it does not help. */
static uint8_t *gzip(const uint8_t *p, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	uLong cap = compressBound((uLong)len) + 32;
	uint8_t *out = malloc(cap);

	if (!out || deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static int file_load(struct client_file *f, const char *path, const struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	ssize_t n;

	file_drop(f);
	if (fd < 0)
		return TR_EIO;
	f->data = malloc((size_t)st->st_size + 1);
	n = f->data ? read(fd, f->data, (size_t)st->st_size) : -1;
	close(fd);
	if (n != st->st_size) {
		file_drop(f);
		return TR_EIO;
	}
	f->len = (size_t)n;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->gz = gzip(f->data, f->len, &f->gz_len);
	/* A strong ETag from the content: the same file on two nodes, or
	 * after a reinstall, keeps its clients' caches. */
	EVP_Digest(f->data, f->len, md, &md_len, EVP_sha256(), NULL);
	snprintf(f->etag, sizeof(f->etag), "\"");
	for (unsigned i = 0; i < 16 && i < md_len; i++)
		snprintf(f->etag + 1 + 2 * i, 3, "%02x", md[i]);
	strcat(f->etag, "\"");
	return 0;
}

/* The current content of file i, (re)read when its path, size or mtime
 * changed; NULL when it is missing or too large. */
static struct client_file *file_get(struct signaling_server *s, size_t i)
{
	struct signaling_sio_files *files = s->sio_files;
	char path[4096];
	struct stat st;
	struct client_file *f;

	if (!files && !(files = s->sio_files = calloc(1, sizeof(*files))))
		return NULL;
	f = &files->f[i];
	snprintf(path, sizeof(path), "%s/%s", s->conf->socketio_client_dir,
		 client_files[i].name);
	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size > CLIENT_FILE_MAX) {
		file_drop(f);
		return NULL;
	}
	if (f->data && !strcmp(f->path, path) && f->size == st.st_size &&
	    f->mtime.tv_sec == st.st_mtim.tv_sec &&
	    f->mtime.tv_nsec == st.st_mtim.tv_nsec)
		return f;
	if (file_load(f, path, &st)) {
		log_warn("socketio-client-dir: cannot read %s", path);
		return NULL;
	}
	return f;
}

void signaling_sio_files_free(struct signaling_server *s)
{
	if (!s->sio_files)
		return;
	for (size_t i = 0; i < N_CLIENT_FILES; i++)
		file_drop(&s->sio_files->f[i]);
	free(s->sio_files);
	s->sio_files = NULL;
}

/* Whether "gzip" is among the codings, without q=0. */
static bool accepts_gzip(const char *list)
{
	const char *p = strstr(list, "gzip");

	return p && (p == list || p[-1] == ' ' || p[-1] == ',') &&
	       strncmp(p + 4, ";q=0,", 5) && strcmp(p + 4, ";q=0") &&
	       strncmp(p + 4, ";q=0 ", 5);
}

/* The file name under socketio-path, or -1. */
static int file_index(const struct conf *conf, const char *path)
{
	size_t n = strlen(conf->socketio_path);

	if (!n || strncmp(path, conf->socketio_path, n) ||
	    conf->socketio_path[n - 1] != '/')
		return -1;
	for (size_t i = 0; i < N_CLIENT_FILES; i++)
		if (!strcmp(path + n, client_files[i].name))
			return (int)i;
	return -1;
}

bool signaling_sio_client_file(struct signaling_conn *c, const struct http_request *req)
{
	struct signaling_server *s = c->server;
	bool head = http_method_is_head(req->method);
	char extra[256];
	struct client_file *f;
	int i = file_index(s->conf, req->path);
	bool gz;

	if (i < 0 || (!http_method_is_get(req->method) && !head))
		return false;
	c->eio_keep_alive = req->keep_alive;
	c->eio_head_only = head;
	f = s->conf->socketio_client_dir ? file_get(s, (size_t)i) : NULL;
	if (!f) {
		signaling_sio_conn_ops.reply(c, 404, "text/plain; charset=utf-8", "",
					     "not found\n", 10);
		return true;
	}
	if (req->if_none_match[0] && strstr(req->if_none_match, f->etag)) {
		snprintf(extra, sizeof(extra),
			 "ETag: %s\r\nCache-Control: public, max-age=0\r\n", f->etag);
		c->eio_head_only = true;
		signaling_sio_conn_ops.reply(c, 304, client_files[i].type, extra, NULL,
					     0);
		return true;
	}
	gz = f->gz && accepts_gzip(req->accept_encoding);
	snprintf(
		extra, sizeof(extra),
		"ETag: %s\r\nCache-Control: public, max-age=0\r\nVary: Accept-Encoding\r\n%s",
		f->etag, gz ? "Content-Encoding: gzip\r\n" : "");
	signaling_sio_conn_ops.reply(c, 200, client_files[i].type, extra,
				     gz ? f->gz : f->data, gz ? f->gz_len : f->len);
	return true;
}
