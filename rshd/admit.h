/*
 * admit: who gets a connection slot, and each key's session count.
 *
 * It counts connections, the unauthenticated ones, and each source's
 * share of those (IPv4 by address, IPv6 by /64: one host holds a whole
 * /64).  The limits come with every call, from the caller's snapshot of
 * the configuration, so a reload that raises or lowers one takes effect
 * at the next connection and nothing was sized for the old value.
 *
 * A full table does not simply refuse.  A handshake takes one round trip,
 * so a client that is still unauthenticated after a while is idle or
 * hostile: a new connection evicts the oldest unauthenticated connection
 * of the sources holding the most (the oldest of them all when several
 * are tied), as long as they hold more than the newcomer's own and that
 * handshake is at least min_age_ms old, so a fresh legitimate one is
 * never the one to go.  Eight addresses holding sixteen idle connections
 * each therefore cannot lock out a ninth, while a burst from one address
 * is refused only when it alone fills the table.  Nothing is evicted for
 * a newcomer that would be refused anyway.  An evicted connection's
 * socket is shut down; its thread sees the handshake fail and ends as
 * usual, and its slots are given again at once.
 *
 * Session counts are kept by key id, so they carry over a reload.
 * Thread safe: one lock guards everything here.
 */
#ifndef RSHD_ADMIT_H
#define RSHD_ADMIT_H

#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>

/* The longest min_age_ms rshd uses (see admit_limits). */
#define ADMIT_MIN_AGE_MS	1000

struct admit_limits {
	int	max_conns;	/* MaxConnections */
	int	max_unauth;	/* MaxUnauthenticated */
	int	max_unauth_src;	/* MaxUnauthenticatedPerSource */
	/* A source at its limit may evict its own oldest handshake only
	 * when it is at least this old (a quarter of AuthTimeout): no
	 * legitimate handshake is that slow. */
	int	stale_ms;
	/* No handshake younger than this is evicted for another source:
	 * a legitimate client finishes in a round trip. */
	int	min_age_ms;
};

struct admit;
struct admit_ticket;

struct admit	*admit_new(void);
void		 admit_free(struct admit *);

/*
 * A connection on fd from peer wants a connection slot and an
 * unauthenticated one; may evict another to make room.  Returns the
 * connection's ticket (owned by the caller until admit_leave), or NULL
 * with the reason for the refusal in *why.
 */
struct admit_ticket *admit_enter(struct admit *, const struct admit_limits *,
		    const struct sockaddr_storage *peer, int fd,
		    const char **why);

/* Its whole C1 is in: the handshake now waits for rshd, not for the
 * client, and is no longer evicted to make room. */
void	admit_spoke(struct admit *, struct admit_ticket *);

/* The handshake succeeded: the connection is no longer unauthenticated
 * (and can no longer be evicted).  0, or -1 when it was evicted first. */
int	admit_authed(struct admit *, struct admit_ticket *);

/* The connection ends: frees its slots and the ticket. */
void	admit_leave(struct admit *, struct admit_ticket *);

/* Waits up to ms for every connection to leave: how many remain. */
int	admit_wait_idle(struct admit *, int ms);

/* How many connections are open, and unauthenticated. */
void	admit_counts(struct admit *, int *conns, int *unauth);

/*
 * A connection authenticated with key id begins a session: -1 (nothing
 * counted) when the key already holds max (0: no limit) or memory runs
 * out; else 0, and admit_key_end must follow.
 */
int	admit_key_begin(struct admit *, const char *id, int max);
void	admit_key_end(struct admit *, const char *id);

/* The group peer is counted in: the address as IPv6 (IPv4 mapped),
 * IPv6 cut to its /64. */
void	admit_group(const struct sockaddr_storage *peer, struct in6_addr *g);

#endif
