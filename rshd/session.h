/*
 * session: one connection's life, in its own thread: handshake, then
 * records, running one command at a time.
 */
#ifndef RSHD_SESSION_H
#define RSHD_SESSION_H

#include <sys/socket.h>

#include "server.h"

/*
 * Starts a detached thread that owns fd (a connected socket, counted as
 * one connection and one unauthenticated connection of peer's address).
 * Returns 0; -1 when the thread could not start, fd then still the
 * caller's.
 */
int	session_start(struct rshd *d, int fd,
	    const struct sockaddr_storage *peer);

#endif
