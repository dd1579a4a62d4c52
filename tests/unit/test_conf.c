/* Config parsing: coturn's turnserver.conf line rules, our stricter errors,
 * the command line on top of the file, and cross-option validation. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_doc.h"
#include "conf/conf_internal.h"
#include "conf_files.h"
#include "harness.h"
#include "util/addr.h"
#include "util/errors.h"
#include "util/log.h"

static void test_defaults(void)
{
	struct conf *c = conf_new();
	char err[CONF_ERR_MAX];

	REQUIRE(c != NULL);
	CHECK_EQ_INT(c->listening_port, 3478);
	CHECK_EQ_INT(c->min_port, 49152);
	CHECK_EQ_INT(c->max_port, 65535);
	CHECK_STR(c->realm, "turnroom.local");
	CHECK(c->server_name == NULL && c->userdb == NULL && c->log_file == NULL);
	CHECK(c->pidfile == NULL && c->config_file == NULL);
	CHECK_EQ_INT(c->stale_nonce, 600);
	CHECK_EQ_INT(c->rest_api_separator, ':');
	CHECK_EQ_INT(c->max_allocate_lifetime, 3600);
	CHECK_EQ_INT(c->channel_lifetime, 600);
	CHECK_EQ_INT(c->permission_lifetime, 300);
	CHECK_EQ_INT(c->user_quota, 0);
	CHECK_EQ_INT(c->total_quota, 0);
	CHECK(!c->lt_cred_mech && !c->use_auth_secret && !c->no_auth);
	CHECK(!c->allow_loopback_peers && !c->fingerprint && !c->verbose);
	CHECK_EQ_INT(c->listening_ips.n + c->users.n + c->denied_peer_ips.n, 0);
	CHECK_EQ_INT(conf_validate(c, err, sizeof(err)), 0);
	conf_free(c);
	conf_free(NULL);
}

static void test_separators(void)
{
	static const char *const lines[] = {
		"realm=a\n",           "realm a\n",       "realm = a\n",   "realm\ta\n",
		"realm \t=\t \"a\"\n", "   realm=a   \n", "\trealm=a\r\n", "realm=a",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct conf *c = parse_ok(lines[i]);

		if (c)
			CHECK_STR(c->realm, "a");
		conf_free(c);
	}
}

static void test_comments_quotes_inline_hash(void)
{
	struct conf *c = parse_ok("# a comment\n\n   # indented comment\n\t\n"
				  "realm=x # c\nserver-name=\"a b\"\nuserdb=\"\n");

	if (!c)
		return;
	/* coturn has no inline comments. */
	CHECK_STR(c->realm, "x # c");
	CHECK_STR(c->server_name, "a b");
	/* A lone quote is not a pair: kept. */
	CHECK_STR(c->userdb, "\"");
	conf_free(c);
}

static void test_bools(void)
{
	static const char *const yes[] = { "",   "=1",  "=9",  "=yes", "=Y",     "=true",
					   "=T", "=on", "=ON", " On",  "=\"on\"" };
	static const char *const no[] = { "=0", "=no",  "=N",  "=false",
					  "=F", "=off", "=OFF" };
	char text[64];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "fingerprint%s\n", yes[i]);
		struct conf *c = parse_ok(text);
		CHECK(c && c->fingerprint);
		conf_free(c);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "fingerprint\nfingerprint%s\n", no[i]);
		struct conf *c = parse_ok(text);
		CHECK(c && !c->fingerprint);
		conf_free(c);
	}
	expect_error("\nfingerprint=maybe\n", 2, "bad value 'maybe' for 'fingerprint'");
	expect_error("fingerprint=-1\n", 1, "for 'fingerprint'");
}

