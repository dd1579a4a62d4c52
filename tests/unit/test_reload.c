/* Reload behaviour declared in the option table (issue 12 item 2): the
 * generic diff, restart-only options kept with one line each (secrets
 * unshown), the room engine's settings for new rooms only, and the log
 * sink switched in two phases (no-stdout-log). */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_internal.h"
#include "harness.h"
#include "rooms/rooms.h"
#include "util/addr.h"
#include "util/errors.h"
#include "util/log.h"

/* A temp file name (created empty) in path. */
static bool temp_path(char path[64])
{
	int fd;

	snprintf(path, 64, "/tmp/test_reload_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* A new value kind without equal/copy/show would be skipped by the diff
 * (a change to it never reported): every kind in the table has them. */
static void test_every_kind_has_ops(void)
{
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];
		const struct conf_kind_ops *k = conf_kind(o->type);

		if (o->type == CONF_UNIMPL) {
			CHECK(k == NULL);
			continue;
		}
		if (!k || !k->equal || !k->copy || !k->show) {
			fprintf(stderr, "  option %s: its kind has no operations\n",
				o->name);
			harness_failed_checks++;
		}
	}
}

/* Every implemented option says whether SIGHUP applies it; a coturn no-op
 * says so in --help. */
static void test_help_says_when(void)
{
	char path[64];
	FILE *f;

	REQUIRE(temp_path(path));
	f = fopen(path, "w");
	REQUIRE(f != NULL);
	conf_print_help(f);
	fclose(f);
	CHECK(count_lines(path, "[reload]") > 50);
	CHECK(count_lines(path, "[restart]") >= 20);
	CHECK(count_lines(path, "[accepted, no effect]") >= 5);
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];

		if ((o->flags & CONF_F_NOOP) && (o->flags & CONF_F_SECRET))
			FAIL("a secret option marked as a no-op");
	}
	CHECK_STR(conf_option_when(conf_option_find("room-capacity")), "[reload]");
	CHECK_STR(conf_option_when(conf_option_find("listening-port")), "[restart]");
	CHECK_STR(conf_option_when(conf_option_find("no-multicast-peers")),
		  "[accepted,\x1f"
		  "no\x1f"
		  "effect]");
	unlink(path);
}

static void add_addr(struct conf_addrs *l, const char *ip)
{
	struct tr_addr a;

	memset(&a, 0, sizeof(a));
	CHECK(addr_parse_ip(&a, ip, 0) == 0);
	CHECK(conf_addrs_append(l, &a) == 0);
}

/* A bare "pub" external-ip, zeroed as conf_kinds.c fills one. */
static void add_external(struct conf_external_ips *l, const char *ip)
{
	struct conf_external_ip *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	REQUIRE(v);
	l->v = v;
	memset(&v[l->n], 0, sizeof(v[l->n]));
	CHECK(addr_parse_ip(&v[l->n].pub, ip, 0) == 0);
	l->n++;
}

struct seen {
	char names[16][64];
	size_t n;
};

static void remember(void *ctx, const struct conf_option *o)
{
	struct seen *s = ctx;

	if (s->n < 16)
		snprintf(s->names[s->n++], 64, "%s", o->name);
}

/* The diff names each changed field once (verbose and Verbose share one;
 * no-loopback-peers is allow-loopback-peers inverted), nothing else. */
static void test_diff_once_per_field(void)
{
	struct conf *a = conf_new(), *b = conf_new();
	struct seen s = { .n = 0 };

	REQUIRE(a && b);
	conf_diff(a, b, remember, &s);
	CHECK_EQ_INT(s.n, 0);
	b->verbose = true;
	b->allow_loopback_peers = true;
	b->rest_api_separator = '|';
	add_external(&b->external_ips, "203.0.113.1");
	conf_diff(a, b, remember, &s);
	CHECK_EQ_INT(s.n, 4);
	CHECK_STR(s.names[0], "external-ip");
	CHECK_STR(s.names[1], "rest-api-separator");
	CHECK_STR(s.names[2], "allow-loopback-peers");
	CHECK_STR(s.names[3], "verbose");
	conf_free(a);
	conf_free(b);
}

/* Restart-only options go back to the running value, each logged once
 * with it; reload options keep the new one; a secret is never shown. */
