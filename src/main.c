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

#include "admin/admin.h"
#include "auth/auth.h"
#include "conf/conf.h"
#include "ctl/ctl.h"
#include "front/front.h"
#include "signal/signal.h"
#include "turn/turn.h"
#include "util/errors.h"
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
	struct signal_server *signal;
	struct ctl_server *ctl;
	struct front *front;
	struct front_metrics *metrics;
	struct event *sig_term, *sig_int, *sig_hup;
	bool pidfile_written;
	int argc;
	char **argv;
};

/* Time WebSocket peers get to receive their 1001 close before exit. */
static const struct timeval shutdown_grace = { 0, 300000 };

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct app *app = arg;

	log_info("signal %d: shutting down", (int)sig);
	if (app->signal)
		signal_server_shutdown(app->signal);
	event_base_loopexit(app->base, &shutdown_grace);
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

/* SIGHUP: a new config, store and credentials, swapped in whole; the old
 * ones stay in force when anything fails. The log file is reopened in any
 * case (logrotate). */
static void app_reload(struct app *app)
{
	notify("RELOADING=1");
	struct conf *conf = conf_new();
	struct auth_store *store = NULL;
	struct auth *auth = NULL;
	bool want_help, want_version;
	char err[CONF_ERR_MAX];

	snprintf(err, sizeof(err), "see the messages above");
	if (log_reopen())
		log_err("cannot reopen the log file");
	if (!conf || conf_load(conf, app->argc, app->argv, &want_help, &want_version, err,
			       sizeof(err)) ||
	    open_credentials(conf, &store, &auth, err, sizeof(err)) ||
	    turn_server_reconfigure(app->turn, conf, auth, err, sizeof(err)) ||
	    (app->signal && signal_server_reconfigure(app->signal, conf, auth, store, err,
						      sizeof(err))) ||
	    front_reconfigure(app->front, conf, err, sizeof(err))) {
		char ignored[CONF_ERR_MAX];

		if (app->signal && auth)
			signal_server_reconfigure(app->signal, app->conf, app->auth, app->store,
						  ignored, sizeof(ignored));
		if (app->turn && auth)
			turn_server_reconfigure(app->turn, app->conf, app->auth, ignored,
						sizeof(ignored));
		log_err("reload failed, the old configuration stays in force: %s", err);
		notify("READY=1");
		auth_free(auth);
		auth_store_free(store);
		conf_free(conf);
		return;
	}
	auth_free(app->auth);
	auth_store_free(app->store);
	conf_free(app->conf);
	app->conf = conf;
	app->store = store;
	app->auth = auth;
	log_info("SIGHUP: configuration reloaded");
	notify("READY=1");
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	app_reload(arg);
}

/* ---- control socket commands (turnroom-admin) ---- */

static int ctl_sessions(void *ctx, struct evbuffer *out, char *err, size_t errlen)
{
	struct app *app = ctx;

	turn_server_write_sessions(app->turn, out, app->signal ? signal_server_room_of : NULL,
				   app->signal);
	if (app->signal)
		signal_server_write_sessions(app->signal, out);
	return 0;
}

static int ctl_disconnect(void *ctx, const char *user, struct evbuffer *out, char *err,
			  size_t errlen)
{
	struct app *app = ctx;
	/* TURN first: leaving the room would delete the same allocations
	 * (presence-bound) and leave nothing to count. */
	size_t allocs = turn_server_disconnect(app->turn, user);
	size_t ws = app->signal ? signal_server_disconnect(app->signal, user) : 0;

	log_info("control: disconnected %s (%zu allocations, %zu signaling sessions)", user,
		 allocs, ws);
	evbuffer_add_printf(out, "allocations %zu\nsignaling_sessions %zu\n", allocs, ws);
	if (!allocs && !ws) {
		snprintf(err, errlen, "no sessions of %s", user);
		return -1;
	}
	return 0;
}

static int ctl_reload(void *ctx, struct evbuffer *out, char *err, size_t errlen)
{
	struct app *app = ctx;
	const struct conf *before = app->conf;

	app_reload(app);
	if (app->conf == before) {
		snprintf(err, errlen, "reload failed; the old configuration stays (see the log)");
		return -1;
	}
	return 0;
}

static int ctl_status(void *ctx, struct evbuffer *out, char *err, size_t errlen)
{
	struct app *app = ctx;

	evbuffer_add_printf(out, "version %s\nrealm %s\nallocations %zu\n", PACKAGE_VERSION,
			    app->conf->realm, turn_server_allocation_count(app->turn));
	if (app->signal)
		signal_server_status(app->signal, out);
	return 0;
}

