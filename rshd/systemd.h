/*
 * systemd: socket activation (LISTEN_FDS, LISTEN_PID) and readiness
 * (NOTIFY_SOCKET), spoken directly: both are small, documented protocols
 * (sd_listen_fds(3), sd_notify(3)) and rshd needs nothing else of
 * libsystemd.
 */
#ifndef RSHD_SYSTEMD_H
#define RSHD_SYSTEMD_H

#include <stddef.h>

#include "server.h"

/*
 * The listening sockets systemd passed to this process, sorted into TCP
 * and UDP ones (made nonblocking and close-on-exec, UDP ones set up for
 * udpd).  Returns how many were passed (0: none, so rshd binds its own),
 * or -1 with a sentence in err.  Unsets the variables, so children never
 * see them.
 */
int	systemd_listeners(struct listeners *l, char *err, size_t errlen);

/*
 * The first fd past those systemd passed (3 when it passed none): rshd
 * closes every fd from there at start-up.  Call before
 * systemd_listeners(), which unsets the variables.
 */
int	systemd_fds_end(void);

/* Connects to NOTIFY_SOCKET, if set, while rshd may still reach it. */
void	systemd_notify_open(void);

/* Sends state ("READY=1", "STOPPING=1") there. */
void	systemd_notify(const char *state);

#endif
