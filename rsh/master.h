/*
 * master: rsh -M, a background process that keeps authenticated
 * connections to one target and runs the commands of later rsh calls on
 * them (mux.c is the calling side, ctl.c the control socket).  It
 * executes nothing locally: it only relays to rshd, and only for callers
 * of its own uid.
 */
#ifndef RSH_MASTER_H
#define RSH_MASTER_H

#include "keys.h"

#include "opts.h"
#include "target.h"

#define MASTER_POOL		8	/* connections, at most */
#define MASTER_CLIENTS		64	/* callers at once, at most */
#define MASTER_PERSIST_MS	600000	/* -M without ControlPersist */

/*
 * Starts a master for t with key k (both copied into the background
 * process) and returns once its first connection is authenticated: 0;
 * when a master already runs for t, 0 too.  When the master cannot start
 * it has said why on stderr (unless quiet), and the result is 255.
 */
int	master_start(const struct target *t, const struct key *k,
	    const struct opts *o, int quiet);

/*
 * rsh -M HOST and rsh -O check|exit HOST: the whole of such a call, from
 * the operands to the exit status.
 */
int	master_main(const struct opts *o, int argc, char **argv);

#endif