static void test_lists_and_last_wins(void)
{
	struct conf *c = parse_ok("user=alice:pw1\nlistening-ip=127.0.0.1\n"
				  "user=bob:pw2\nlistening-ip=::1\nrealm=one\n"
				  "realm=two\nlistening-port=1000\nlistening-port=2000\n"
				  "user=carol:0x0123456789abcdef0123456789ABCDEF\n");

	if (!c)
		return;
	CHECK_EQ_INT(c->users.n, 3);
	if (c->users.n == 3) {
		CHECK_STR(c->users.items[0], "alice:pw1");
		CHECK_STR(c->users.items[1], "bob:pw2");
		CHECK_STR(c->users.items[2], "carol:0x0123456789abcdef0123456789ABCDEF");
	}
	CHECK_EQ_INT(c->listening_ips.n, 2);
	if (c->listening_ips.n == 2)
		CHECK(addr_family(&c->listening_ips.v[1]) == AF_INET6 &&
		      addr_is_loopback(&c->listening_ips.v[1]));
	CHECK_STR(c->realm, "two");
	CHECK_EQ_INT(c->listening_port, 2000);
	/* user= switches long-term credentials on (coturn does too). */
	CHECK(c->lt_cred_mech);
	conf_free(c);
}

static void test_unknown_keys(void)
{
	expect_error("realm=x\n\n# comment\nbogus=1\n", 4, "unknown option 'bogus'");
	expect_error("lt-cred-mech;\n", 1, "ends with ';'");
	expect_error("\n--realm=x\n", 2, "unknown option '--realm'");
	/* Names are case-sensitive, as in coturn (verbose vs Verbose). */
	expect_error("REALM=x\n", 1, "unknown option 'REALM'");
	expect_error("config=/etc/x\n", 1, "unknown option 'config'");
}

static void test_numbers(void)
{
	static const char *const bad[] = {
		"abc",   "0",   "65536", "3478x", "-1", "+5", "99999999999999999999",
		"34 78", "0x10"
	};
	char text[64], msg[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "listening-port=%s\n", bad[i]);
		snprintf(msg, sizeof(msg),
			 "bad value '%s' for 'listening-port': expected a number 1-65535",
			 bad[i]);
		expect_error(text, 1, msg);
	}
	expect_error("listening-port\n", 1, "'listening-port' needs a value");
	expect_error("max-allocate-lifetime=0\n", 1, "expected a number 1-");
	expect_error("user-quota=4294967296\n", 1, "for 'user-quota'");

	struct conf *c = parse_ok("listening-port=00080\nuser-quota=0\ntotal-quota=7\n");
	CHECK(c && c->listening_port == 80 && c->total_quota == 7);
	conf_free(c);
}

static void test_stale_nonce_and_separator(void)
{
	struct conf *c = parse_ok("stale-nonce=30\nstale-nonce\nrest-api-separator=-\n");

	CHECK(c && c->stale_nonce == 600 && c->rest_api_separator == '-');
	conf_free(c);
	c = parse_ok("stale-nonce = 45\n");
	CHECK(c && c->stale_nonce == 45);
	conf_free(c);
	expect_error("stale-nonce=0\n", 1, "expected a number 1-");
	expect_error("rest-api-separator=ab\n", 1, "expected one character");
	expect_error("rest-api-separator\n", 1, "expected one character");
}

/* With no listening-ip anywhere, conf_load supplies 127.0.0.1. */
static void test_default_listening_ip(void)
{
	char err[CONF_ERR_MAX];
	struct conf *c = conf_new();
	char *a1[] = { "turnroom" };

	REQUIRE(c != NULL);
	CHECK_EQ_INT(c->listening_ips.n, 0);
	CHECK_EQ_INT(conf_load(c, ARGC(a1), a1, NULL, NULL, err, sizeof(err)), 0);
	CHECK(c->listening_ips.n == 1 && ip_is(&c->listening_ips.v[0], "127.0.0.1"));
	conf_free(c);
}

