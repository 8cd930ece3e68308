/*
 * keypool: X25519 key pairs made ahead of time by one background thread,
 * so that a new connection's S1 does not wait for key generation (the
 * protocol allows a pool of single-use pairs).  Each key is handed out
 * once; the pool never copies one; a key older than a second is thrown
 * away (wiped) unused, so the pool always holds fresh ones.
 */
#ifndef RSHD_KEYPOOL_H
#define RSHD_KEYPOOL_H

#include <stddef.h>

#include "crypto.h"

struct keypool;

/* A pool holding up to size keys, filled by its own thread.  NULL on
 * failure. */
struct keypool	*keypool_new(size_t size);

/*
 * A key for one connection: from the pool, or made on the spot when the
 * pool is empty or NULL (-i).  The caller owns it.  NULL only when no key
 * can be made.
 */
struct crypto_x25519_key *keypool_take(struct keypool *);

/* The age of the oldest key held (ms; -1 when none), and how many are
 * held: for tests and statistics. */
long long	 keypool_oldest_ms(struct keypool *);
size_t		 keypool_count(struct keypool *);

/* Stops the thread, frees (and wipes) the keys left; NULL does nothing. */
void		 keypool_free(struct keypool *);

#endif
