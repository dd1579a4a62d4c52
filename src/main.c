/* turnroom: start-up (config, log, credential store, listeners), the one
 * event loop, and shutdown. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "admin/admin.h"
#include "auth/auth.h"
#include "conf/conf.h"
#include "console/console.h"
#include "ctl/ctl.h"
#include "front/front.h"
#include "signaling/signaling.h"
#include "turn/turn.h"
#include "util/addr.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

/* Tells systemd (Type=notify) what we are doing; nothing without it. */
static void notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

/* Everything the process owns, freed in reverse order of creation. */
struct app {
	struct conf *conf;
	struct auth_store *store;
	struct auth *auth;
	struct event_base *base;
	struct turn_server *turn;
	struct signaling_server *signaling;
	struct ctl_server *ctl;
	struct console *console;
	struct front *front;
	struct front_metrics *metrics;
	struct event *ev_sigterm, *ev_sigint, *ev_sighup;
	struct event *drain_watch;  /* while draining: exit once calls end */
	uint64_t drain_deadline_ms; /* 0: no deadline */
	bool pidfile_written;
	int argc;
	char **argv;
};

/* Time WebSocket peers get to receive their 1001 close before exit. */
static const struct timeval shutdown_grace = { 0, 300000 };

static void app_shutdown(struct app *app)
{
	if (app->signaling)
		signaling_server_shutdown(app->signaling);
	event_base_loopexit(app->base, &shutdown_grace);
}

/* While draining: done when no allocation and no room member is left
 * here, or when the deadline passed. */
static void drain_check(evutil_socket_t fd, short what, void *arg)
{
	struct app *app = arg;
	size_t allocs = turn_server_allocation_count(app->turn);
	size_t members =
		app->signaling ? signaling_server_local_members(app->signaling) : 0;

	if (!allocs && !members) {
		log_info("drained: no allocation or room member left; exiting");
	} else if (app->drain_deadline_ms && clock_mono_ms() >= app->drain_deadline_ms) {
		log_info(
			"drain-timeout reached with %zu allocations and %zu members; exiting",
			allocs, members);
	} else {
		return;
	}
	event_del(app->drain_watch);
	app_shutdown(app);
}

/* No new joins or allocations; live calls go on until they end or
 * timeout_s (0: no limit) passes. */
static int app_drain(struct app *app, unsigned timeout_s)
{
	static const struct timeval every = { 0, 250000 };

	if (app->drain_watch)
		return 0; /* already draining */
	app->drain_watch = event_new(app->base, -1, EV_PERSIST, drain_check, app);
	if (!app->drain_watch || event_add(app->drain_watch, &every))
		return TR_ENOMEM;
	app->drain_deadline_ms = timeout_s ? clock_mono_ms() + timeout_s * 1000ull : 0;
	turn_server_set_draining(app->turn, true);
	if (app->signaling)
		signaling_server_set_draining(app->signaling, true);
	log_info("draining: no new joins or allocations%s",
		 timeout_s ? "" : "; no deadline");
	return 0;
}

/* SIGTERM with drain-timeout drains first; a second SIGTERM (or none
 * configured) exits now. */
static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct app *app = arg;

	if (sig == SIGTERM && app->conf->drain_timeout && !app->drain_watch &&
	    app_drain(app, app->conf->drain_timeout) == 0) {
		log_info("signal %d: draining for at most %u s (again to exit now)",
			 (int)sig, app->conf->drain_timeout);
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	app_shutdown(app);
}

/* Opens the store and credentials a config names. 0, or an error with
 * err filled; on error nothing is left allocated. */
static int open_credentials(const struct conf *conf, struct auth_store **store,
			    struct auth **auth, char *err, size_t errlen)
{
	*store = NULL;
	if (conf->userdb) {
		*store = auth_store_open(conf->userdb);
		if (!*store) {
			snprintf(err, errlen, "cannot open userdb %s", conf->userdb);
			return TR_EDB;
		}
	}
	*auth = auth_new(conf, *store, err, errlen);
	if (!*auth) {
		auth_store_free(*store);
		*store = NULL;
		return TR_EINVAL;
	}
	return 0;
}

