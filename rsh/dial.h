/*
 * dial: a TCP connection without blocking: the host's addresses are tried
 * in turn, each with a nonblocking connect() the caller's poll() waits on.
 */
#ifndef RSH_DIAL_H
#define RSH_DIAL_H

#include <stddef.h>
#include <stdint.h>

enum { DIAL_PENDING = 0, DIAL_DONE, DIAL_FAILED };

struct addrinfo;

struct dial {
	struct addrinfo	*res, *ai;	/* all addresses; the one tried */
	int		 naddr;
	int		 fd;		/* -1 when none */
	char		 err[256];	/* why the last address failed */
	int		 errnum;	/* its errno, 0 when none */
	uint64_t	 t0_us;		/* when dial_resolve began */
	double		 resolve_ms;	/* what getaddrinfo() took */
};

/* An empty dial (no fd, no addresses). */
void	dial_init(struct dial *d);

/*
 * Resolves host and port with getaddrinfo(), which may block on DNS.
 * Returns 0, or -1 with a sentence in d->err.
 */
int	dial_resolve(struct dial *d, const char *host, const char *port);

/*
 * Starts on the next address (the first after dial_resolve).  DIAL_PENDING:
 * poll d->fd for POLLOUT, then call dial_events; DIAL_DONE: d->fd is
 * connected; DIAL_FAILED: no address left, d->err says why.
 */
int	dial_next(struct dial *d);

/* After POLLOUT (or an error) on d->fd: as dial_next. */
int	dial_events(struct dial *d);

/* The connected socket, which the caller then owns (d->fd becomes -1). */
int	dial_take(struct dial *d);

/* The address being tried, as "192.0.2.1:22", into out. */
void	dial_addr(const struct dial *d, char *out, size_t len);

/* Closes the socket if d still holds it and frees the addresses. */
void	dial_free(struct dial *d);

#endif
