/*
 * admit: connection slots, eviction of stale handshakes, key sessions.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netio.h"

#include "admit.h"

/* Evictions are logged at most once a period, with a count. */
#define EVICT_LOG_MS	10000

struct admit_ticket {
	struct in6_addr	group;
	long long	born;		/* netio_now_ms() at admission */
	int		fd;		/* shut down when evicted */
	int		evicted;	/* its slots went to another */
	int		spoke;		/* its whole C1 is in (admit_spoke) */
	size_t		slot;		/* index in unauth, or NOSLOT */
};
#define NOSLOT	SIZE_MAX

struct key_count {
	char	*id;
	int	 n;
};

struct admit {
	pthread_mutex_t		 lock;	/* guards everything below */
	pthread_cond_t		 idle;	/* signalled when nconns drops */
	int			 nconns;	/* tickets not yet left */
	int			 nevicted;	/* of those, evicted: their
						 * slots are given again */
	struct admit_ticket	**unauth;	/* unordered */
	size_t			 nunauth, cap;
	struct key_count	*keys;
	size_t			 nkeys;
	long long		 evict_logged;	/* when the last line went */
	unsigned long		 evicted;	/* since then */
};

void
admit_group(const struct sockaddr_storage *peer, struct in6_addr *g)
{
	memset(g, 0, sizeof(*g));
	if (peer->ss_family == AF_INET) {
		g->s6_addr[10] = g->s6_addr[11] = 0xff;
		memcpy(&g->s6_addr[12],
		    &((const struct sockaddr_in *)peer)->sin_addr, 4);
	} else if (peer->ss_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)peer)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			*g = *a;
		} else {
			memcpy(g->s6_addr, a->s6_addr, 8);	/* the /64 */
		}
	}
}

struct admit *
admit_new(void)
{
	struct admit *a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->idle, NULL);
	return a;
}