static void test_users(void)
{
	static const char *const bad[] = {
		":pw",
		"nocolon",
		"name:",
		"a:0x0123",
		"a:0xzz23456789abcdef0123456789abcdef",
		"a:0x0123456789abcdef0123456789abcdef00",
	};
	char text[96], err[CONF_ERR_MAX], path[64];
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "user=%s\n", bad[i]);
		expect_error(text, 1, "bad value for 'user'");
	}
	/* The secret part never reaches the message. */
	struct conf *c = parse_text("user=a:0xsecretsecret\n", &rc, err, path);
	CHECK(rc == TR_EINVAL && !strstr(err, "secretsecret"));
	conf_free(c);
	c = parse_ok("user=a:b:c\nstatic-auth-secret=s1\nstatic-auth-secret=s2\n");
	CHECK(c && c->users.n == 1 && c->lt_cred_mech && c->use_auth_secret);
	CHECK(c && c->static_auth_secrets.n == 2);
	conf_free(c);
}

static void test_aliases_and_inverted(void)
{
	struct conf *c =
		parse_ok("db=/var/lib/turn/turndb\nallow-loopback-peers\n"
			 "Verbose\nno-multicast-peers=yes\nrfc5766-channel-numbers\n");

	CHECK(c && c->verbose && c->allow_loopback_peers && c->no_multicast_peers);
	CHECK(c && c->rfc5766_channel_numbers);
	if (c)
		CHECK_STR(c->userdb, "/var/lib/turn/turndb");
	conf_free(c);
	c = parse_ok("allow-loopback-peers\nno-loopback-peers\n");
	CHECK(c && !c->allow_loopback_peers);
	conf_free(c);
}

static void test_line_rules(void)
{
	char long_line[1100], *text = malloc(2200);

	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	if (!text)
		return;
	snprintf(text, 2200, "realm=x\n#%s\n", long_line);
	expect_error(text, 2, "line longer than 1023 bytes");
	/* Exactly 1023 bytes is fine. */
	snprintf(text, 2200, "realm=%.*s\n", 1017, long_line);
	struct conf *c = parse_ok(text);
	CHECK(c && strlen(c->realm) == 1017);
	conf_free(c);
	free(text);
}

static void test_unimplemented(void)
{
	char logpath[64];
	struct conf *c;

	write_tmp("", logpath);
	CHECK_EQ_INT(log_open(logpath, false, LOG_LVL_WARN), 0);
	c = parse_ok("dtls\nrelay-threads=100\nrelay-threads=200\nno-cli\n"
		     "prometheus-tls\nCA-file \"/x\"\n");
	log_close();
	CHECK(c != NULL);
	CHECK_EQ_INT(count_lines(logpath, "'relay-threads'"), 1);
	CHECK_EQ_INT(count_lines(logpath, "'dtls'"), 1);
	CHECK_EQ_INT(count_lines(logpath, "'CA-file'"), 1);
	CHECK_EQ_INT(count_lines(logpath, "does not implement"), 5);
	CHECK_EQ_INT(count_lines(logpath, ":2: 'relay-threads'"), 1);
	unlink(logpath);
	conf_free(c);
}

