/*
 * keypool: a stack of ready X25519 keys, newest on top, and the thread
 * that refills it and throws away the keys that grew too old.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "log.h"
#include "netio.h"

#include "keypool.h"

/* A key older than this is never used: a snapshot of rshd's memory (a
 * core, a VM image) holds no key for a session that has not begun yet,
 * beyond the next second's. */
#define KEY_MAXAGE_MS	1000

struct slot {
	struct crypto_x25519_key	*key;
	long long			 born;	/* netio_now_ms() */
};

struct keypool {
	pthread_mutex_t		 lock;	/* guards all below */
	pthread_cond_t		 low;	/* a key was taken, or stop */
	struct slot		*keys;	/* oldest first */
	size_t			 size, count;
	int			 stop;
	pthread_t		 thread;
};

/* Frees the keys too old to use; lock held. */
static void
expire(struct keypool *p, long long now)
{
	size_t n = 0;

	while (n < p->count && now - p->keys[n].born >= KEY_MAXAGE_MS) {
		crypto_x25519_free(p->keys[n++].key);
	}
	if (n > 0) {
		memmove(p->keys, p->keys + n, (p->count - n) *
		    sizeof(*p->keys));
		p->count -= n;
	}
}

/* Sleeps until a key is taken, the oldest expires, or stop; lock held. */
static void
wait_full(struct keypool *p)
{
	struct timespec	ts;
	long long	left = p->keys[0].born + KEY_MAXAGE_MS - netio_now_ms();

	clock_gettime(CLOCK_REALTIME, &ts);
	left = left < 1 ? 1 : left;
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	(void)pthread_cond_timedwait(&p->low, &p->lock, &ts);
}

static void *
refill(void *arg)
{
	struct keypool *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct crypto_x25519_key *k;

		expire(p, netio_now_ms());
		if (p->count == p->size) {
			wait_full(p);
			continue;
		}
		/* Make the key unlocked: takers must not wait for it. */
		pthread_mutex_unlock(&p->lock);
		k = crypto_x25519_new(NULL);
		pthread_mutex_lock(&p->lock);
		if (k == NULL) {
			log_warn("keypool: cannot make a key; stopping the "
			    "pool, keys are made per connection");
			break;
		}
		if (p->stop || p->count == p->size) {
			crypto_x25519_free(k);
			continue;
		}
		p->keys[p->count].key = k;
		p->keys[p->count++].born = netio_now_ms();
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct keypool *
keypool_new(size_t size)
{
	struct keypool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->keys = calloc(size, sizeof(struct slot))) == NULL) {
		free(p);
		return NULL;
	}
	p->size = size;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->low, NULL);
	if (pthread_create(&p->thread, NULL, refill, p) != 0) {
		pthread_cond_destroy(&p->low);
		pthread_mutex_destroy(&p->lock);
		free(p->keys);
		free(p);
		return NULL;
	}
	return p;
}

struct crypto_x25519_key *
keypool_take(struct keypool *p)
{
	struct crypto_x25519_key *k = NULL;

	if (p == NULL) {
		return crypto_x25519_new(NULL);	/* -i: no pool */
	}
	pthread_mutex_lock(&p->lock);
	expire(p, netio_now_ms());
	if (p->count > 0) {
		k = p->keys[--p->count].key;	/* the newest */
		p->keys[p->count].key = NULL;
		pthread_cond_signal(&p->low);
	}
	pthread_mutex_unlock(&p->lock);
	return k != NULL ? k : crypto_x25519_new(NULL);
}

void
keypool_free(struct keypool *p)
{
	if (p == NULL) {
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_signal(&p->low);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	while (p->count > 0) {
		crypto_x25519_free(p->keys[--p->count].key);
	}
	pthread_cond_destroy(&p->low);
	pthread_mutex_destroy(&p->lock);
	free(p->keys);
	free(p);
}

long long
keypool_oldest_ms(struct keypool *p)
{
	long long age = -1;

	pthread_mutex_lock(&p->lock);
	if (p->count > 0) {
		age = netio_now_ms() - p->keys[0].born;
	}
	pthread_mutex_unlock(&p->lock);
	return age;
}

size_t
keypool_count(struct keypool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->count;
	pthread_mutex_unlock(&p->lock);
	return n;
}