void
admit_free(struct admit *a)
{
	if (a == NULL) {
		return;
	}
	for (size_t i = 0; i < a->nkeys; i++) {
		free(a->keys[i].id);
	}
	free(a->keys);
	free(a->unauth);
	pthread_cond_destroy(&a->idle);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* Takes t off the unauthenticated list; lock held. */
static void
unlist(struct admit *a, struct admit_ticket *t)
{
	size_t i = t->slot;

	if (i == NOSLOT) {
		return;
	}
	a->unauth[i] = a->unauth[--a->nunauth];
	a->unauth[i]->slot = i;
	a->unauth[a->nunauth] = NULL;
	t->slot = NOSLOT;
}

/*
 * Whether t may be evicted: a handshake waits for its client, not for us.
 * One whose C1 is in, or on its way up the socket, is being answered
 * (under load that can take more than a second); evicting it would cost
 * a client that did everything right a command it had already sent.
 */
static int
evictable(const struct admit_ticket *t)
{
	int pending = 0;

	return !t->spoke && (ioctl(t->fd, FIONREAD, &pending) == -1 ||
	    pending == 0);
}

/* How many unauthenticated connections group holds, and its oldest that
 * may be evicted. */
static int
group_count(const struct admit *a, const struct in6_addr *g,
    struct admit_ticket **oldest)
{
	int n = 0;

	*oldest = NULL;
	for (size_t i = 0; i < a->nunauth; i++) {
		struct admit_ticket *t = a->unauth[i];

		if (memcmp(&t->group, g, sizeof(*g)) == 0) {
			n++;
			if (evictable(t) && (*oldest == NULL ||
			    t->born < (*oldest)->born)) {
				*oldest = t;
			}
		}
	}
	return n;
}

static int
by_group_then_age(const void *x, const void *y)
{
	const struct admit_ticket *a = *(const struct admit_ticket * const *)x;
	const struct admit_ticket *b = *(const struct admit_ticket * const *)y;
	int c = memcmp(&a->group, &b->group, sizeof(a->group));

	if (c != 0) {
		return c;
	}
	return (a->born > b->born) - (a->born < b->born);
}

/*
 * The oldest handshake of the sources holding the most, and how many
 * each of those holds; NULL when the list is empty or memory is short.
 * Among sources tied at the most, the oldest handshake of them all goes:
 * which source sorts first says nothing about who is hostile.  Sorting a
 * copy costs O(n log n), and only when the table is full.
 */
static struct admit_ticket *
largest_group_oldest(const struct admit *a, int *count)
{
	struct admit_ticket	**v, *best = NULL;
	int			  bestn = 0;

	*count = 0;
	if (a->nunauth == 0 ||
	    (v = reallocarray(NULL, a->nunauth,
	    sizeof(struct admit_ticket *))) == NULL) {
		return NULL;
	}
	memcpy(v, a->unauth, a->nunauth * sizeof(struct admit_ticket *));
	qsort(v, a->nunauth, sizeof(struct admit_ticket *), by_group_then_age);
	for (size_t i = 0, run; i < a->nunauth; i += run) {
		for (run = 1; i + run < a->nunauth &&
		    memcmp(&v[i]->group, &v[i + run]->group,
		    sizeof(v[i]->group)) == 0; run++) {
			continue;
		}
		/* Sorted by age within a source: the first that may be
		 * evicted is its oldest such. */
		size_t k = i;

		while (k < i + run && !evictable(v[k])) {
			k++;
		}
		if ((int)run > bestn || ((int)run == bestn && (best == NULL ||
		    (k < i + run && v[k]->born < best->born)))) {
			bestn = (int)run;
			best = k < i + run ? v[k] : NULL;
		}
	}
	free(v);
	*count = bestn;
	return best;
}

/* "192.0.2.7" or "2001:db8::/64". */
static void
group_str(const struct in6_addr *g, char *out, size_t outlen)
{
	if (IN6_IS_ADDR_V4MAPPED(g)) {
		(void)inet_ntop(AF_INET, &g->s6_addr[12], out,
		    (socklen_t)outlen);
	} else if (inet_ntop(AF_INET6, g, out, (socklen_t)outlen) != NULL) {
		(void)strlcat(out, "/64", outlen);
	}
}

/* Shuts victim's socket and frees its unauthenticated slot and, for the
 * limits, its connection slot; lock held. */
static void
evict(struct admit *a, struct admit_ticket *victim, int held)
{
	char		addr[INET6_ADDRSTRLEN + 4] = "?";
	long long	now = netio_now_ms();

	(void)shutdown(victim->fd, SHUT_RDWR);
	unlist(a, victim);
	victim->evicted = 1;
	a->nevicted++;
	a->evicted++;
	if (now - a->evict_logged >= EVICT_LOG_MS) {
		group_str(&victim->group, addr, sizeof(addr));
		log_info("%lu unauthenticated connections evicted to make room "
		    "since the last report (the last from %s, which held %d)",
		    a->evicted, addr, held);
		a->evicted = 0;
		a->evict_logged = now;
	}
}

/* Whether one more connection fits once `freed` slots are given back. */
static const char *
table_full(const struct admit *a, const struct admit_limits *lim, int freed)
{
	if (a->nconns - a->nevicted - freed >= lim->max_conns) {
		return "too many connections";
	}
	if ((int)a->nunauth - freed >= lim->max_unauth) {
		return "too many unauthenticated connections";
	}
	return NULL;
}

/*
 * Makes room for one more handshake from g: NULL, or why not.  The
 * victim is chosen and every limit checked before anything is evicted:
 * a connection is never evicted for a newcomer that is then refused.
 */
static const char *
make_room(struct admit *a, const struct admit_limits *lim,
    const struct in6_addr *g)
{
	struct admit_ticket	*own, *victim;
	long long		 now = netio_now_ms();
	const char		*why;
	int			 mine, most;

	mine = group_count(a, g, &own);
	if (mine >= lim->max_unauth_src) {
		/* Only the source's own stale handshake may make room. */
		if (own == NULL || now - own->born < lim->stale_ms) {
			return "too many unauthenticated connections from "
			    "your address";
		}
		if ((why = table_full(a, lim, 1)) != NULL) {
			return why;
		}
		evict(a, own, mine);
		return NULL;
	}
	if ((why = table_full(a, lim, 0)) == NULL) {
		return NULL;
	}
	/* Full: the sources holding the most pay, if they hold more than
	 * the newcomer's, with a handshake old enough that a legitimate
	 * client would have finished it.  Authenticated connections are
	 * never evicted: if they alone fill MaxConnections, nothing is. */
	victim = largest_group_oldest(a, &most);
	if (victim == NULL || most <= mine ||
	    now - victim->born < lim->min_age_ms ||
	    table_full(a, lim, 1) != NULL) {
		return why;
	}
	evict(a, victim, most);
	return NULL;
}

struct admit_ticket *
admit_enter(struct admit *a, const struct admit_limits *lim,
    const struct sockaddr_storage *peer, int fd, const char **why)
{
	struct admit_ticket *t;

	*why = "server out of memory";
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		return NULL;
	}
	admit_group(peer, &t->group);
	t->fd = fd;
	t->born = netio_now_ms();
	t->slot = NOSLOT;
	pthread_mutex_lock(&a->lock);
	if (a->nunauth == a->cap) {
		size_t			 cap = a->cap < 16 ? 16 : a->cap * 2;
		struct admit_ticket	**v;

		if ((v = reallocarray(a->unauth, cap,
		    sizeof(struct admit_ticket *))) == NULL) {
			goto refuse;
		}
		a->unauth = v;
		a->cap = cap;
	}
	if ((*why = make_room(a, lim, &t->group)) != NULL) {
		goto refuse;
	}
	t->slot = a->nunauth;
	a->unauth[a->nunauth++] = t;
	a->nconns++;
	pthread_mutex_unlock(&a->lock);
	return t;
refuse:
	pthread_mutex_unlock(&a->lock);
	free(t);
	return NULL;
}

