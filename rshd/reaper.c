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
/* The main thread's children file, opened while rshd could open files
 * (reaper_open); -1 when not. */
static int main_children = -1;

void
reaper_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/children",
	    (int)getpid());
	main_children = open(path, O_RDONLY | O_CLOEXEC);
}

/* Reaps the orphans among the pids in the children file fd, read from
 * its start. */
static int
reap_children(int fd)
{
	char	 buf[8192], *p, *end;
	int	 n = 0;
	ssize_t	 r;

	r = pread(fd, buf, sizeof(buf) - 1, 0);
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

static int
reap_task(const char *tid)
{
	char	path[320];
	int	fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%s/children", tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		return 0;
	}
	n = reap_children(fd);
	close(fd);
	return n;
}

/* One pass over every thread's children. */
static int
reap_pass(void)
{
	DIR		*dir;
	struct dirent	*de;
	int		 n = 0;

	/* The network part, which may open nothing: orphans come to the
	 * main thread, which outlives the others. */
	if (main_children != -1) {
		return reap_children(main_children);
	}
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
