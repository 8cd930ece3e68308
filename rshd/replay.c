/*
 * replay: a hash table of (key id, N) over a list in arrival order, so the
 * oldest entry is always at the head.  Running entries are never evicted:
 * there are at most as many as workers and queue slots.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keys.h"
#include "netio.h"
#include "wire.h"

#include "replay.h"

struct keycount {
	char		id[KEYS_MAXIDLEN + 1];
	size_t		idlen;
	size_t		n;
	uint64_t	floor;	/* this key's requests at or below: how 3 */
};

struct replay_entry {
	struct replay_entry	*hnext;		/* hash chain */
	struct replay_entry	*prev, *next;	/* arrival order */
	struct keycount		*kc;
	uint8_t			 n[16];
	uint8_t			 hash[REPLAY_HASHLEN];
	struct in6_addr		 addr;		/* IPv4 as IPv4-mapped */
	uint16_t		 port;
	uint64_t		 ts_ms;
	long long		 born;		/* monotonic ms */
	int			 running;
	int			 skewed;	/* refused for clock skew */
	int			 resends;
	uint8_t			*reply;
	size_t			 replylen;
};

struct replay {
	pthread_mutex_t		 lock;	/* guards everything below */
	struct replay_limits	 lim;
	struct replay_entry	**buckets;
	size_t			 mask;
	uint64_t		 seed;
	struct replay_entry	*oldest, *newest;
	size_t			 nentries, bytes;
	uint64_t		 start_floor;	/* every key's, at first */
	uint64_t		 evicted;
	struct keycount		*kcs;
	size_t			 nkc, kccap;
};

static void
norm_addr(const struct sockaddr_storage *ss, struct in6_addr *a,
    uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		a->s6_addr[10] = a->s6_addr[11] = 0xff;
		memcpy(&a->s6_addr[12], &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		*a = sin6->sin6_addr;
		*port = ntohs(sin6->sin6_port);
	}
}

struct replay *
replay_new(const struct replay_limits *lim, uint64_t floor_ms)
{
	struct replay	*r;
	size_t		 n = 16;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		return NULL;
	}
	while (n < 2 * lim->max_entries) {
		n *= 2;
	}
	if ((r->buckets = calloc(n, sizeof(struct replay_entry *))) == NULL ||
	    crypto_random(&r->seed, sizeof(r->seed)) == -1) {
		free(r->buckets);
		free(r);
		return NULL;
	}
	r->mask = n - 1;
	r->lim = *lim;
	r->start_floor = floor_ms;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

static size_t
bucket(const struct replay *r, const uint8_t n[16])
{
	/* N is random; the seed keeps a key holder from choosing chains. */
	return (size_t)((wire_get64(n) ^ r->seed) & r->mask);
}

static struct keycount *
keycount(struct replay *r, const char *id, size_t idlen)
{
	for (size_t i = 0; i < r->nkc; i++) {
		if (r->kcs[i].idlen == idlen &&
		    memcmp(r->kcs[i].id, id, idlen) == 0) {
			return &r->kcs[i];
		}
	}
	return NULL;
}

/* The key's counter, made on first use; NULL when memory runs out.
 * There are at most as many as keys in the keys file. */
static struct keycount *
keycount_get(struct replay *r, const char *id, size_t idlen)
{
	struct keycount *kc;

	if ((kc = keycount(r, id, idlen)) != NULL) {
		return kc;
	}
	if (r->nkc == r->kccap) {
		size_t		 ncap = r->kccap == 0 ? 8 : r->kccap * 2;
		struct keycount	*n = reallocarray(r->kcs, ncap, sizeof(*n));

		if (n == NULL) {
			return NULL;
		}
		/* Entries point at their counter: move them along. */
		for (struct replay_entry *e = r->oldest; e != NULL;
		    e = e->next) {
			e->kc = n + (e->kc - r->kcs);
		}
		r->kcs = n;
		r->kccap = ncap;
	}
	kc = &r->kcs[r->nkc++];
	memset(kc, 0, sizeof(*kc));
	memcpy(kc->id, id, idlen);
	kc->idlen = idlen;
	kc->floor = r->start_floor;
	return kc;
}

