/*
 * chanpark: one thread polls every quiet channel.
 *
 * The list is shared with the threads that park (they append under the
 * lock and wake the poller through a pipe); only the poller removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "chanpark.h"

struct parked {
	int	 fd;
	void	*arg;
};

static pthread_mutex_t	 park_lock = PTHREAD_MUTEX_INITIALIZER;
static struct parked	*parked;	/* under park_lock */
static size_t		 nparked, capparked;
static int		 wake_rd = -1, wake_wr = -1;
static void		(*on_ready)(void *);

/* Takes fd off the list: the arg it was parked with, or NULL. */
static void *
take(int fd)
{
	void	*arg = NULL;
	size_t	 i;

	pthread_mutex_lock(&park_lock);
	for (i = 0; i < nparked; i++) {
		if (parked[i].fd == fd) {
			arg = parked[i].arg;
			parked[i] = parked[--nparked];
			break;
		}
	}
	pthread_mutex_unlock(&park_lock);
	return arg;
}

/*
 * The list as pollfds after the wake pipe's, in *pfd (grown to fit):
 * 0, or -1 when memory ran short and only the first *n - 1 are there.
 */
static int
snapshot(struct pollfd **pfd, size_t *cap, size_t *n)
{
	size_t	i, fit;
	int	rc = 0;

	pthread_mutex_lock(&park_lock);
	if (nparked + 1 > *cap) {
		struct pollfd	*p;
		size_t		 c = capparked + 1;

		if ((p = reallocarray(*pfd, c, sizeof(*p))) != NULL) {
			*pfd = p;
			*cap = c;
		} else {
			rc = -1;
		}
	}
	fit = nparked + 1 <= *cap ? nparked : *cap - 1;
	for (i = 0; i < fit; i++) {
		(*pfd)[i + 1].fd = parked[i].fd;
		(*pfd)[i + 1].events = POLLIN;
	}
	pthread_mutex_unlock(&park_lock);
	(*pfd)[0].fd = wake_rd;
	(*pfd)[0].events = POLLIN;
	*n = fit + 1;
	return rc;
}

static void *
park_main(void *first)
{
	struct pollfd	*pfd = first;	/* room for the wake pipe's */
	size_t		 cap = 1, n, i;
	char		 drain[64];

	for (;;) {
		/* What did not fit waits for memory, and a retry. */
		int all = snapshot(&pfd, &cap, &n) == 0;

		if (poll(pfd, n, all ? -1 : 100) == -1) {
			continue;	/* EINTR; nothing else can fail */
		}
		if (pfd[0].revents != 0) {
			while (read(wake_rd, drain, sizeof(drain)) > 0) {
				continue;
			}
		}
		for (i = 1; i < n; i++) {
			void *arg;

			if (pfd[i].revents == 0 ||
			    (arg = take(pfd[i].fd)) == NULL) {
				continue;
			}
			on_ready(arg);
		}
	}
	return NULL;
}

int
chanpark_start(void (*ready)(void *arg))
{
	pthread_attr_t	 ta;
	pthread_t	 t;
	sigset_t	 all, old;
	struct pollfd	*first;
	int		 p[2], e;

	if ((first = calloc(1, sizeof(*first))) == NULL) {
		return -1;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		e = errno;
		free(first);
		errno = e;
		return -1;
	}
	wake_rd = p[0];
	wake_wr = p[1];
	on_ready = ready;
	if ((e = pthread_attr_init(&ta)) != 0) {
		goto err;
	}
	(void)pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	/* No signal of rshd's is this thread's to take. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&t, &ta, park_main, first);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&ta);
	if (e != 0) {
		goto err;
	}
	return 0;
err:
	free(first);
	close(wake_rd);
	close(wake_wr);
	wake_rd = wake_wr = -1;
	errno = e;
	return -1;
}

int
chanpark_add(int fd, void *arg)
{
	static const char	one = 1;

	pthread_mutex_lock(&park_lock);
	if (nparked == capparked) {
		struct parked	*p;
		size_t		 c = capparked == 0 ? 64 : capparked * 2;

		if ((p = reallocarray(parked, c, sizeof(*p))) == NULL) {
			pthread_mutex_unlock(&park_lock);
			errno = ENOMEM;
			return -1;
		}
		parked = p;
		capparked = c;
	}
	parked[nparked].fd = fd;
	parked[nparked].arg = arg;
	nparked++;
	pthread_mutex_unlock(&park_lock);
	/* A full pipe already holds a wake-up: nothing is lost. */
	while (write(wake_wr, &one, 1) == -1 && errno == EINTR) {
		continue;
	}
	return 0;
}
