/*
 * mux: the calling side of a master (master.c): finds the master of a
 * target, hands it the command and this process's stdin, stdout and
 * stderr, forwards signals, and takes back the exit status.  No
 * handshake and no libcrypto on this path; that is its point.
 */
#ifndef RSH_MUX_H
#define RSH_MUX_H

#include <stddef.h>

#include "wire.h"

#include "opts.h"
#include "target.h"

/*
 * Runs e through t's master when one runs.  Returns 1 with *status the
 * exit status rsh ends with (-SIGPIPE: end by SIGPIPE), as without a
 * master; 0 when there is no usable master (a stale socket is removed),
 * and the caller connects directly.
 */
int	mux_run(const struct target *t, const struct opts *o,
	    const struct wire_exec *e, int *status);

/*
 * 1 when a socket is where t's master would listen: a master may run
 * there (mux_run finds out, and clears a stale one).  rcp then copies
 * through rsh, which uses the master, instead of in its own process.
 */
int	mux_present(const struct target *t);

/* rsh -O check|exit HOST: 0 when a master runs (and, for exit, was told
 * to stop), 255 otherwise (said). */
int	mux_control(const struct target *t, const char *op);

/*
 * Before a new master listens at path: 0 when nothing is there or a dead
 * master's socket was removed; -1 with a sentence in err when a master
 * already runs ("... already runs ...") or the socket is not to be
 * trusted.
 */
int	mux_stale(const char *path, char *err, size_t errlen);

#endif
