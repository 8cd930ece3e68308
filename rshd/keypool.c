/*
 * keypool: a ring of ready X25519 keys and the thread that refills it.
 */
#include <pthread.h>
#include <stdlib.h>

#include "crypto.h"
#include "log.h"

#include "keypool.h"

struct keypool {
	pthread_mutex_t			  lock;	/* guards all below */
	pthread_cond_t			  low;	/* a key was taken, or stop */
	struct crypto_x25519_key	**keys;
	size_t				  size, count;
	int				  stop;
	pthread_t			  thread;
};

static void *
refill(void *arg)
{
	struct keypool *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct crypto_x25519_key *k;

		if (p->count == p->size) {
			pthread_cond_wait(&p->low, &p->lock);
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
		p->keys[p->count++] = k;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct keypool *
keypool_new(size_t size)
{
	struct keypool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->keys = calloc(size, sizeof(struct crypto_x25519_key *))) == NULL) {
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

	pthread_mutex_lock(&p->lock);
	if (p->count > 0) {
		k = p->keys[--p->count];
		p->keys[p->count] = NULL;
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
		crypto_x25519_free(p->keys[--p->count]);
	}
	pthread_cond_destroy(&p->low);
	pthread_mutex_destroy(&p->lock);
	free(p->keys);
	free(p);
}
