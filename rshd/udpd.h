/*
 * udpd: the UDP variant's service: one receiver thread over every UDP
 * socket, a bounded queue, and a pool of workers that run the commands.
 * Nothing that fails before OPEN gets a byte back: no reflection, no
 * amplification.
 */
#ifndef RSHD_UDPD_H
#define RSHD_UDPD_H

#include <stddef.h>

#include "server.h"

struct udpd;

/*
 * Sets a bound UDP socket up for udpd (destination addresses on receipt,
 * so replies leave from the address the request reached).  0 or -1.
 */
int	udpd_prepare_socket(int fd, int family);

/*
 * Starts serving the sockets fds[0..nfds) (ownership passes to udpd) with
 * d's settings.  NULL with a sentence in err.
 */
struct udpd	*udpd_start(struct rshd *d, const int *fds, size_t nfds,
		    char *err, size_t errlen);

/* Stops the threads (the daemon's shutdown_fd is readable by now),
 * closes the sockets and frees; NULL does nothing. */
void		 udpd_stop(struct udpd *);

#endif