static void test_keep_restart_only(void)
{
	struct conf *run = conf_new(), *next = conf_new();
	char logpath[64];

	REQUIRE(run && next && temp_path(logpath));
	add_addr(&run->listening_ips, "127.0.0.1");
	add_addr(&next->listening_ips, "::1");
	next->listening_port = 4000;
	next->room_capacity = 5;
	free(next->redis_password);
	next->redis_password = strdup("hunter2-secret");
	free(next->realm);
	next->realm = strdup("new.example");
	REQUIRE(log_open(logpath, false, LOG_LVL_WARN) == 0);
	CHECK_EQ_INT(conf_keep_restart_only(run, next), 3);
	log_close();
	CHECK_EQ_INT(next->listening_port, 3478);
	{
		char ip[ADDR_STR_MAX];

		CHECK(next->listening_ips.n == 1 &&
		      !strcmp(addr_ip_to_str(&next->listening_ips.v[0], ip, sizeof(ip)),
			      "127.0.0.1"));
	}
	CHECK(next->redis_password == NULL);
	CHECK_EQ_INT(next->room_capacity, 5);
	CHECK_STR(next->realm, "new.example");
	CHECK_EQ_INT(count_lines(logpath,
				 "reload: listening-port changed; needs a restart "
				 "(keeping 3478)"),
		     1);
	CHECK_EQ_INT(count_lines(logpath, "reload: listening-ip changed; needs a restart "
					  "(keeping 127.0.0.1)"),
		     1);
	CHECK_EQ_INT(count_lines(logpath,
				 "reload: redis-password changed; needs a restart "
				 "(keeping the old value)"),
		     1);
	CHECK_EQ_INT(count_lines(logpath, "hunter2"), 0);
	CHECK_EQ_INT(count_lines(logpath, "needs a restart"), 3);
	/* Now equal: a second pass keeps nothing. */
	CHECK_EQ_INT(conf_keep_restart_only(run, next), 0);
	unlink(logpath);
	conf_free(run);
	conf_free(next);
}

/* The host[:port] kinds (issue 17): redis needs a restart and is kept,
 * shown as config text; turn-servers and alternate-server apply. Values
 * read from two files, as a reload does. */
static void test_endpoint_kinds(void)
{
	static const char *const text[2] = {
		"redis=127.0.0.1:6379\nturn-servers=turn1.example.org\n"
		"alternate-server=192.0.2.1\n",
		"redis=[::1]:6380\nturn-servers=turn1.example.org:3479\n"
		"turn-servers=[2001:db8::1]\nalternate-server=[2001:db8::2]:3480\n",
	};
	struct conf *c[2] = { conf_new(), conf_new() }, *same = conf_new();
	char path[64], logpath[64], err[CONF_ERR_MAX];

	REQUIRE(c[0] && c[1] && same && temp_path(logpath));
	for (size_t i = 0; i < 2; i++) {
		FILE *f;

		REQUIRE(temp_path(path));
		f = fopen(path, "w");
		REQUIRE(f);
		fputs(text[i], f);
		fclose(f);
		CHECK_EQ_INT(conf_read_file(c[i], path, err, sizeof(err)), 0);
		if (i == 0)
			CHECK_EQ_INT(conf_read_file(same, path, err, sizeof(err)), 0);
		unlink(path);
	}
	/* read twice, equal byte for byte: nothing to report */
	CHECK_EQ_INT(conf_keep_restart_only(c[0], same), 0);
	REQUIRE(log_open(logpath, false, LOG_LVL_WARN) == 0);
	CHECK_EQ_INT(conf_keep_restart_only(c[0], c[1]), 1);
	log_close();
	CHECK_STR(c[1]->redis.host, "127.0.0.1");
	CHECK_EQ_INT(c[1]->redis.port, 6379);
	CHECK_EQ_INT(c[1]->turn_servers.n, 2);
	CHECK_EQ_INT(c[1]->alternate_servers.n, 1);
	CHECK_EQ_INT(count_lines(logpath, "reload: redis changed; needs a restart "
					  "(keeping 127.0.0.1:6379)"),
		     1);
	CHECK_EQ_INT(count_lines(logpath, "needs a restart"), 1);
	{
		const struct conf_kind_ops *k = conf_kind(CONF_ENDPOINT_LIST);
		const struct conf_kind_ops *a = conf_kind(CONF_ADDR_PORT_LIST);
		char shown[256];

		REQUIRE(k && a);
		k->show(shown, sizeof(shown), &c[1]->turn_servers, NULL);
		CHECK_STR(shown, "turn1.example.org:3479,2001:db8::1");
		a->show(shown, sizeof(shown), &c[1]->alternate_servers, NULL);
		CHECK_STR(shown, "[2001:db8::2]:3480");
		a->show(shown, sizeof(shown), &c[0]->alternate_servers, NULL);
		CHECK_STR(shown, "192.0.2.1");
	}
	unlink(logpath);
	conf_free(c[0]);
	conf_free(c[1]);
	conf_free(same);
}

