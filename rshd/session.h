/*
 * session: one connection's life, in its own thread: handshake, then
 * records, running one command at a time.
 */
#ifndef RSHD_SESSION_H
#define RSHD_SESSION_H

#include <sys/socket.h>

#include "admit.h"
#include "server.h"
#include "snapshot.h"

/*
 * Starts a detached thread that owns fd (a connected socket from peer),
 * its admission ticket t and a reference to snap, the configuration it
 * keeps to its end.  Returns 0; -1 when the thread could not start, and
 * all three are then still the caller's.
 */
int	session_start(struct rshd *d, struct snapshot *snap,
	    struct admit_ticket *t, int fd,
	    const struct sockaddr_storage *peer);

#endif
