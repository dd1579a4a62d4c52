/* turnroom-admin: the admin command, with coturn turnadmin's flags and
 * output (users and REST secrets in the sqlite turndb), plus signaling
 * join tokens and live control of a running server over its unix socket.
 * Reached as the turnroom-admin program and as "turnroom admin ...". */
#ifndef TR_ADMIN_H
#define TR_ADMIN_H

/* Runs one admin command; argv[0] is the program or subcommand name (not
 * used). getopt state is reset first. Returns the process exit status:
 * 0 on success, 1 on any error (message on stderr, nothing changed). */
int admin_main(int argc, char **argv);

#endif