static void deliver_nothing(void *ctx, const struct room_event *ev)
{
	(void)ctx;
	(void)ev;
}

/* A new capacity and resume window apply to rooms made afterwards; a room
 * keeps its own. A ghost of a shorter window made later expires first. */
static void test_rooms_new_settings(void)
{
	struct room_config cfg = { .capacity = 2, .resume_window_ms = 10000 };
	struct room_engine *e = room_engine_new(&cfg);
	struct room_peer *p[6];
	unsigned num = 0, cap = 0;

	REQUIRE(e != NULL);
	for (int i = 0; i < 6; i++)
		REQUIRE((p[i] = room_peer_new(e, deliver_nothing, NULL)) != NULL);
	CHECK_EQ_INT(room_join(e, p[0], "old", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(e, p[1], "old", NULL, 0), ROOM_OK);
	room_engine_configure(e, 3, 1000);
	CHECK_EQ_INT(room_join(e, p[2], "old", NULL, 0), ROOM_E_FULL);
	CHECK_EQ_INT(room_join(e, p[2], "new", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(e, p[3], "new", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_join(e, p[4], "new", NULL, 0), ROOM_OK);
	CHECK_EQ_INT(room_check(e, "old", &num, &cap), ROOM_OK);
	CHECK(num == 2 && cap == 2);
	CHECK_EQ_INT(room_check(e, "new", &num, &cap), ROOM_OK);
	CHECK(num == 3 && cap == 3);
	/* The old room's ghost (10 s) goes first into the list, the new
	 * room's (1 s) later: at 2 s only the second is gone. */
	room_peer_disconnect(e, p[0], 0);
	room_peer_disconnect(e, p[2], 500);
	room_engine_tick(e, 2000);
	CHECK_EQ_INT(room_check(e, "new", &num, NULL), ROOM_OK);
	CHECK_EQ_INT(num, 2);
	CHECK_EQ_INT(room_check(e, "old", &num, NULL), ROOM_OK);
	CHECK_EQ_INT(num, 2);
	room_engine_tick(e, 10000);
	CHECK_EQ_INT(room_check(e, "old", &num, NULL), ROOM_OK);
	CHECK_EQ_INT(num, 1);
	room_engine_free(e);
}

/* no-stdout-log: with syslog (or a file) taking the lines, nothing on
 * standard error; with neither, standard error stays. */
static void test_no_stdout_log(void)
{
	char errpath[64];
	int saved = dup(2), fd;
	struct log_next *n;

	REQUIRE(saved >= 0 && temp_path(errpath));
	fd = open(errpath, O_WRONLY | O_TRUNC);
	REQUIRE(fd >= 0);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	n = log_prepare(NULL, true, true, LOG_LVL_INFO);
	if (n) {
		log_commit(n);
		log_info("quiet-line-one");
	}
	CHECK(log_quiet_without_target(true, NULL, false));
	CHECK(!log_quiet_without_target(true, NULL, true));
	n = log_prepare("-", false, true, LOG_LVL_INFO);
	if (n) {
		log_commit(n);
		log_info("loud-line-two");
	}
	log_close();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK(n != NULL);
	CHECK_EQ_INT(count_lines(errpath, "quiet-line-one"), 0);
	CHECK_EQ_INT(count_lines(errpath, "loud-line-two"), 1);
	unlink(errpath);
}

/* A log file that cannot be opened fails in the prepare phase and leaves
 * the sink in use alone. */
static void test_log_prepare_fails_cleanly(void)
{
	char path[64];

	REQUIRE(temp_path(path));
	REQUIRE(log_open(path, false, LOG_LVL_INFO) == 0);
	CHECK(log_prepare("/nonexistent-dir/x.log", false, false, LOG_LVL_DEBUG) == NULL);
	log_info("still-here");
	CHECK(!log_enabled(LOG_LVL_DEBUG));
	log_close();
	CHECK_EQ_INT(count_lines(path, "still-here"), 1);
	unlink(path);
}

int main(void)
{
	RUN(test_every_kind_has_ops);
	RUN(test_help_says_when);
	RUN(test_diff_once_per_field);
	RUN(test_keep_restart_only);
	RUN(test_endpoint_kinds);
	RUN(test_rooms_new_settings);
	RUN(test_no_stdout_log);
	RUN(test_log_prepare_fails_cleanly);
	return HARNESS_DONE();
}
