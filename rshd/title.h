/*
 * title: what ps(1) shows of rshd.  With -i, one process serves one
 * connection and its title is that connection's state, as sshd's are
 * ("rshd: ops@10.0.0.5:40112 running").  Threaded, the process title is
 * the daemon's counts ("rshd: 3 connections, 1 unauthenticated"), kept by
 * the main thread, and each session thread is named after its state and
 * key (`ps -L`, `top -H`: "run ops", "idle ops", "auth -"; the kernel
 * keeps 15 bytes).
 */
#ifndef RSHD_TITLE_H
#define RSHD_TITLE_H

/* Before the arguments are parsed: the title takes argv's memory over
 * (argv[] then points at copies). */
void	title_init(int argc, char **argv);

/* -i: one connection, whose state is the process title.  Before any
 * thread starts. */
void	title_one_connection(void);

/* A session's state: its key id (NULL before authentication), its peer
 * and a word ("authenticating", "idle", "running", "stopping"). */
void	title_session(const char *keyid, const char *peer, const char *state);

/* The privileged part (monitor.h), in its own process. */
void	title_privileged(void);

/* The daemon's counts; the main thread only, threaded mode only. */
void	title_counts(int conns, int unauth);

#endif
