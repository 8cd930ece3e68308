/*
 * pty: a pseudo-terminal in place of a command's pipes (exec.c's), set up
 * as sshd does: the account's (group tty, mode 0620), of the client's
 * size.  Private to exec.c.
 */
#ifndef RSHD_PTY_H
#define RSHD_PTY_H

#include <stdint.h>

struct exec_plan;

/*
 * Fills the pipe arrays of exec_spawn with a terminal: [0] of in and
 * [1] of out and err are the child's (the slave; /dev/null for stdin
 * with NO_STDIN), out[0] is the master and in[1] a duplicate of it (-1
 * with NO_STDIN), so that the end of stdin closes only that and the
 * terminal stays, as with sshd; err[0] is -1.  All O_CLOEXEC.  Returns
 * 0, or -1 with errno; either way every fd made is in the arrays, for the
 * caller to close.
 */
int	pty_make(const struct exec_plan *p, int in[2], int out[2], int err[2]);

/* Sets the size of the terminal whose master is master: 0 or -1. */
int	pty_resize(int master, uint16_t rows, uint16_t cols);

#endif
