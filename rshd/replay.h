/*
 * replay: the UDP replay cache (PROTOCOL.md, "UDP"): one per server, so a
 * command never runs twice and a lost reply can be sent again.  Bounded
 * in entries, per key, and in reply bytes; the oldest finished entries go
 * first, and an entry that goes raises its key's timestamp floor so that
 * its request can never run again; never beyond the wall clock plus the
 * clock window, and never for a request refused for clock skew, which
 * ran nothing.  Thread safe.
 *
 * The floor is kept per key, where the specification has one for the
 * server: at-most-once is the same (N is unique per key), and a key
 * holder with a clock far ahead cannot push every other key's requests
 * below the floor.
 */
#ifndef RSHD_REPLAY_H
#define RSHD_REPLAY_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define REPLAY_HASHLEN	32	/* SHA-256 of the whole datagram */
#define REPLAY_RESENDS	3	/* a stored reply goes out again this often */

struct replay_limits {
	size_t		max_entries;
	size_t		per_key;	/* entries one key may hold */
	size_t		max_bytes;	/* stored replies, in all */
	long long	keep_ms;	/* twice the clock window */
	long long	window_ms;	/* the clock window: no floor beyond
					 * now plus this */
};

enum replay_verdict {
	REPLAY_NEW,		/* run it: *entry is reserved for its reply */
	REPLAY_RESEND,		/* the stored reply is in the caller's buffer */
	REPLAY_RUNNING,		/* a repeat while the command runs: nothing */
	REPLAY_MISMATCH,	/* same key and N, other bytes or address */
	REPLAY_EXHAUSTED,	/* resent REPLAY_RESENDS times already */
	REPLAY_FULL		/* the key's quota holds only running ones */
};

struct replay;
struct replay_entry;

/* A cache whose floor starts at floor_ms (the server's start, Unix ms). */
struct replay	*replay_new(const struct replay_limits *lim, uint64_t floor_ms);
void		 replay_free(struct replay *);

/*
 * Looks up (keyid, n) for a datagram whose SHA-256 is hash from src (IP,
 * IPv4-mapped normalized, and port).  A new one is recorded as running,
 * with *entry for replay_store or replay_forget.  For REPLAY_RESEND the
 * stored reply is copied to out (cap bytes) and *outlen set.
 */
enum replay_verdict replay_check(struct replay *, const char *keyid,
		    size_t idlen, const uint8_t n[16],
		    const uint8_t hash[REPLAY_HASHLEN],
		    const struct sockaddr_storage *src, uint64_t ts_ms,
		    struct replay_entry **entry, uint8_t *out, size_t cap,
		    size_t *outlen);

/*
 * The reply to a REPLAY_NEW entry, kept for repeats (copied); with len 0
 * (no reply could be built) the entry still stands for its N.  skewed:
 * the request was refused for clock skew, so its timestamp is nothing
 * the server ever accepted, and the entry's leaving does not move the
 * key's floor (one datagram from a clock a day ahead would otherwise
 * lock the key out of UDP for a day).
 */
void	replay_store(struct replay *, struct replay_entry *,
	    const uint8_t *reply, size_t len, int skewed);

/* A REPLAY_NEW entry that will not run after all (dropped unrun). */
void	replay_forget(struct replay *, struct replay_entry *);

/* The key's timestamp floor: its requests at or below are refused (how 3). */
uint64_t replay_floor(struct replay *, const char *keyid, size_t idlen);

/* Entries, stored reply bytes and early evictions so far. */
void	replay_stats(struct replay *, size_t *entries, size_t *bytes,
	    uint64_t *evicted);

#endif
