/*
 * pool: the master's one poll() loop: the control socket's callers, and
 * a pool of authenticated connections (conn.c) that run their commands,
 * one command per connection at a time, grown on demand up to
 * MASTER_POOL and refilled when one dies.
 */
#ifndef RSH_POOL_H
#define RSH_POOL_H

#include <stdint.h>

#include "keys.h"

#include "opts.h"
#include "target.h"

struct pool_params {
	const struct target	*t;
	const struct key	*k;
	int			 retries;	/* --retry */
	int			 lfd;		/* the listening control socket */
	int			 sigfd;		/* TERM, INT, HUP: stop */
	uint32_t		 persist_ms;	/* idle time, then stop; 0: never */
	/*
	 * Until the first connection is authenticated, where rsh -M waits:
	 * "ok PID\n" once it is, else the errors, then end of file.
	 */
	int			 ready_fd;
};

/*
 * Runs the master until it is told to stop (CTL_EXIT, a signal), stays
 * idle persist_ms, or cannot make its first connection.  Returns 0, or
 * 255 when the first connection failed.  Closes ready_fd; lfd and sigfd
 * stay the caller's.
 */
int	pool_run(struct pool_params *p);

#endif