static void test_cmdline_overrides_file(void)
{
	char path[64], err[CONF_ERR_MAX];
	bool help = true, version = true;
	struct conf *c = conf_new();

	write_tmp("realm=file\nlistening-port=1000\nuser=a:1\nmin-port=50000\n"
		  "no-tcp\n",
		  path);
	char *argv[] = { "turnroom",         "-c",         path,
			 "--realm",          "cli",        "-p2000",
			 "--user=b:2",       "-u",         "c:3",
			 "--min-port=50001", "-vf",        "--no-tcp=off",
			 "--stale-nonce",    "--max-port", "60000" };
	CHECK_EQ_INT(conf_load(c, ARGC(argv), argv, &help, &version, err, sizeof(err)),
		     0);
	CHECK(!help && !version);
	CHECK_STR(c->config_file, path);
	CHECK_STR(c->realm, "cli");
	CHECK_EQ_INT(c->listening_port, 2000);
	CHECK_EQ_INT(c->users.n, 3);
	if (c->users.n == 3)
		CHECK_STR(c->users.items[2], "c:3");
	CHECK(c->lt_cred_mech && c->verbose && c->fingerprint && !c->no_tcp);
	CHECK_EQ_INT(c->min_port, 50001);
	CHECK_EQ_INT(c->max_port, 60000);
	CHECK_EQ_INT(c->stale_nonce, 600);
	conf_free(c);

	/* --config=FILE and -c=FILE name the file too. */
	char *argv2[] = { "turnroom", "--config=", "-p=3000" };
	char *argv3[] = { "turnroom", "-c=/nonexistent/turnroom.conf" };
	c = conf_new();
	snprintf(err, sizeof(err), "x");
	argv2[1] = malloc(80);
	snprintf(argv2[1], 80, "--config=%s", path);
	CHECK_EQ_INT(conf_load(c, ARGC(argv2), argv2, NULL, NULL, err, sizeof(err)), 0);
	CHECK(c->listening_port == 3000 && c->min_port == 50000);
	free(argv2[1]);
	CHECK_EQ_INT(conf_load(c, ARGC(argv3), argv3, NULL, NULL, err, sizeof(err)),
		     TR_EINVAL);
	CHECK(strstr(err, "/nonexistent/turnroom.conf: cannot read config file") == err);
	char *argv4[] = { "turnroom", "-c", "/" };
	CHECK_EQ_INT(conf_load(c, ARGC(argv4), argv4, NULL, NULL, err, sizeof(err)),
		     TR_EINVAL);
	CHECK(strstr(err, "/: cannot read config file") == err);
	conf_free(c);
	unlink(path);
}

/* conf_load on a fresh conf; returns its result, err filled. */
static int load(int argc, char **argv, bool *help, bool *version, char *err)
{
	struct conf *c = conf_new();
	int rc = conf_load(c, argc, argv, help, version, err, CONF_ERR_MAX);

	conf_free(c);
	return rc;
}

static void test_cmdline_errors_and_help(void)
{
	char err[CONF_ERR_MAX];
	bool help = false, version = false;
	char *a1[] = { "turnroom", "--foo" };
	char *a2[] = { "turnroom", "--foo=1" };
	char *a3[] = { "turnroom", "-x" };
	char *a4[] = { "turnroom", "stray" };
	char *a5[] = { "turnroom", "--realm" };
	char *a6[] = { "turnroom", "--listening-port", "x" };
	char *a7[] = { "turnroom", "-c", "/nonexistent/a.conf", "--help" };
	char *a8[] = { "turnroom", "--version" };
	char *a9[] = { "turnroom", "-vh" };
	char *a10[] = { "turnroom", "--no-tls", "--max-bps", "100", "-m", "4", "-n" };

	CHECK_EQ_INT(load(ARGC(a1), a1, NULL, NULL, err), TR_EINVAL);
	CHECK_STR(err, "--foo: unknown option");
	CHECK_EQ_INT(load(ARGC(a2), a2, NULL, NULL, err), TR_EINVAL);
	CHECK_STR(err, "--foo: unknown option");
	CHECK_EQ_INT(load(ARGC(a3), a3, NULL, NULL, err), TR_EINVAL);
	CHECK_STR(err, "-x: unknown option");
	CHECK_EQ_INT(load(ARGC(a4), a4, NULL, NULL, err), TR_EINVAL);
	CHECK_STR(err, "stray: unexpected argument");
	CHECK_EQ_INT(load(ARGC(a5), a5, NULL, NULL, err), TR_EINVAL);
	CHECK_STR(err, "--realm: 'realm' needs a value");
	CHECK_EQ_INT(load(ARGC(a6), a6, NULL, NULL, err), TR_EINVAL);
	CHECK(strstr(err, "--listening-port: bad value 'x'") == err);
	/* --help wins before the file is read. */
	CHECK_EQ_INT(load(ARGC(a7), a7, &help, &version, err), 0);
	CHECK(help && !version);
	CHECK_EQ_INT(load(ARGC(a8), a8, &help, &version, err), 0);
	CHECK(!help && version);
	CHECK_EQ_INT(load(ARGC(a9), a9, &help, &version, err), 0);
	CHECK(help);
	CHECK_EQ_INT(load(ARGC(a10), a10, &help, &version, err), 0);
	CHECK(!help && !version);
}