static void
unlink_entry(struct replay *r, struct replay_entry *e)
{
	struct replay_entry **pp = &r->buckets[bucket(r, e->n)];

	while (*pp != e) {
		pp = &(*pp)->hnext;
	}
	*pp = e->hnext;
	if (e->prev != NULL) {
		e->prev->next = e->next;
	} else {
		r->oldest = e->next;
	}
	if (e->next != NULL) {
		e->next->prev = e->prev;
	} else {
		r->newest = e->prev;
	}
	e->kc->n--;
	r->bytes -= e->replylen;
	r->nentries--;
	free(e->reply);
	free(e);
}

/*
 * Forgets e; its request may never run, so its key's floor rises to its
 * timestamp (for an entry of normal age that is already out of the clock
 * window, so valid requests never feel it).  A request refused for clock
 * skew ran nothing and moves nothing: its timestamp may be a day ahead.
 * Nor does the floor ever pass now plus the window: a request that ran
 * was inside the window, and a wall clock stepped back must not refuse
 * every request until it catches up.
 */
static void
forget(struct replay *r, struct replay_entry *e)
{
	uint64_t cap = netio_wall_ms() + (uint64_t)r->lim.window_ms;
	uint64_t ts = e->ts_ms < cap ? e->ts_ms : cap;

	if (!e->skewed && ts > e->kc->floor) {
		e->kc->floor = ts;
	}
	unlink_entry(r, e);
}

/* Drops entries older than keep_ms, twice the clock window.  A request
 * that waited in the queue, or came from a clock ahead of ours, may still
 * be inside the window then: the floor keeps it from running again. */
static void
expire(struct replay *r, long long now)
{
	struct replay_entry *e = r->oldest, *next;

	while (e != NULL && now - e->born >= r->lim.keep_ms) {
		next = e->next;
		if (!e->running) {
			forget(r, e);
		}
		e = next;
	}
}

/* Evicts the oldest finished entry (of kc, or of anyone; never skip);
 * one that goes early raises the floor.  0, or -1 when none can go. */
static int
evict_one(struct replay *r, const struct keycount *kc,
    const struct replay_entry *skip)
{
	struct replay_entry *e;

	for (e = r->oldest; e != NULL; e = e->next) {
		if (e == skip || e->running) {
			continue;
		}
		if (kc == NULL || e->kc == kc) {
			break;
		}
	}
	if (e == NULL) {
		return -1;
	}
	r->evicted++;
	forget(r, e);
	return 0;
}

static struct replay_entry *
find(struct replay *r, const char *keyid, size_t idlen, const uint8_t n[16])
{
	struct replay_entry *e;

	for (e = r->buckets[bucket(r, n)]; e != NULL; e = e->hnext) {
		if (memcmp(e->n, n, 16) == 0 && e->kc->idlen == idlen &&
		    memcmp(e->kc->id, keyid, idlen) == 0) {
			return e;
		}
	}
	return NULL;
}

/* What a repeat of e gets. */
static enum replay_verdict
repeat(struct replay_entry *e, const uint8_t *hash, const struct in6_addr *a,
    uint16_t port, uint8_t *out, size_t cap, size_t *outlen)
{
	if (memcmp(e->hash, hash, REPLAY_HASHLEN) != 0 ||
	    memcmp(&e->addr, a, sizeof(*a)) != 0 || e->port != port) {
		return REPLAY_MISMATCH;
	}
	if (e->running) {
		return REPLAY_RUNNING;
	}
	if (e->resends >= REPLAY_RESENDS || e->replylen > cap) {
		return REPLAY_EXHAUSTED;
	}
	e->resends++;
	memcpy(out, e->reply, e->replylen);
	*outlen = e->replylen;
	return REPLAY_RESEND;
}