void
admit_spoke(struct admit *a, struct admit_ticket *t)
{
	pthread_mutex_lock(&a->lock);
	t->spoke = 1;
	pthread_mutex_unlock(&a->lock);
}

int
admit_authed(struct admit *a, struct admit_ticket *t)
{
	int rc;

	pthread_mutex_lock(&a->lock);
	rc = t->slot == NOSLOT ? -1 : 0;
	unlist(a, t);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void
admit_leave(struct admit *a, struct admit_ticket *t)
{
	if (t == NULL) {
		return;
	}
	pthread_mutex_lock(&a->lock);
	unlist(a, t);
	a->nconns--;
	if (t->evicted) {
		a->nevicted--;
	}
	pthread_cond_broadcast(&a->idle);
	pthread_mutex_unlock(&a->lock);
	free(t);
}

int
admit_wait_idle(struct admit *a, int ms)
{
	struct timespec	ts;
	int		left;

	netio_abstime(&ts, ms);
	pthread_mutex_lock(&a->lock);
	while (a->nconns > 0) {
		if (pthread_cond_timedwait(&a->idle, &a->lock, &ts) != 0) {
			break;
		}
	}
	left = a->nconns;
	pthread_mutex_unlock(&a->lock);
	return left;
}

void
admit_counts(struct admit *a, int *conns, int *unauth)
{
	pthread_mutex_lock(&a->lock);
	*conns = a->nconns;
	*unauth = (int)a->nunauth;
	pthread_mutex_unlock(&a->lock);
}

/* The count of key id; lock held.  NULL when memory runs out. */
static struct key_count *
key_count(struct admit *a, const char *id, int create)
{
	struct key_count *v;

	for (size_t i = 0; i < a->nkeys; i++) {
		if (strcmp(a->keys[i].id, id) == 0) {
			return &a->keys[i];
		}
	}
	if (!create || (v = reallocarray(a->keys, a->nkeys + 1,
	    sizeof(*v))) == NULL) {
		return NULL;
	}
	a->keys = v;
	if ((v[a->nkeys].id = strdup(id)) == NULL) {
		return NULL;
	}
	v[a->nkeys].n = 0;
	return &v[a->nkeys++];
}

int
admit_key_begin(struct admit *a, const char *id, int max)
{
	struct key_count	*k;
	int			 rc = -1;

	pthread_mutex_lock(&a->lock);
	k = key_count(a, id, 1);
	if (k != NULL && (max == 0 || k->n < max)) {
		k->n++;
		rc = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void
admit_key_end(struct admit *a, const char *id)
{
	struct key_count *k;

	pthread_mutex_lock(&a->lock);
	if ((k = key_count(a, id, 0)) != NULL && k->n > 0) {
		k->n--;
	}
	pthread_mutex_unlock(&a->lock);
}