/* No open relay by accident: without any credential source the server
 * refuses to start (or reload) unless no-auth says an open relay is
 * intended. 0, or TR_EINVAL with err filled. */
static int credentials_missing(const struct conf *c, char *err, size_t errlen)
{
	/* The room server mints REST credentials with its own secret. */
	if (c->no_auth || c->users.n || c->static_auth_secrets.n || c->userdb ||
	    c->http_port)
		return 0;
	snprintf(err, errlen,
		 "no credentials configured: set user=, static-auth-secret=, "
		 "userdb= or http-port (or no-auth for an open relay)");
	return TR_EINVAL;
}

/* The log sink a config asks for, opened but not in use; NULL when the
 * file cannot be opened. */
static struct log_next *log_open_conf(const struct conf *c)
{
	return log_prepare(c->log_file, c->syslog, c->no_stdout_log,
			   c->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
}

/* Everything a reload builds before it touches live state. */
struct reload {
	struct conf *conf;
	struct auth_store *store;
	struct auth *auth;
	struct turn_reload *turn;
	struct signaling_reload *signaling;
	SSL_CTX *front_tls;
	struct log_next *log;
};

static void reload_discard(struct reload *r)
{
	log_next_free(r->log);
	SSL_CTX_free(r->front_tls);
	signaling_reload_free(r->signaling);
	turn_reload_free(r->turn);
	auth_free(r->auth);
	auth_store_free(r->store);
	conf_free(r->conf);
	memset(r, 0, sizeof(*r));
}

/* Phase one: every step that can fail, on new objects only. 0, or an
 * error with err filled (r then holds what was built, for discard). */
static int reload_prepare(struct app *app, struct reload *r, char *err, size_t errlen)
{
	bool want_help, want_version;

	r->conf = conf_new();
	if (!r->conf) {
		snprintf(err, errlen, "out of memory");
		return TR_ENOMEM;
	}
	/* The credentials check sees the file as written: a truncated one
	 * fails even while a kept http-port would mint credentials. */
	if (conf_load(r->conf, app->argc, app->argv, &want_help, &want_version, err,
		      errlen) ||
	    credentials_missing(r->conf, err, errlen))
		return TR_EINVAL;
	/* Options the table marks restart-only keep their running value, so
	 * every module reads one config that says what is in force. */
	if (conf_keep_restart_only(app->conf, r->conf) < 0) {
		snprintf(err, errlen, "out of memory");
		return TR_ENOMEM;
	}
	if (conf_validate(r->conf, err, errlen) ||
	    open_credentials(r->conf, &r->store, &r->auth, err, errlen))
		return TR_EINVAL;
	r->log = log_open_conf(r->conf);
	if (!r->log) {
		snprintf(err, errlen, "cannot open log file %s", r->conf->log_file);
		return TR_EIO;
	}
	if (app->signaling)
		auth_set_presence(r->auth, signaling_server_member_live, app->signaling);
	r->turn = turn_server_reload_prepare(app->turn, r->conf, err, errlen);
	if (!r->turn ||
	    front_reload_prepare(app->front, r->conf, &r->front_tls, err, errlen))
		return TR_EINVAL;
	/* Last: it may write a generated secret into the new store. */
	if (app->signaling) {
		r->signaling =
			signaling_server_reload_prepare(app->signaling, r->conf, r->auth,
							r->store, err, errlen);
		if (!r->signaling)
			return TR_EINVAL;
	}
	return 0;
}

/* A reload that silently changes who may authenticate is a surprise (a
 * truncated file that still parses drops userdb): said at commit. */
static void warn_credential_changes(const struct conf *old, const struct conf *new)
{
	if (old->userdb && !new->userdb)
		log_warn("reload: userdb %s dropped: its users and secrets no longer "
			 "authenticate",
			 old->userdb);
	else if (old->userdb && strcmp(old->userdb, new->userdb))
		log_warn("reload: userdb changed from %s to %s", old->userdb,
			 new->userdb);
	else if (!old->userdb && new->userdb)
		log_warn("reload: userdb %s added", new->userdb);
	if (strcmp(old->realm, new->realm))
		log_warn("reload: realm changed from %s to %s: long-term keys and "
			 "secrets of %s no longer authenticate; allocations keep theirs",
			 old->realm, new->realm, old->realm);
	if (old->static_auth_secrets.n && !new->static_auth_secrets.n)
		log_warn("reload: every static-auth-secret dropped");
	if (old->users.n && !new->users.n)
		log_warn("reload: every user= line dropped");
}

/* Phase two: pointer swaps that cannot fail; the old config, store and
 * credentials are freed only once nothing refers to them. */
static void reload_commit(struct app *app, struct reload *r)
{
	log_commit(r->log);
	r->log = NULL;
	warn_credential_changes(app->conf, r->conf);
	turn_server_reload_commit(app->turn, r->turn, r->conf, r->auth);
	if (app->signaling)
		signaling_server_reload_commit(app->signaling, r->signaling);
	front_reload_commit(app->front, r->conf, r->front_tls);
	auth_free(app->auth);
	auth_store_free(app->store);
	conf_free(app->conf);
	app->conf = r->conf;
	app->store = r->store;
	app->auth = r->auth;
	if (app->console)
		console_reload_commit(app->console, app->conf, app->store);
	memset(r, 0, sizeof(*r));
}

/* SIGHUP: a new config, store and credentials, swapped in whole; the old
 * ones stay in force, untouched, when anything fails. The log file is
 * reopened in any case (logrotate). 0 or an error (logged). */
static int app_reload(struct app *app)
{
	struct reload r = { 0 };
	char err[CONF_ERR_MAX];
	int rc;

	notify("RELOADING=1");
	snprintf(err, sizeof(err), "see the messages above");
	if (log_reopen())
		log_err("cannot reopen the log file");
	rc = reload_prepare(app, &r, err, sizeof(err));
	if (rc) {
		log_err("reload failed, the old configuration stays in force: %s", err);
		reload_discard(&r);
	} else {
		reload_commit(app, &r);
		log_info("SIGHUP: configuration reloaded");
	}
	notify("READY=1");
	return rc;
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	app_reload(arg);
}

/* ---- control socket commands (turnroom-admin) ---- */

static int ctl_sessions(void *ctx, struct evbuffer *out, char *err, size_t errlen)
{
	struct app *app = ctx;

	turn_server_write_sessions(app->turn, out,
				   app->signaling ? signaling_server_room_of : NULL,
				   app->signaling);
	if (app->signaling)
		signaling_server_write_sessions(app->signaling, out);
	return 0;
}

static int ctl_disconnect(void *ctx, const char *user, struct evbuffer *out, char *err,
			  size_t errlen)
{
	struct app *app = ctx;
	/* TURN first: leaving the room would delete the same allocations
	 * (presence-bound) and leave nothing to count. */
	size_t allocs = turn_server_disconnect(app->turn, user);
	size_t ws =
		app->signaling ? signaling_server_disconnect(app->signaling, user) : 0;
	bool others = app->signaling &&
		      signaling_server_disconnect_cluster(app->signaling, user);
	char shown[ESC_LOG_LEN];

	esc_str(shown, sizeof(shown), user);
	log_info("control: disconnected %s (%zu allocations, %zu signaling sessions%s)",
		 shown, allocs, ws, others ? ", asked the other nodes" : "");
	evbuffer_add_printf(out, "allocations %zu\nsignaling_sessions %zu\n", allocs, ws);
	if (others)
		evbuffer_add_printf(out, "cluster asked\n");
	if (!allocs && !ws && !others) {
		snprintf(err, errlen, "no sessions of %s", shown);
		return TR_ENOTFOUND;
	}
	return 0;
}

static int ctl_reload(void *ctx, struct evbuffer *out, char *err, size_t errlen)
{
	struct app *app = ctx;

	if (app_reload(app)) {
		snprintf(err, errlen,
			 "reload failed; the old configuration stays (see the log)");
		return TR_EINVAL;
	}
	return 0;
}

static int ctl_status(void *ctx, struct evbuffer *out, char *err, size_t errlen)
{
	struct app *app = ctx;

	evbuffer_add_printf(out, "version %s\nrealm %s\nallocations %zu\n",
			    PACKAGE_VERSION, app->conf->realm,
			    turn_server_allocation_count(app->turn));
	if (app->signaling)
		signaling_server_status(app->signaling, out);
	return 0;
}

static int ctl_drain(void *ctx, struct evbuffer *out, char *err, size_t errlen)
{
	struct app *app = ctx;

	if (app_drain(app, app->conf->drain_timeout)) {
		snprintf(err, errlen, "out of memory");
		return TR_ENOMEM;
	}
	evbuffer_add_printf(out, "draining allocations %zu members %zu\n",
			    turn_server_allocation_count(app->turn),
			    app->signaling
				    ? signaling_server_local_members(app->signaling)
				    : 0);
	return 0;
}

static int setup_signals(struct app *app)
{
	signal(SIGPIPE, SIG_IGN);
	app->ev_sigterm = evsignal_new(app->base, SIGTERM, on_stop_signal, app);
	app->ev_sigint = evsignal_new(app->base, SIGINT, on_stop_signal, app);
	app->ev_sighup = evsignal_new(app->base, SIGHUP, on_hup, app);
	if (!app->ev_sigterm || !app->ev_sigint || !app->ev_sighup)
		return TR_ENOMEM;
	if (evsignal_add(app->ev_sigterm, NULL) || evsignal_add(app->ev_sigint, NULL) ||
	    evsignal_add(app->ev_sighup, NULL))
		return TR_ENOMEM;
	return 0;
}

/* proc-user/proc-group: give up root once every port is bound. */
static int drop_privileges(const struct conf *c)
{
	struct passwd *pw = c->proc_user ? getpwnam(c->proc_user) : NULL;
	struct group *gr = c->proc_group ? getgrnam(c->proc_group) : NULL;
	gid_t gid = gr ? gr->gr_gid : pw ? pw->pw_gid : getgid();

	if ((c->proc_user && !pw) || (c->proc_group && !gr)) {
		log_err("no such %s '%s'", c->proc_user && !pw ? "user" : "group",
			c->proc_user && !pw ? c->proc_user : c->proc_group);
		return TR_EINVAL;
	}
	if ((pw || gr) && setgroups(1, &gid) < 0 && getuid() == 0) {
		log_err("setgroups failed");
		return TR_EIO;
	}
	if ((pw || gr) && setgid(gid) < 0) {
		log_err("cannot switch to group %u", (unsigned)gid);
		return TR_EIO;
	}
	if (pw && setuid(pw->pw_uid) < 0) {
		log_err("cannot switch to user %s", c->proc_user);
		return TR_EIO;
	}
	if (pw || gr)
		log_info("running as uid %u gid %u", (unsigned)getuid(),
			 (unsigned)getgid());
	return 0;
}

/* pidfile: written once everything is listening, removed at exit. */
static int write_pidfile(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (!fp) {
		log_err("cannot write pidfile %s", path);
		return TR_EIO;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	return fclose(fp) ? TR_EIO : 0;
}

static void app_free(struct app *app)
{
	if (app->pidfile_written)
		unlink(app->conf->pidfile);
	if (app->ev_sigterm)
		event_free(app->ev_sigterm);
	if (app->ev_sigint)
		event_free(app->ev_sigint);
	if (app->ev_sighup)
		event_free(app->ev_sighup);
	if (app->drain_watch)
		event_free(app->drain_watch);
	console_free(app->console);
	ctl_server_free(app->ctl);
	front_metrics_free(app->metrics);
	front_free(app->front);
	signaling_server_free(app->signaling);
	turn_server_free(app->turn);
	if (app->base)
		event_base_free(app->base);
	auth_free(app->auth);
	auth_store_free(app->store);
	conf_free(app->conf);
	log_close();
}

/* The one Prometheus body, for the metrics listener and for /metrics on
 * http-port (metrics-token). */
static void write_metrics(void *ctx, struct evbuffer *out)
{
	struct app *app = ctx;

	turn_server_write_metrics(app->turn, out);
	front_write_metrics(app->front, out);
	if (app->signaling)
		signaling_server_write_metrics(app->signaling, out);
}

static int start_metrics(struct app *app, char *err, size_t errlen)
{
	if (app->signaling)
		signaling_server_set_metrics(app->signaling, write_metrics, app);
	if (!app->conf->prometheus)
		return 0;
	app->metrics =
		front_metrics_new(app->base, app->conf, write_metrics, app, err, errlen);
	if (!app->metrics) {
		log_err("%s", err);
		return TR_EIO;
	}
	return 0;
}

/* Every TCP and TLS port, sniffing TURN from HTTP. */
static int start_front(struct app *app, char *err, size_t errlen)
{
	struct front_handlers h = { turn_server_adopt_stream, app->turn, NULL, NULL };

	if (app->signaling) {
		h.http = signaling_server_adopt;
		h.http_ctx = app->signaling;
	}
	app->front = front_new(app->base, app->conf, &h, err, errlen);
	if (!app->front) {
		log_err("%s", err);
		return TR_EIO;
	}
	if (app->signaling)
		signaling_server_set_tls_turn(app->signaling, front_has_tls(app->front));
	return 0;
}

/* The options from the file and command line; 1 when --help or --version
 * answered instead (nothing else to do). */
static int app_load_conf(struct app *app, int argc, char **argv)
{
	char err[CONF_ERR_MAX];
	bool want_help = false, want_version = false;

	app->conf = conf_new();
	if (!app->conf)
		return TR_ENOMEM;
	if (conf_load(app->conf, argc, argv, &want_help, &want_version, err,
		      sizeof(err))) {
		fprintf(stderr, "turnroom: %s\n", err);
		return TR_EINVAL;
	}
	if (want_help || want_version) {
		if (want_help)
			conf_print_help(stdout);
		else
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 1;
	}
	return 0;
}

/* The log sink of the config, in use from here on. */
static int app_open_log(const struct app *app)
{
	struct log_next *log_next = log_open_conf(app->conf);

	if (!log_next) {
		fprintf(stderr, "turnroom: cannot open log file %s\n",
			app->conf->log_file);
		return TR_EIO;
	}
	log_commit(log_next);
	log_route_libevent();
	if (log_quiet_without_target(app->conf->no_stdout_log, app->conf->log_file,
				     app->conf->syslog))
		log_warn("no-stdout-log without log-file or syslog: logging to standard "
			 "error anyway");
	return 0;
}

/* The credential sources (after becoming a daemon, if asked: before any
 * socket or the event base, so the fork is safe). */
static int app_open_credentials(struct app *app)
{
	char err[CONF_ERR_MAX];

	if (credentials_missing(app->conf, err, sizeof(err))) {
		log_err("%s", err);
		return TR_EINVAL;
	}
	if (app->conf->no_auth)
		log_warn("no-auth: this is an open relay, anyone may allocate");
	if (app->conf->daemon && daemon(1, 0) < 0) {
		log_err("cannot become a daemon");
		return TR_EIO;
	}
	if (open_credentials(app->conf, &app->store, &app->auth, err, sizeof(err))) {
		log_err("%s", err);
		return TR_EINVAL;
	}
	return 0;
}

/* The event base, the POSIX signals, the relay and the room server. */
static int start_servers(struct app *app)
{
	char err[CONF_ERR_MAX];

	app->base = event_base_new();
	if (!app->base || setup_signals(app))
		return TR_ENOMEM;
	app->turn = turn_server_new(app->base, app->conf, app->auth);
	if (!app->turn)
		return TR_EIO;
	if (!app->conf->http_port)
		return 0;
	app->signaling = signaling_server_new(app->base, app->conf, app->auth, app->store,
					      app->turn, err, sizeof(err));
	if (!app->signaling) {
		log_err("room server: %s", err);
		return TR_EIO;
	}
	auth_set_presence(app->auth, signaling_server_member_live, app->signaling);
	return 0;
}

/* What turnroom-admin's control socket and the console ask of the server. */
static struct ctl_ops ctl_ops_of(struct app *app)
{
	struct ctl_ops ops = { app,        ctl_sessions, ctl_disconnect,
			       ctl_reload, ctl_status,   ctl_drain };

	return ops;
}

/* The control socket for turnroom-admin, when one is configured. */
static int start_control(struct app *app)
{
	struct ctl_ops ops = ctl_ops_of(app);

	if (!app->conf->control_socket)
		return 0;
	app->ctl = ctl_server_new(app->base, app->conf->control_socket, &ops);
	return app->ctl ? 0 : TR_EIO;
}

static void write_metrics(void *ctx, struct evbuffer *out);

/* The operator console (web-admin): the control socket's callbacks and
 * the /metrics body. */
static int start_console(struct app *app)
{
	struct console_ops ops = { ctl_ops_of(app), write_metrics };
	char err[256];

	if (!app->conf->web_admin)
		return 0;
	app->console =
		console_new(app->base, app->conf, app->store, &ops, err, sizeof(err));
	if (!app->console)
		log_err("%s", err);
	return app->console ? 0 : TR_EIO;
}

/* 0 when ready to run; 1 when --help or --version answered; else an
 * error (logged). */
static int app_start(struct app *app, int argc, char **argv)
{
	char err[CONF_ERR_MAX];
	int rc = app_load_conf(app, argc, argv);

	if (!rc)
		rc = app_open_log(app);
	if (!rc)
		rc = app_open_credentials(app);
	if (!rc)
		rc = start_servers(app);
	if (rc)
		return rc;
	if (start_front(app, err, sizeof(err)) || start_metrics(app, err, sizeof(err)) ||
	    start_control(app) || start_console(app))
		return TR_EIO;
	if (app->conf->pidfile) {
		if (write_pidfile(app->conf->pidfile))
			return TR_EIO;
		app->pidfile_written = true;
	}
	if (drop_privileges(app->conf))
		return TR_EIO;
	return 0;
}

int main(int argc, char **argv)
{
	struct app app;
	int rc;

	/* "turnroom admin ..." is turnroom-admin. */
	if (argc > 1 && !strcmp(argv[1], "admin"))
		return admin_main(argc - 1, argv + 1);
	/* The build generates the man page and sample config with this. */
	if (argc == 2 && !strncmp(argv[1], "--print-options=", 16)) {
		if (conf_print_options(stdout, argv[1] + 16) == 0)
			return fflush(stdout) == 0 ? 0 : 1;
		fprintf(stderr, "turnroom: --print-options takes man, man-unimplemented "
				"or sample\n");
		return 1;
	}
	memset(&app, 0, sizeof(app));
	app.argc = argc;
	app.argv = argv;
	rc = app_start(&app, argc, argv);
	if (rc == 0) {
		log_info("%s %s ready (realm %s)", PACKAGE_NAME, PACKAGE_VERSION,
			 app.conf->realm);
		notify("READY=1");
		event_base_dispatch(app.base);
		notify("STOPPING=1");
		log_info("stopped");
	}
	app_free(&app);
	if (rc == 1)
		return 0;
	return rc == 0 ? 0 : 1;
}
