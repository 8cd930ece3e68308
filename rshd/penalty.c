/*
 * penalty: a bounded table of sources with recent failures.
 */
#include <netinet/in.h>

#include <pthread.h>
#include <string.h>

#include "log.h"

#include "admit.h"
#include "penalty.h"

struct source {
	struct in6_addr	group;
	int		used;
	int		fails;		/* within the window */
	long long	first_fail;	/* the window's start */
	long long	until;		/* penalty end; 0: none */
	int		level;		/* penalties earned */
	long long	touched;	/* last update */
};

static pthread_mutex_t	lock = PTHREAD_MUTEX_INITIALIZER;
static struct source	table[PENALTY_SOURCES];	/* guarded by lock */

/* Is s a better entry to give up than v?  A free one first, then one not
 * under penalty, then the one updated longest ago. */
static int
better_victim(const struct source *s, const struct source *v, long long now)
{
	if (v == NULL) {
		return 1;
	}
	if (!s->used || !v->used) {
		return !s->used && v->used;
	}
	if ((s->until > now) != (v->until > now)) {
		return s->until <= now;
	}
	return s->touched < v->touched;
}

/* g's entry, or with create a new one (giving one up); lock held. */
static struct source *
find(const struct in6_addr *g, int create, long long now)
{
	struct source *victim = NULL;

	for (size_t i = 0; i < PENALTY_SOURCES; i++) {
		struct source *s = &table[i];

		if (s->used && memcmp(&s->group, g, sizeof(*g)) == 0) {
			return s;
		}
		if (create && better_victim(s, victim, now)) {
			victim = s;
		}
	}
	if (victim != NULL) {
		memset(victim, 0, sizeof(*victim));
		victim->used = 1;
		victim->group = *g;
	}
	return victim;
}

long long
penalty_left(const struct sockaddr_storage *peer, long long now)
{
	struct in6_addr	 g;
	struct source	*s;
	long long	 left = 0;

	admit_group(peer, &g);
	pthread_mutex_lock(&lock);
	if ((s = find(&g, 0, now)) != NULL && s->until > now) {
		left = s->until - now;
	}
	pthread_mutex_unlock(&lock);
	return left;
}

void
penalty_fail(const struct sockaddr_storage *peer, const char *peerstr,
    int max_fails, int base_ms, long long now)
{
	struct in6_addr	 g;
	struct source	*s;

	if (max_fails <= 0) {
		return;
	}
	admit_group(peer, &g);
	pthread_mutex_lock(&lock);
	if ((s = find(&g, 1, now)) == NULL) {
		goto out;
	}
	if (s->level > 0 && s->until + PENALTY_FORGET_MS <= now &&
	    s->touched + PENALTY_FORGET_MS <= now) {
		s->level = 0;
	}
	s->touched = now;
	if (s->fails == 0 || now - s->first_fail >= PENALTY_WINDOW_MS) {
		s->fails = 0;
		s->first_fail = now;
	}
	if (++s->fails >= max_fails && s->until <= now) {
		int		shift = s->level < PENALTY_MAX_DOUBLINGS ?
				    s->level : PENALTY_MAX_DOUBLINGS;
		long long	ms = (long long)base_ms << shift;

		s->until = now + ms;
		s->level++;
		s->fails = 0;
		log_warn("%s: %d failed authentications within %d s; refusing "
		    "connections from its %s for %lld s", peerstr, max_fails,
		    PENALTY_WINDOW_MS / 1000, IN6_IS_ADDR_V4MAPPED(&g) ?
		    "address" : "/64", (ms + 999) / 1000);
	}
out:
	pthread_mutex_unlock(&lock);
}

void
penalty_ok(const struct sockaddr_storage *peer)
{
	struct in6_addr	 g;
	struct source	*s;

	admit_group(peer, &g);
	pthread_mutex_lock(&lock);
	if ((s = find(&g, 0, 0)) != NULL) {
		s->fails = 0;
	}
	pthread_mutex_unlock(&lock);
}

void
penalty_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(table, 0, sizeof(table));
	pthread_mutex_unlock(&lock);
}