static void test_validation(void)
{
	char err[CONF_ERR_MAX];
	struct conf *c;
	char *a1[] = { "turnroom", "--min-port", "60000", "--max-port", "50000" };
	char *a2[] = { "turnroom", "-z", "-u", "a:b" };
	char *a3[] = { "turnroom", "--no-auth", "--lt-cred-mech" };
	char *a4[] = { "turnroom", "--use-auth-secret" };
	char *a5[] = { "turnroom", "--use-auth-secret", "--userdb", "/tmp/x.db" };
	char *a6[] = { "turnroom", "-C", "5" };
	char *a7[] = { "turnroom", "--no-udp", "--no-tcp" };
	char *a8[] = { "turnroom", "--static-auth-secret=s", "--no-auth=0" };

	CHECK_EQ_INT(load(ARGC(a1), a1, NULL, NULL, err), TR_EINVAL);
	CHECK_STR(err, "min-port 60000 is above max-port 50000");
	CHECK_EQ_INT(load(ARGC(a2), a2, NULL, NULL, err), TR_EINVAL);
	CHECK(strstr(err, "no-auth cannot be combined") != NULL);
	CHECK_EQ_INT(load(ARGC(a3), a3, NULL, NULL, err), TR_EINVAL);
	CHECK_EQ_INT(load(ARGC(a4), a4, NULL, NULL, err), TR_EINVAL);
	CHECK(strstr(err, "use-auth-secret needs") != NULL);
	CHECK_EQ_INT(load(ARGC(a5), a5, NULL, NULL, err), 0);
	CHECK_EQ_INT(load(ARGC(a6), a6, NULL, NULL, err), TR_EINVAL);
	CHECK(strstr(err, "rest-api-separator") != NULL);
	CHECK_EQ_INT(load(ARGC(a7), a7, NULL, NULL, err), TR_EINVAL);
	CHECK_EQ_INT(load(ARGC(a8), a8, NULL, NULL, err), 0);

	/* Values set by code are range-checked as well. */
	c = conf_new();
	c->channel_lifetime = 0;
	CHECK_EQ_INT(conf_validate(c, err, sizeof(err)), TR_EINVAL);
	CHECK(strstr(err, "channel-lifetime") != NULL);
	c->channel_lifetime = 600;
	free(c->realm);
	c->realm = strdup("");
	CHECK_EQ_INT(conf_validate(c, err, sizeof(err)), TR_EINVAL);
	conf_free(c);
}

/* Several nodes: frames are sealed, so a cluster cannot start without its
 * secret; Sentinel goes with a master name and not with redis. */
