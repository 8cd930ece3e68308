/*
 * penalty: sources that keep failing to authenticate are refused for a
 * while.  MaxAuthFailures failures from one source (an IPv4 address, an
 * IPv6 /64) within PENALTY_WINDOW_MS start a penalty of AuthPenalty,
 * doubled for every penalty the source earned before, up to
 * PENALTY_MAX_DOUBLINGS doublings; a source that stays out of trouble for
 * PENALTY_FORGET_MS starts again from the base.  Each penalty is logged
 * once, when it starts.
 *
 * Only TCP counts: a datagram's source address proves nothing, and
 * counting it would let anyone lock out any address.
 *
 * The table is bounded (PENALTY_SOURCES); when it is full the entry
 * updated longest ago goes, sources under penalty last.  Thread safe.
 */
#ifndef RSHD_PENALTY_H
#define RSHD_PENALTY_H

#include <sys/socket.h>

#define PENALTY_WINDOW_MS	60000
#define PENALTY_MAX_DOUBLINGS	6		/* 10 s grows to 640 s */
#define PENALTY_FORGET_MS	3600000
#define PENALTY_SOURCES		1024

/*
 * Is peer's source serving a penalty?  The milliseconds left, or 0.
 * now is netio_now_ms().
 */
long long	penalty_left(const struct sockaddr_storage *peer, long long now);

/* A failed authentication from peer; max_fails 0 turns penalties off. */
void		penalty_fail(const struct sockaddr_storage *peer,
		    const char *peerstr, int max_fails, int base_ms,
		    long long now);

/* A successful one: the source's failures so far are forgotten (not the
 * penalties it earned). */
void		penalty_ok(const struct sockaddr_storage *peer);

/* Empties the table (tests). */
void		penalty_reset(void);

#endif