static int setup_signals(struct app *app)
{
	signal(SIGPIPE, SIG_IGN);
	app->sig_term = evsignal_new(app->base, SIGTERM, on_stop_signal, app);
	app->sig_int = evsignal_new(app->base, SIGINT, on_stop_signal, app);
	app->sig_hup = evsignal_new(app->base, SIGHUP, on_hup, app);
	if (!app->sig_term || !app->sig_int || !app->sig_hup)
		return TR_ENOMEM;
	if (evsignal_add(app->sig_term, NULL) || evsignal_add(app->sig_int, NULL) ||
	    evsignal_add(app->sig_hup, NULL))
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
		log_info("running as uid %u gid %u", (unsigned)getuid(), (unsigned)getgid());
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
	if (app->sig_term)
		event_free(app->sig_term);
	if (app->sig_int)
		event_free(app->sig_int);
	if (app->sig_hup)
		event_free(app->sig_hup);
	ctl_server_free(app->ctl);
	front_metrics_free(app->metrics);
	front_free(app->front);
	signal_server_free(app->signal);
	turn_server_free(app->turn);
	if (app->base)
		event_base_free(app->base);
	auth_free(app->auth);
	auth_store_free(app->store);
	conf_free(app->conf);
	log_close();
}

/* No open relay by accident: without any credential source the server
 * refuses to start unless no-auth says an open relay is intended. */
static int check_credentials_configured(const struct conf *c)
{
	if (c->no_auth) {
		log_warn("no-auth: this is an open relay, anyone may allocate");
		return 0;
	}
	/* The room server mints REST credentials with its own secret. */
	if (c->users.n || c->static_auth_secrets.n || c->userdb || c->http_port)
		return 0;
	log_err("no credentials configured: set user=, static-auth-secret=, "
		"userdb= or http-port (or no-auth for an open relay)");
	return TR_EINVAL;
}

/* The one Prometheus body, for the metrics listener and for /metrics on
 * http-port (metrics-token). */
static void write_metrics(void *ctx, struct evbuffer *out)
{
	struct app *app = ctx;

	turn_server_write_metrics(app->turn, out);
	front_write_metrics(app->front, out);
	if (app->signal)
		signal_server_write_metrics(app->signal, out);
}

static int start_metrics(struct app *app, char *err, size_t errlen)
{
	if (app->signal)
		signal_server_set_metrics(app->signal, write_metrics, app);
	if (!app->conf->prometheus)
		return 0;
	app->metrics = front_metrics_new(app->base, app->conf, write_metrics, app, err, errlen);
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

	if (app->signal) {
		h.http = signal_server_adopt;
		h.http_ctx = app->signal;
	}
	app->front = front_new(app->base, app->conf, &h, err, errlen);
	if (!app->front) {
		log_err("%s", err);
		return TR_EIO;
	}
	if (app->signal)
		signal_server_set_tls_turn(app->signal, front_has_tls(app->front));
	return 0;
}

static int app_start(struct app *app, int argc, char **argv)
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
	if (log_open(app->conf->log_file, app->conf->syslog,
		     app->conf->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO)) {
		fprintf(stderr, "turnroom: cannot open log file %s\n", app->conf->log_file);
		return TR_EIO;
	}
	log_route_libevent();
	if (check_credentials_configured(app->conf))
		return TR_EINVAL;
	/* Before any socket or the event base: fork safely, then bind. */
	if (app->conf->daemon && daemon(1, 0) < 0) {
		log_err("cannot become a daemon");
		return TR_EIO;
	}
	if (open_credentials(app->conf, &app->store, &app->auth, err, sizeof(err))) {
		log_err("%s", err);
		return TR_EINVAL;
	}
	app->base = event_base_new();
	if (!app->base || setup_signals(app))
		return TR_ENOMEM;
	app->turn = turn_server_new(app->base, app->conf, app->auth);
	if (!app->turn)
		return TR_EIO;
	if (app->conf->http_port) {
		app->signal = signal_server_new(app->base, app->conf, app->auth, app->store,
						app->turn, err, sizeof(err));
		if (!app->signal) {
			log_err("room server: %s", err);
			return TR_EIO;
		}
	}
	if (start_front(app, err, sizeof(err)) || start_metrics(app, err, sizeof(err)))
		return TR_EIO;
	if (app->conf->control_socket) {
		struct ctl_ops ops = { app, ctl_sessions, ctl_disconnect, ctl_reload,
				       ctl_status };

		app->ctl = ctl_server_new(app->base, app->conf->control_socket, &ops);
		if (!app->ctl)
			return TR_EIO;
	}
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
