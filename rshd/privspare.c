/*
 * privspare: spare channels, made by one thread of their own.
 *
 * A spare is a channel the privileged part has taken (a thread and a
 * table entry of its own there) and answered one HELLO on: it holds the
 * nonce the connection's S1 will carry, bound to that channel alone, so
 * handing it to a connection changes nothing of what the privileged
 * part checks.  A connection that finds none makes its own channel, as
 * every connection did before.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netio.h"

#include "priv.h"
#include "privspare.h"

/* Enough for a burst of two connections between the thread's turns. */
#define PRIVSPARE_MAX	2

struct spare {
	int	fd;
	uint8_t	ns[HS_NONCELEN];
};

static pthread_mutex_t	spare_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	spare_wanted = PTHREAD_COND_INITIALIZER;
static struct spare	spares[PRIVSPARE_MAX];	/* under spare_lock */
static int		nspares;
static int		started;	/* the thread runs */
static int		stopping;	/* privspare_end was called */
static pthread_t	maker;

static void *
make_main(void *unused)
{
	struct spare	s;
	int		backoff = 0;

	(void)unused;
	for (;;) {
		pthread_mutex_lock(&spare_lock);
		while (nspares == PRIVSPARE_MAX && !stopping) {
			pthread_cond_wait(&spare_wanted, &spare_lock);
		}
		if (stopping) {
			pthread_mutex_unlock(&spare_lock);
			break;
		}
		pthread_mutex_unlock(&spare_lock);
		if (backoff) {
			/* Out of fds, or the privileged part is slow:
			 * connections make their own meanwhile. */
			(void)poll(NULL, 0, 1000);
		}
		if ((s.fd = priv_channel_new()) == -1) {
			backoff = 1;
			continue;
		}
		if (priv_hello_on(s.fd, s.ns) == -1) {
			close(s.fd);
			backoff = 1;
			continue;
		}
		backoff = 0;
		pthread_mutex_lock(&spare_lock);
		if (stopping) {
			close(s.fd);
		} else {
			spares[nspares++] = s;
		}
		pthread_mutex_unlock(&spare_lock);
	}
	return NULL;
}

/* Starts the thread once; under spare_lock. */
static void
start(void)
{
	static long long	tried;	/* when it last failed */
	sigset_t		all, old;
	long long		now = netio_now_ms();
	int			e;

	/* Out of processes once is no reason to give up for good. */
	if (started || (tried != 0 && now - tried < 1000)) {
		return;
	}
	tried = now;
	/* No signal of rshd's is this thread's to take. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&maker, NULL, make_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e == 0) {
		started = 1;
		return;
	}
	log_warn("cannot start the thread that makes spare channels: %s; "
	    "connections make their own until it can", strerror(e));
}

int
privspare_take(uint8_t ns[HS_NONCELEN])
{
	int fd = -1;

	pthread_mutex_lock(&spare_lock);
	if (!stopping) {
		start();
	}
	if (nspares > 0) {
		nspares--;
		fd = spares[nspares].fd;
		memcpy(ns, spares[nspares].ns, HS_NONCELEN);
	}
	pthread_cond_signal(&spare_wanted);
	pthread_mutex_unlock(&spare_lock);
	return fd;
}

void
privspare_end(void)
{
	pthread_mutex_lock(&spare_lock);
	stopping = 1;
	pthread_cond_signal(&spare_wanted);
	pthread_mutex_unlock(&spare_lock);
	/* Its HELLO in flight is answered, or fails: it ends soon. */
	if (started) {
		(void)pthread_join(maker, NULL);
		started = 0;
	}
	while (nspares > 0) {
		close(spares[--nspares].fd);
	}
}