static void test_cluster_options(void)
{
	char err[CONF_ERR_MAX];
	char *a1[] = { "turnroom", "--redis=127.0.0.1:6379" };
	char *a2[] = { "turnroom", "--redis=127.0.0.1:6379", "--cluster-secret=short" };
	char *a3[] = { "turnroom", "--redis=127.0.0.1:6379",
		       "--cluster-secret=0123456789abcdef" };
	char *a4[] = { "turnroom", "--redis=h:1", "--cluster-secret-file=/x" };
	char *a5[] = { "turnroom", "--redis-sentinel=h:1", "--cluster-secret-file=/x" };
	char *a6[] = { "turnroom", "--redis-sentinel=h:1", "--redis-sentinel=h:2",
		       "--redis-master-name=m", "--cluster-secret-file=/x" };
	char *a7[] = { "turnroom", "--redis=h:1", "--redis-sentinel=h:2",
		       "--redis-master-name=m", "--cluster-secret-file=/x" };
	char *a8[] = { "turnroom", "--redis-sentinel=h:1", "--redis-master-name=m" };
	char *a9[] = { "turnroom", "--redis=h:1", "--cluster-secret-file=/x",
		       "--cluster-secret=0123456789abcdef" };

	CHECK_EQ_INT(load(ARGC(a1), a1, NULL, NULL, err), TR_EINVAL);
	CHECK(strstr(err, "redis needs cluster-secret") == err);
	CHECK_EQ_INT(load(ARGC(a2), a2, NULL, NULL, err), TR_EINVAL);
	CHECK_STR(err, "cluster-secret must be at least 16 characters");
	CHECK_EQ_INT(load(ARGC(a3), a3, NULL, NULL, err), 0);
	CHECK_EQ_INT(load(ARGC(a4), a4, NULL, NULL, err), 0);
	CHECK_EQ_INT(load(ARGC(a5), a5, NULL, NULL, err), TR_EINVAL);
	CHECK_STR(err, "redis-sentinel needs redis-master-name");
	CHECK_EQ_INT(load(ARGC(a6), a6, NULL, NULL, err), 0);
	CHECK_EQ_INT(load(ARGC(a7), a7, NULL, NULL, err), TR_EINVAL);
	CHECK(strstr(err, "redis and redis-sentinel exclude each other") == err);
	CHECK_EQ_INT(load(ARGC(a8), a8, NULL, NULL, err), TR_EINVAL);
	CHECK(strstr(err, "redis-sentinel needs cluster-secret") == err);
	CHECK_EQ_INT(load(ARGC(a9), a9, NULL, NULL, err), TR_EINVAL);
	CHECK(strstr(err, "exclude each other") != NULL);
}

static void test_help_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f != NULL);
	conf_print_help(f);
	fclose(f);
	CHECK(strstr(buf, "-p, --listening-port=PORT") != NULL);
	CHECK(strstr(buf, "(default: 3478)") != NULL);
	CHECK(strstr(buf, "--stale-nonce[=SECONDS]") != NULL);
	CHECK(strstr(buf, "accepted with a warning") != NULL);
	CHECK(strstr(buf, " mongo-userdb") != NULL);
	/* An enum's metavar and default come from its name table. */
	CHECK(strstr(buf, "--signaling-auth=open|user|token") != NULL);
	CHECK(strstr(buf, "-A, --allocation-default-address-family=ipv4|ipv6|keep") !=
	      NULL);
	free(buf);
}

/* What --print-options=what prints; caller frees. */
static char *print_options(const char *what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	CHECK_EQ_INT(conf_print_options(f, what), 0);
	fclose(f);
	return buf;
}

static void count_difference(void *ctx, const struct conf_option *o)
{
	(void)o;
	(*(int *)ctx)++;
}

/* One "#name[=value]" line of the sample, uncommented, is accepted alone;
 * when it shows the default, the result equals the defaults. */
static void check_sample_line(const char *line, size_t n)
{
	char text[1100], name[80], err[CONF_ERR_MAX], path[64];
	const struct conf_option *o;
	const struct conf_doc *d;
	struct conf *def = conf_new(), *c;
	int rc, diffs = 0;

	snprintf(text, sizeof(text), "%.*s\n", (int)n - 1, line + 1);
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(text, "=\n"), text);
	o = conf_option_find(name);
	d = conf_doc_find(name);
	c = parse_text(text, &rc, err, path);
	if (!o || rc != 0 || !c || !def) {
		fprintf(stderr, "  sample line %s: %s\n", text,
			o ? err : "no such option");
		harness_failed_checks++;
	} else if (o->default_text && !(d && d->example)) {
		conf_diff(def, c, count_difference, &diffs);
		if (diffs) {
			fprintf(stderr, "  sample line %s is not the default\n", text);
			harness_failed_checks++;
		}
	}
	conf_free(c);
	conf_free(def);
}

