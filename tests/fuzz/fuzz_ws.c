/* libFuzzer target for the room server's connection path: the bytes a
 * client sends over one connection (HTTP request head, WebSocket upgrade,
 * frames, room-protocol JSON) go through a socket pair into the real
 * signaling_server on a real event loop, answers are read and dropped, and
 * the connection ends with EOF. A first byte with its low bit set puts a
 * valid upgrade head in front, so the fuzzer spends its time on frames and
 * JSON. One server for the whole run (a fresh one per input is ten times
 * slower): each input is a new connection; what a connection leaves
 * behind (a member in its resume window, with resume-window=0 none) is
 * swept by the server's own cron, and LeakSanitizer still sees leaks at
 * exit. */
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

#define FUZZ_ROUNDS 64

static const char upgrade_head[] = "GET /ws HTTP/1.1\r\n"
				   "Host: fuzz.test:8080\r\n"
				   "Upgrade: websocket\r\n"
				   "Connection: Upgrade\r\n"
				   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				   "Sec-WebSocket-Version: 13\r\n\r\n";

static struct event_base *base;
static struct conf *conf;
static struct auth *auth;
static struct signaling_server *server;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* No resume window: a departed member goes at once. */
	char *args[] = { "fuzz_ws", "--resume-window=0", "--ws-rate=100000", NULL };
	bool help, version;
	char err[CONF_ERR_MAX];

	log_open(NULL, false, LOG_LVL_ERR);
	base = event_base_new();
	conf = conf_new();
	if (!base || !conf || conf_load(conf, 3, args, &help, &version, err, sizeof(err)))
		abort();
	auth = auth_new(conf, NULL, err, sizeof(err));
	if (!auth)
		abort();
	server = signaling_server_new(base, conf, auth, NULL, NULL, err, sizeof(err));
	if (!server)
		abort();
	return 0;
}

/* Reads and drops what the server wrote back. */
static void drain(int fd)
{
	char scratch[65536];

	while (read(fd, scratch, sizeof(scratch)) > 0)
		;
}

static void turn_loop(int fd)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
	drain(fd);
}

static void feed(int fd, const uint8_t *p, size_t len)
{
	for (int round = 0; len && round < FUZZ_ROUNDS; round++) {
		ssize_t n = write(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
		turn_loop(fd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct signaling_server *s = server;
	struct tr_addr client, local;
	struct bufferevent *bev;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		abort();
	addr_parse_ip(&client, "192.0.2.7", 40000);
	addr_parse_ip(&local, "192.0.2.1", 8080);
	signaling_server_adopt(s, bev, &client, &local, false, NULL);
	if (size && (data[0] & 1))
		feed(sv[1], (const uint8_t *)upgrade_head, sizeof(upgrade_head) - 1);
	if (size)
		feed(sv[1], data + 1, size - 1);
	shutdown(sv[1], SHUT_WR);
	for (int i = 0; i < 4; i++)
		turn_loop(sv[1]);
	close(sv[1]);
	/* libevent finalizes freed bufferevents from the loop. */
	for (int i = 0; i < 3; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	return 0;
}
