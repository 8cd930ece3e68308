/*
 * reaper: the leaders of running commands in a sorted array under a
 * read-write lock (spawns share it, a reap takes it alone), and the
 * children of every rshd thread read from /proc/self/task/T/children.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reaper.h"

static pthread_rwlock_t	 reg_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t	 reg_edit = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by reg_edit (and reg_lock against a reap): the leaders. */
static pid_t		*leaders;
static size_t		 nleaders, cap;

int
reaper_needed(void)
{
	int on = 0;

	return getpid() == 1 ||
	    (prctl(PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0) == 0 && on);
}

void
reaper_hold(void)
{
	(void)pthread_rwlock_rdlock(&reg_lock);
}

void
reaper_release(void)
{
	(void)pthread_rwlock_unlock(&reg_lock);
}

int
reaper_add(pid_t pid)
{
	int rc = 0;

	pthread_mutex_lock(&reg_edit);
	if (nleaders == cap) {
		size_t	 ncap = cap == 0 ? 64 : cap * 2;
		pid_t	*n = reallocarray(leaders, ncap, sizeof(*n));

		if (n == NULL) {
			rc = -1;
			goto out;
		}
		leaders = n;
		cap = ncap;
	}
	leaders[nleaders++] = pid;
out:
	pthread_mutex_unlock(&reg_edit);
	return rc;
}

void
reaper_remove(pid_t pid)
{
	pthread_mutex_lock(&reg_edit);
	for (size_t i = 0; i < nleaders; i++) {
		if (leaders[i] == pid) {
			leaders[i] = leaders[--nleaders];
			break;
		}
	}
	pthread_mutex_unlock(&reg_edit);
}

static int
is_leader(pid_t pid)
{
	int found = 0;

	pthread_mutex_lock(&reg_edit);
	for (size_t i = 0; i < nleaders && !found; i++) {
		found = leaders[i] == pid;
	}
	pthread_mutex_unlock(&reg_edit);
	return found;
}

/* Reaps the orphans among one thread's children. */
static int
reap_task(const char *tid)
{
	char	 path[64], buf[8192], *p, *end;
	int	 fd, n = 0;
	ssize_t	 r;

	snprintf(path, sizeof(path), "/proc/self/task/%s/children", tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		return 0;
	}
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0) {
		return 0;
	}
	buf[r] = '\0';
	for (p = buf; *p != '\0'; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p) {
			break;
		}
		if (pid > 0 && !is_leader((pid_t)pid) &&
		    waitpid((pid_t)pid, NULL, WNOHANG) > 0) {
			n++;
		}
	}
	return n;
}

/* One pass over every thread's children. */
static int
reap_pass(void)
{
	DIR		*dir;
	struct dirent	*de;
	int		 n = 0;

	if ((dir = opendir("/proc/self/task")) == NULL) {
		return 0;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] != '.') {
			n += reap_task(de->d_name);
		}
	}
	closedir(dir);
	return n;
}

int
reaper_reap(void)
{
	int n = 0, r;

	/* Never wait behind a spawn (a slow exec, a hung directory): the
	 * caller tries again shortly. */
	if (pthread_rwlock_trywrlock(&reg_lock) != 0) {
		return -1;
	}
	/* A children file holds so many pids: go again while it pays. */
	for (int pass = 0; pass < 16 && (r = reap_pass()) > 0; pass++) {
		n += r;
	}
	(void)pthread_rwlock_unlock(&reg_lock);
	return n;
}