/* The sample parses as shipped, and with every "#name..." line uncommented
 * (the defaults and examples it shows are valid values). */
static void check_sample_parses(const char *sample)
{
	char *open_all = malloc(strlen(sample) + 1), *out = open_all;
	struct conf *c;

	c = parse_ok(sample);
	conf_free(c);
	if (!open_all)
		return;
	for (const char *p = sample; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (p[0] == '#' &&
		    ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z'))) {
			p++;
			n--;
		}
		memcpy(out, p, n);
		out += n;
		p += n;
	}
	*out = '\0';
	c = parse_ok(open_all);
	CHECK(c && c->users.n == 1 && c->external_ips.n == 1 && c->fingerprint);
	conf_free(c);
	free(open_all);
}

/* The generated docs (--print-options, which the build splices into
 * turnroom.conf(5) and etc/turnroom.conf): the sample has one
 * "#name[=value]" line per implemented option, each accepted alone (with
 * the default when it shows one), and all of them together; the man page
 * has one entry per option; conf_doc.c names only options. */
static void test_docs_follow_table(void)
{
	char *sample = print_options("sample"), *man = print_options("man");
	char *unimpl = print_options("man-unimplemented");
	int lines = 0, implemented = 0;

	REQUIRE(sample && man && unimpl);
	CHECK_EQ_INT(conf_print_options(stderr, "manual"), TR_EINVAL);
	for (const char *p = sample; *p;) {
		size_t n = strcspn(p, "\n");

		if (p[0] == '#' && p[1] != ' ' && p[1] != '#' && n > 1 &&
		    strncmp(p, "#  ", 3)) {
			check_sample_line(p, n);
			lines++;
		}
		p += n + (p[n] == '\n');
	}
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];
		char head[96], roff[80];
		size_t k = 0;

		for (const char *q = o->name; *q && k + 3 < sizeof(roff); q++) {
			if (*q == '-')
				roff[k++] = '\\';
			roff[k++] = *q;
		}
		roff[k] = '\0';
		snprintf(head, sizeof(head), "%s\\fB%s\\fR",
			 o->type == CONF_UNIMPL ? "" : ".TP\n", roff);
		if (!strstr(o->type == CONF_UNIMPL ? unimpl : man, head)) {
			fprintf(stderr, "  option %s missing from the man page\n",
				o->name);
			harness_failed_checks++;
		}
		implemented += o->type != CONF_UNIMPL;
	}
	CHECK_EQ_INT(lines, implemented);
	for (size_t i = 0; i < conf_doc_count; i++)
		if (!conf_option_find(conf_docs[i].name)) {
			fprintf(stderr, "  conf_doc.c documents no option %s\n",
				conf_docs[i].name);
			harness_failed_checks++;
		}
	for (size_t i = 0; i < conf_section_count; i++)
		CHECK(conf_option_find(conf_sections[i].first) != NULL);
	check_sample_parses(sample);
	free(sample);
	free(man);
	free(unimpl);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_separators);
	RUN(test_comments_quotes_inline_hash);
	RUN(test_bools);
	RUN(test_lists_and_last_wins);
	RUN(test_unknown_keys);
	RUN(test_numbers);
	RUN(test_stale_nonce_and_separator);
	RUN(test_default_listening_ip);
	RUN(test_users);
	RUN(test_aliases_and_inverted);
	RUN(test_line_rules);
	RUN(test_unimplemented);
	RUN(test_cmdline_overrides_file);
	RUN(test_cmdline_errors_and_help);
	RUN(test_validation);
	RUN(test_cluster_options);
	RUN(test_help_text);
	RUN(test_docs_follow_table);
	return HARNESS_DONE();
}
