/* libFuzzer target for the Socket.IO endpoint's connection path, as
 * fuzz_ws.c is for /ws: the bytes a client sends (HTTP heads, POST bodies
 * with Content-Length or chunked, WebSocket frames carrying Engine.IO and
 * Socket.IO packets) go through a socket pair into the real
 * signaling_server on a real event loop, written in pieces of a size the
 * input chooses so that bodies and frames span reads. Each input first
 * opens a polling session on a connection of its own; "@@" in the input
 * stands for its sid. The first byte picks what goes in front:
 *   & 3 == 0  nothing
 *   & 3 == 1  a POST head with that sid, chunked: the input is the body
 *   & 3 == 2  a POST head with that sid and the input's length
 *   & 3 == 3  a WebSocket upgrade of that session: the input is frames
 * and >> 2 the size of the writes (write_size). A small
 * signaling-max-queued and socketio-max-payload put the budget's shedding
 * and the body limits within reach. The session is closed (POST "1") at
 * the end of the input; LeakSanitizer sees leaks at exit. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "fuzz.h"
#include "signaling/signaling.h"
#include "util/log.h"

#define FUZZ_ROUNDS 4096
#define FUZZ_INPUT_MAX 8192

static struct event_base *base;
static struct conf *conf;
static struct auth *auth;
static struct signaling_server *server;
static unsigned n_inputs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *args[] = { "fuzz_sio_conn", "--resume-window=0", "--ws-rate=100000",
			 "--socketio-rate=100000", "--socketio-max-payload=4096",
			 "--socketio-max-queued=8192", "--signaling-max-queued=65536",
			 "--room-capacity=4",
			 /* sessions the inputs open themselves end soon */
			 "--socketio-ping-interval=100", "--socketio-ping-timeout=100",
			 "--socketio-connect-timeout=100", NULL };
	bool help, version;
	char err[CONF_ERR_MAX];

	/* Refused requests end their connection while we write: EPIPE, as
	 * turnroom itself runs (main ignores SIGPIPE). */
	signal(SIGPIPE, SIG_IGN);
	log_open(NULL, false, LOG_LVL_ERR);
	base = event_base_new();
	conf = conf_new();
	if (!base || !conf ||
	    conf_load(conf, 11, args, &help, &version, err, sizeof(err)))
		abort();
	auth = auth_new(conf, NULL, err, sizeof(err));
	if (!auth)
		abort();
	server = signaling_server_new(base, conf, auth, NULL, NULL, err, sizeof(err));
	if (!server)
		abort();
	return 0;
}

/* A new connection from a source address of its own (the per-address
 * session limit never fills); the client's end of the pair. */
static int connect_pair(void)
{
	struct tr_addr client, local;
	struct bufferevent *bev;
	char ip[32];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		abort();
	n_inputs++;
	snprintf(ip, sizeof(ip), "10.%u.%u.%u", (n_inputs >> 16) & 255,
		 (n_inputs >> 8) & 255, n_inputs & 255);
	addr_parse_ip(&client, ip, 40000);
	addr_parse_ip(&local, "192.0.2.1", 8080);
	signaling_server_adopt(server, bev, &client, &local, false, NULL);
	return sv[1];
}

/* Runs the loop; what the server wrote goes to keep (cap bytes, NUL
 * ended) or is dropped. */
static void turn_loop(int fd, char *keep, size_t cap)
{
	char scratch[65536];
	size_t have = keep ? strlen(keep) : 0;
	ssize_t n;

	event_base_loop(base, EVLOOP_NONBLOCK);
	while ((n = read(fd, scratch, sizeof(scratch))) > 0) {
		if (keep && have + 1 < cap) {
			size_t k =
				(size_t)n < cap - 1 - have ? (size_t)n : cap - 1 - have;

			memcpy(keep + have, scratch, k);
			have += k;
			keep[have] = '\0';
		}
	}
}

static void feed(int fd, const uint8_t *p, size_t len, size_t step)
{
	for (int round = 0; len && round < FUZZ_ROUNDS; round++) {
		ssize_t n = write(fd, p, len < step ? len : step);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
		turn_loop(fd, NULL, 0);
	}
}

static void hang_up(int fd)
{
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 4; i++)
		turn_loop(fd, NULL, 0);
	close(fd);
	/* libevent finalizes freed bufferevents from the loop. */
	for (int i = 0; i < 3; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

/* A polling handshake on a connection of its own: the session's sid. */
static void open_session(char sid[32])
{
	static const char get[] = "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n"
				  "Host: fuzz.test\r\n\r\n";
	char answer[1024] = "";
	const char *p;
	int fd = connect_pair();

	feed(fd, (const uint8_t *)get, sizeof(get) - 1, sizeof(get));
	turn_loop(fd, answer, sizeof(answer));
	p = strstr(answer, "\"sid\":\"");
	snprintf(sid, 32, "%.20s", p ? p + 7 : "none");
	hang_up(fd);
}

static void close_session(const char *sid)
{
	char post[256];
	int fd = connect_pair();
	int n = snprintf(post, sizeof(post),
			 "POST /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\n"
			 "Host: fuzz.test\r\nContent-Length: 1\r\n\r\n1",
			 sid);

	feed(fd, (const uint8_t *)post, (size_t)n, (size_t)n);
	hang_up(fd);
}

/* The input with "@@" replaced by the sid, after the head its mode
 * asks for. Its length. */
static size_t build(const uint8_t *data, size_t size, const char *sid, uint8_t *out)
{
	size_t o = 0, body = size - 1;
	int n = 0;

	switch (data[0] & 3) {
	case 1:
		n = snprintf(
			(char *)out, 512,
			"POST /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\n"
			"Host: fuzz.test\r\nTransfer-Encoding: chunked\r\n\r\n",
			sid);
		break;
	case 2:
		n = snprintf(
			(char *)out, 512,
			"POST /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\n"
			"Host: fuzz.test\r\nContent-Length: %zu\r\n\r\n",
			sid, body);
		break;
	case 3:
		n = snprintf(
			(char *)out, 512,
			"GET /socket.io/?EIO=4&transport=websocket&sid=%s HTTP/1.1\r\n"
			"Host: fuzz.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			"Sec-WebSocket-Version: 13\r\n\r\n",
			sid);
		break;
	}
	o = (size_t)n;
	for (size_t i = 1; i < size; i++) {
		if (data[i] == '@' && i + 1 < size && data[i + 1] == '@') {
			memcpy(out + o, sid, strlen(sid));
			o += strlen(sid);
			i++;
			continue;
		}
		out[o++] = data[i];
	}
	return o;
}

/* 1 to 8 bytes (every read splits a frame or a chunk line), or 64 to 3584
 * (reads end anywhere, fewer turns of the loop). */
static size_t write_size(unsigned k)
{
	return k < 8 ? 1 + k : 64 * (k - 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Each "@@" grows by 18 bytes at most: 10 per input byte is room. */
	static uint8_t buf[512 + 10 * FUZZ_INPUT_MAX];
	char sid[32];
	size_t len;
	int fd;

	if (!size || size > FUZZ_INPUT_MAX)
		return 0;
	open_session(sid);
	len = build(data, size, sid, buf);
	fd = connect_pair();
	feed(fd, buf, len, write_size(data[0] >> 2));
	hang_up(fd);
	close_session(sid);
	return 0;
}
