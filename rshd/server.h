/*
 * server: listeners, connection limits, accept, and the daemon's shared
 * state.  Everything in struct rshd is read-only once the listeners are
 * up, except what `lock` guards.
 */
#ifndef RSHD_SERVER_H
#define RSHD_SERVER_H

#include <sys/socket.h>

#include <netinet/in.h>

#include <pthread.h>
#include <stddef.h>

#include "keys.h"
#include "netio.h"

#include "conf.h"
#include "exec.h"

#define SERVER_MAXNAMES	(CONF_MAXNAMES + 3)
/* Sockets of one kind: an address may resolve to IPv4 and IPv6. */
#define SERVER_MAXLISTENERS	(CONF_MAXLISTEN * 2)

/* The daemon's sockets: TCP listeners, and UDP ones on the same port. */
struct listeners {
	int	tcp[SERVER_MAXLISTENERS];
	size_t	ntcp;
	int	udp[SERVER_MAXLISTENERS];
	size_t	nudp;
};

/* How many unauthenticated connections one source address holds. */
struct src_count {
	struct in6_addr	addr;	/* IPv4 as IPv4-mapped */
	int		n;
};

struct rshd {
	const struct conf	*conf;
	struct keyring		*keys;
	struct policy		*policy;	/* what each key may do */
	uint64_t		 last_id;	/* connections and UDP requests,
						 * numbered: server_next_id() */
	char			*names[SERVER_MAXNAMES];  /* lowercased */
	size_t			 nnames;
	int			 any_name;	/* ServerName * */
	struct exec_account	 account;
	int			 shutdown_fd;	/* eventfd: readable = stop */
	struct keypool		*pool;		/* X25519 keys made ahead */

	pthread_mutex_t		 lock;	/* guards the counters below */
	pthread_cond_t		 idle;	/* signalled when nconns drops */
	int			 nconns;
	int			 nunauth;
	struct src_count	*srcs;	/* max_unauth entries */
};

/* Sets up the server names (ServerName or the defaults).  0 or -1. */
int	server_names_init(struct rshd *d);

/* 1 when the C1 name (raw bytes) is one we answer to on this socket. */
int	server_name_ok(const struct rshd *d, const char *name, size_t len,
	    const char *localname);

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

/* A number for a new connection or UDP request (audit, logs). */
uint64_t server_next_id(struct rshd *d);

/* A session's handshake ended (either way): frees its unauth slot. */
void	server_auth_done(struct rshd *d, const struct sockaddr_storage *peer);

/* A session ended: frees its connection slot. */
void	server_conn_done(struct rshd *d);

#endif