/* A new running entry, room made first; NULL when there is none. */
static struct replay_entry *
insert(struct replay *r, const char *keyid, size_t idlen,
    const uint8_t n[16], long long now)
{
	struct replay_entry	*e;
	struct keycount		*kc;

	if ((kc = keycount_get(r, keyid, idlen)) == NULL) {
		return NULL;
	}
	while (kc->n >= r->lim.per_key) {
		if (evict_one(r, kc, NULL) == -1) {
			return NULL;
		}
	}
	while (r->nentries >= r->lim.max_entries) {
		if (evict_one(r, NULL, NULL) == -1) {
			return NULL;
		}
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		return NULL;
	}
	memcpy(e->n, n, 16);
	e->kc = kc;
	e->born = now;
	e->running = 1;
	e->hnext = r->buckets[bucket(r, n)];
	r->buckets[bucket(r, n)] = e;
	e->prev = r->newest;
	if (r->newest != NULL) {
		r->newest->next = e;
	} else {
		r->oldest = e;
	}
	r->newest = e;
	kc->n++;
	r->nentries++;
	return e;
}

enum replay_verdict
replay_check(struct replay *r, const char *keyid, size_t idlen,
    const uint8_t n[16], const uint8_t hash[REPLAY_HASHLEN],
    const struct sockaddr_storage *src, uint64_t ts_ms,
    struct replay_entry **entry, uint8_t *out, size_t cap, size_t *outlen)
{
	struct replay_entry	*e;
	enum replay_verdict	 v = REPLAY_NEW;
	struct in6_addr		 a;
	uint16_t		 port;
	long long		 now = netio_now_ms();

	norm_addr(src, &a, &port);
	*entry = NULL;
	pthread_mutex_lock(&r->lock);
	expire(r, now);
	if ((e = find(r, keyid, idlen, n)) != NULL) {
		v = repeat(e, hash, &a, port, out, cap, outlen);
	} else if ((e = insert(r, keyid, idlen, n, now)) == NULL) {
		v = REPLAY_FULL;
	} else {
		memcpy(e->hash, hash, REPLAY_HASHLEN);
		e->addr = a;
		e->port = port;
		e->ts_ms = ts_ms;
		*entry = e;
	}
	pthread_mutex_unlock(&r->lock);
	return v;
}

void
replay_store(struct replay *r, struct replay_entry *e, const uint8_t *reply,
    size_t len, int skewed)
{
	uint8_t *copy = len > 0 ? malloc(len) : NULL;

	pthread_mutex_lock(&r->lock);
	while (copy != NULL && r->bytes + len > r->lim.max_bytes &&
	    evict_one(r, NULL, e) == 0) {
		continue;
	}
	if (copy != NULL && r->bytes + len <= r->lim.max_bytes) {
		memcpy(copy, reply, len);
		e->reply = copy;
		e->replylen = len;
		r->bytes += len;
		copy = NULL;
	}
	/* Without its reply it still stands for its N: a repeat gets
	 * nothing, and the command never runs twice. */
	e->resends = e->reply == NULL ? REPLAY_RESENDS : 0;
	e->running = 0;
	e->skewed = skewed;
	pthread_mutex_unlock(&r->lock);
	free(copy);
}

void
replay_forget(struct replay *r, struct replay_entry *e)
{
	pthread_mutex_lock(&r->lock);
	unlink_entry(r, e);
	pthread_mutex_unlock(&r->lock);
}

uint64_t
replay_floor(struct replay *r, const char *keyid, size_t idlen)
{
	const struct keycount	*kc;
	uint64_t		 f;

	pthread_mutex_lock(&r->lock);
	f = (kc = keycount(r, keyid, idlen)) != NULL ? kc->floor :
	    r->start_floor;
	pthread_mutex_unlock(&r->lock);
	return f;
}

void
replay_stats(struct replay *r, size_t *entries, size_t *bytes,
    uint64_t *evicted)
{
	pthread_mutex_lock(&r->lock);
	*entries = r->nentries;
	*bytes = r->bytes;
	*evicted = r->evicted;
	pthread_mutex_unlock(&r->lock);
}

void
replay_free(struct replay *r)
{
	if (r == NULL) {
		return;
	}
	for (struct replay_entry *e = r->oldest, *next; e != NULL; e = next) {
		next = e->next;
		free(e->reply);
		free(e);
	}
	pthread_mutex_destroy(&r->lock);
	free(r->buckets);
	free(r->kcs);
	free(r);
}
