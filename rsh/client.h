/*
 * client: what every direct rsh connection needs before it starts, in
 * one place for rsh's main and for rcp, which runs the same connection
 * in its own process: stdio kept taken, libcrypto, the target's key,
 * the connection's parameters, the EXEC and the signals read from a
 * signalfd.  Messages go to stderr as "rsh: ...".
 */
#ifndef RSH_CLIENT_H
#define RSH_CLIENT_H

#include <signal.h>

#include "keys.h"
#include "wire.h"

#include "conn.h"
#include "opts.h"
#include "target.h"

/*
 * Keeps 0, 1 and 2 taken, so that the socket never lands on one of them
 * and output never goes into the connection.  Returns 1 when stdin was
 * closed: the command then gets no input.
 */
int	client_stdio(void);

/*
 * Loads libcrypto (lib/cryptodl.c) just before its first use, so that a
 * missing library is said once and plainly, not as a bad key.  0, or -1
 * (said).
 */
int	client_crypto(void);

/*
 * libcrypto, t's key file (into *keys, which the caller frees with
 * keys_free) and t's key from it (into *key, which the caller wipes).
 * Returns the key, or NULL (said, with a hint when the file is missing).
 */
const struct key *client_key(const struct target *t, const struct opts *o,
	    struct keyring **keys, struct key *key);

/* p for a connection to t with k, as o says; no stdin (in_fd -1). */
void	client_params(struct conn_params *p, const struct target *t,
	    const struct opts *o, const struct key *k);

/*
 * Blocks INT, TERM, HUP and QUIT (and WINCH when winch; the mask before
 * in *old unless it is NULL) and returns a signalfd that reads them, or
 * -1 (errno).
 */
int	client_signals(int winch, sigset_t *old);

/*
 * The EXEC for the operands argv (argc of them): a shell command line
 * (like ssh) or, with -x, an argv.  Without a command: on a terminal
 * (pty) no ARG (a login shell); otherwise the account's shell as a
 * login shell reading the script on standard input; in line mode the
 * template each line's command goes into.  shell_argv (2 entries) holds
 * the one shell ARG.  Returns the command line it allocated (the caller
 * frees it), or NULL: none was needed, or memory ran out (no ARG).
 */
char	*client_exec(const struct opts *o, int argc, char **argv, int pty,
	    struct wire_exec *e, char **shell_argv);

#endif
