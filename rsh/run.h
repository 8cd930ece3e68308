/*
 * run: the loop that drives a connection: poll() over its fds and the
 * signalfd, and, in line mode, standard input as the source of commands.
 */
#ifndef RSH_RUN_H
#define RSH_RUN_H

#include "conn.h"
#include "wire.h"

/*
 * One poll() round over c, sigfd and, when extra is not -1, that fd too,
 * and what it found handed to c.  Returns 1 when extra is readable, else
 * 0; -1 when poll() fails.
 */
int	run_step(struct conn *c, int sigfd, int extra);

/*
 * Drives c until its command has ended or the connection has; signals
 * read from sigfd are handed to it (SIGWINCH as the new size of the
 * terminal on fd 0).  Returns the exit status rsh should
 * end with.
 */
int	run_one(struct conn *c, int sigfd);

/*
 * Line mode: each line of standard input (fd 0) is a shell command,
 * sent in turn on c as tmpl says (its argv is replaced; it should have
 * NO_STDIN).  Blank lines are skipped.  Returns the last command's exit
 * status (0 when there was none), or 255 once the connection fails.
 */
int	run_lines(struct conn *c, int sigfd, const struct wire_exec *tmpl);

#endif
