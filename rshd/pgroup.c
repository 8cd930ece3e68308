/*
 * pgroup: one shared walk of /proc, kept as the sorted list of process
 * groups that have a member that is not a zombie.
 */
#include <sys/syscall.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pgroup.h"

static pthread_mutex_t	 walk_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by walk_lock: the last walk and when it started. */
static pid_t		*groups, *sessions;	/* sorted; ngroups each */
static size_t		 ngroups, cap;
static long long	 walked_at_us = -1;	/* monotonic */
static int		 walk_failed;

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* 1 when /proc/PID holds the pipe ino on one of its fds. */
static int
holds_pipe(const char *pid, ino_t ino)
{
	char		 path[64], link[64], want[48];
	DIR		*dir;
	struct dirent	*de;
	int		 found = 0;
	ssize_t		 n;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	snprintf(want, sizeof(want), "pipe:[%llu]", (unsigned long long)ino);
	if ((dir = opendir(path)) == NULL) {
		return 0;
	}
	while (!found && (de = readdir(dir)) != NULL) {
		char fd[64 + sizeof(de->d_name)];

		if (de->d_name[0] == '.') {
			continue;
		}
		snprintf(fd, sizeof(fd), "%s/%s", path, de->d_name);
		n = readlink(fd, link, sizeof(link) - 1);
		found = n > 0 && (link[n] = '\0', strcmp(link, want) == 0);
	}
	closedir(dir);
	return found;
}

/* The process group and session of /proc/NAME when it is not a zombie:
 * 0, or -1. */
static int
runner_ids(const char *name, pid_t *pgid, pid_t *sid)
{
	char	 path[300], stat[512], state, *p;
	int	 fd, ppid, pgrp, session;
	ssize_t	 n;

	snprintf(path, sizeof(path), "/proc/%s/stat", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		return -1;
	}
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	/* "pid (comm) state ppid pgrp session ...": comm may hold anything. */
	if (n <= 0 || (stat[n] = '\0', p = strrchr(stat, ')')) == NULL ||
	    sscanf(p + 1, " %c %d %d %d", &state, &ppid, &pgrp,
	    &session) != 4 || state == 'Z' || state == 'X') {
		return -1;
	}
	*pgid = (pid_t)pgrp;
	*sid = (pid_t)session;
	return 0;
}

/* The process group of /proc/NAME when it is not a zombie; -1 otherwise. */
static pid_t
runner_group(const char *name)
{
	pid_t pgid, sid;

	return runner_ids(name, &pgid, &sid) == 0 ? pgid : -1;
}

/* The session of /proc/NAME when it is not a zombie; -1 otherwise. */
static pid_t
runner_session(const char *name)
{
	pid_t pgid, sid;

	return runner_ids(name, &pgid, &sid) == 0 ? sid : -1;
}

static int
add_ids(pid_t g, pid_t sid)
{
	if (ngroups == cap) {
		size_t	 ncap = cap == 0 ? 256 : cap * 2;
		pid_t	*n = reallocarray(groups, ncap, sizeof(*n));

		if (n == NULL) {
			return -1;
		}
		groups = n;
		if ((n = reallocarray(sessions, ncap, sizeof(*n))) == NULL) {
			return -1;
		}
		sessions = n;
		cap = ncap;
	}
	groups[ngroups] = g;
	sessions[ngroups++] = sid;
	return 0;
}

/* Walks /proc into groups; walk_lock held. */
static void
walk(void)
{
	DIR		*dir;
	struct dirent	*de;
	pid_t		 g, sid;
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	walked_at_us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	ngroups = 0;
	walk_failed = 0;
	if ((dir = opendir("/proc")) == NULL) {
		walk_failed = 1;
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    runner_ids(de->d_name, &g, &sid) == -1) {
			continue;
		}
		if (add_ids(g, sid) == -1) {
			walk_failed = 1;
			break;
		}
	}
	closedir(dir);
	qsort(groups, ngroups, sizeof(*groups), cmp_pid);
	qsort(sessions, ngroups, sizeof(*sessions), cmp_pid);
}

/* id in the list (groups or sessions) of a walk no older than since_ms. */
static int
has_runner(pid_t id, long long since_ms, int session)
{
	int found;

	pthread_mutex_lock(&walk_lock);
	/* A walk that started within since_ms's own millisecond may have
	 * started before the event: only a later one answers. */
	if (walked_at_us < (since_ms + 1) * 1000) {
		walk();
	}
	found = walk_failed || bsearch(&id, session ? sessions : groups,
	    ngroups, sizeof(id), cmp_pid) != NULL;
	pthread_mutex_unlock(&walk_lock);
	return found;
}

int
pgroup_has_runner(pid_t pgid, long long since_ms)
{
	return has_runner(pgid, since_ms, 0);
}

int
pgroup_session_has_runner(pid_t sid, long long since_ms)
{
	return has_runner(sid, since_ms, 1);
}

void
pgroup_signal_session(pid_t sid, int sig)
{
	DIR		*dir;
	struct dirent	*de;

	if (sid <= 1 || (dir = opendir("/proc")) == NULL) {
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]) ||
		    runner_session(de->d_name) != sid ||
		    (fd = (int)syscall(SYS_pidfd_open,
		    (pid_t)atoi(de->d_name), 0)) == -1) {
			continue;
		}
		/* The pidfd pins it: still of the session, it is ours. */
		if (runner_session(de->d_name) == sid) {
			(void)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
		}
		close(fd);
	}
	closedir(dir);
}

int
pgroup_holders(pid_t pgid, ino_t ino, pid_t *out, int max)
{
	DIR		*dir;
	struct dirent	*de;
	int		 n = 0;

	if ((dir = opendir("/proc")) == NULL) {
		return 0;
	}
	while ((de = readdir(dir)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    runner_group(de->d_name) != pgid ||
		    !holds_pipe(de->d_name, ino)) {
			continue;
		}
		if (n < max) {
			out[n] = (pid_t)atoi(de->d_name);
		}
		n++;
	}
	closedir(dir);
	return n;
}

void
pgroup_signal_holder(pid_t pid, pid_t pgid, ino_t ino, int sig)
{
	char	name[16];
	int	fd;

	if (pid <= 1 || (fd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1) {
		return;
	}
	/* The pidfd pins the process: if it is still the holder now, the
	 * signal reaches it and no other. */
	snprintf(name, sizeof(name), "%d", (int)pid);
	if (runner_group(name) == pgid && holds_pipe(name, ino)) {
		(void)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	}
	close(fd);
}
