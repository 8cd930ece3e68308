/*
 * server: listeners, accept, reload, and the daemon's shared state.
 * Everything in struct rshd is read-only once the listeners are up,
 * except cur (snap_lock), gen (atomic) and what admit guards itself.
 */
#ifndef RSHD_SERVER_H
#define RSHD_SERVER_H

#include <sys/socket.h>

#include <netinet/in.h>

#include <pthread.h>
#include <stddef.h>

#include "keys.h"
#include "netio.h"

#include "admit.h"
#include "conf.h"
#include "exec.h"
#include "snapshot.h"

/* Sockets of one kind: an address may resolve to IPv4 and IPv6. */
#define SERVER_MAXLISTENERS	(CONF_MAXLISTEN * 2)

/* The daemon's sockets: TCP listeners, and UDP ones on the same port. */
struct listeners {
	int	tcp[SERVER_MAXLISTENERS];
	size_t	ntcp;
	int	udp[SERVER_MAXLISTENERS];
	size_t	nudp;
};

struct rshd {
	/* The configuration rshd started with: listeners, the UDP service
	 * and the other settings a reload cannot change come from it.
	 * Held to the end. */
	struct snapshot		*boot;
	const struct snapshot_source *src;	/* for reloads */
	pthread_mutex_t		 snap_lock;	/* guards cur */
	struct snapshot		*cur;		/* the one new work takes */
	unsigned long		 gen;		/* cur->gen, atomic */
	struct admit		*admit;		/* connection slots */
	uint64_t		 last_id;	/* connections and UDP requests,
						 * numbered: server_next_id() */
	struct exec_account	 account;	/* rshd's own */
	int			 shutdown_fd;	/* eventfd: readable = stop */
	struct keypool		*pool;		/* X25519 keys made ahead */
};

/* The snapshot in force, with a reference for the caller to put. */
struct snapshot	*server_snapshot(struct rshd *d);

/* Its generation: a cheap way to see that a reload happened. */
unsigned long	 server_generation(struct rshd *d);

/*
 * Builds a new snapshot from the files and puts it in force (SIGHUP).
 * When the files do not parse, says why in the log and keeps the one in
 * force: 0 or -1.  Called from the main thread only.
 */
int	server_reload(struct rshd *d);

/*
 * Opens the listeners of d->conf: TCP on every -l address, and UDP there
 * too unless UDP is off, all on one port (with port 0 the first gets a
 * free port and the others share it).  0, or -1 with a sentence in err.
 * *port gets the port.
 */
int	server_listen(struct rshd *d, struct listeners *l, int *port,
	    char *err, size_t errlen);

/* The port a bound socket has, or -1. */
int	server_port(int fd);

/*
 * Accepts connections on fds until SIGTERM or SIGINT (delivered through
 * sigfd), then stops: refuses new connections, tells sessions to end and
 * waits for them.  Returns how many sessions were still open at the end.
 */
int	server_run(struct rshd *d, const int *fds, size_t nfds, int sigfd);

/*
 * -i: serves the one connection on fd (the daemon's standard input, as
 * inetd or systemd's Accept=yes hand it over) in a session thread, and
 * returns when it ends; SIGTERM and SIGINT stop it as they stop the
 * daemon's sessions.  0, or -1 when fd is no TCP connection or the
 * session cannot start.
 */
int	server_serve_one(struct rshd *d, int fd, int sigfd);

/* A number for a new connection or UDP request (audit, logs). */
uint64_t server_next_id(struct rshd *d);

#endif
