/*
 * startwatch: the starts in progress in a list, and a thread that sleeps
 * until the earliest deadline among them.  There are at most as many as
 * threads starting commands, so a walk of the list is cheap.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "netio.h"

#include "startwatch.h"

#define RETRY_MS	10	/* clone() has not told the pid yet */

static pthread_mutex_t	 watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 watch_cond;	/* on CLOCK_MONOTONIC, as netio */
/* Guarded by watch_lock: the starts being watched. */
static struct startwatch *armed;

static long long
earliest(long long a, long long b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* Kills what is due; the next deadline, or 0 for none. */
static long long
kill_due(void)
{
	long long	 now = netio_now_ms(), next = 0;
	pid_t		 pid;

	for (struct startwatch *w = armed; w != NULL; w = w->next) {
		if (w->fired) {
			continue;
		}
		if (w->deadline > now) {
			next = earliest(next, w->deadline);
			continue;
		}
		/* Written by the kernel before the child first runs. */
		pid = __atomic_load_n(&w->pid, __ATOMIC_ACQUIRE);
		if (pid <= 0) {
			next = earliest(next, now + RETRY_MS);
			continue;
		}
		/* Unreaped while armed: the pid is still the child's. */
		(void)kill(pid, SIGKILL);
		w->fired = 1;
	}
	return next;
}

static void *
watch_main(void *arg)
{
	struct timespec	ts;
	long long	next;

	(void)arg;
	pthread_mutex_lock(&watch_lock);
	for (;;) {
		if ((next = kill_due()) == 0) {
			pthread_cond_wait(&watch_cond, &watch_lock);
			continue;
		}
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000L;
		(void)pthread_cond_timedwait(&watch_cond, &watch_lock, &ts);
	}
	return NULL;
}

int
startwatch_start(void)
{
	pthread_condattr_t	ca;
	pthread_attr_t		ta;
	pthread_t		t;
	sigset_t		all, old;
	int			e;

	if ((e = pthread_condattr_init(&ca)) != 0 ||
	    (e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (e = pthread_cond_init(&watch_cond, &ca)) != 0) {
		errno = e;
		return -1;
	}
	(void)pthread_condattr_destroy(&ca);
	if ((e = pthread_attr_init(&ta)) != 0) {
		errno = e;
		return -1;
	}
	(void)pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	/* No signal of rshd's is this thread's to take. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&t, &ta, watch_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&ta);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

void
startwatch_arm(struct startwatch *w, long long deadline)
{
	w->pid = 0;
	w->deadline = deadline;
	w->fired = 0;
	w->next = NULL;
	if (deadline == 0) {
		return;
	}
	pthread_mutex_lock(&watch_lock);
	w->next = armed;
	armed = w;
	pthread_cond_signal(&watch_cond);
	pthread_mutex_unlock(&watch_lock);
}

int
startwatch_disarm(struct startwatch *w)
{
	struct startwatch **pp;
	int fired;

	if (w->deadline == 0) {
		return 0;
	}
	pthread_mutex_lock(&watch_lock);
	for (pp = &armed; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	fired = w->fired;
	pthread_mutex_unlock(&watch_lock);
	return fired;
}
