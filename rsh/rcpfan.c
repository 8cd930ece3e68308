/*
 * rcpfan: rcp -w, one copy to many hosts (pdcp), and rcp -w --gather,
 * the same sources from many hosts into DIR/HOST/ (rpdcp).  Each host
 * gets a worker: a child of ours that makes the one-host copy
 * (rcpcopy.c) on its own connection, reading the files itself 64 KiB at
 * a time, so a slow host holds back nobody and nothing is held whole.
 * libcrypto is loaded once, here, before the workers are forked.  At
 * most a fan-out's worth of workers live at once, and we keep only their
 * pids: memory is flat in the files' sizes and the list's length.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "copywire.h"

#include "client.h"
#include "fanout.h"
#include "hostlist.h"
#include "rcp_int.h"

static volatile sig_atomic_t stopsig;

static void
on_stop(int sig)
{
	if (stopsig == 0) {
		stopsig = sig;
	}
}

/* Signals that stop us: no new host starts, the live ones are told. */
static const int stopsigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSTOPSIGS	(sizeof(stopsigs) / sizeof(stopsigs[0]))

static void
catch_stops(void (*h)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	(void)sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: waitpid returns EINTR, and we act at once. */
	for (size_t i = 0; i < NSTOPSIGS; i++) {
		(void)sigaction(stopsigs[i], &sa, NULL);
	}
}

/*
 * --gather: every host's name becomes a directory name under DIR, so it
 * must be one path component ("..", "a/b" and "" are refused before any
 * host starts).  0, or -1 (said).
 */
static int
names_ok(const struct hostlist *hosts)
{
	for (size_t i = 0; i < hostlist_count(hosts); i++) {
		const char *h = hostlist_get(hosts, i);

		if (!copywire_name_ok((const uint8_t *)h, strlen(h))) {
			fprintf(stderr, "rcp: --gather: the host name '%s' "
			    "cannot be a directory name (it is '.' or '..' or "
			    "holds '/'); refusing\n", h);
			return -1;
		}
	}
	return 0;
}

/* DIR/HOST, made if need be and never through a link: the fd, or -1
 * (said). */
static int
host_dir(int dirfd, const char *dir, const char *host)
{
	int fd;

	if (mkdirat(dirfd, host, 0777) == -1 && errno != EEXIST) {
		fprintf(stderr, "rcp: %s: %s/%s: %s\n", host, dir, host,
		    strerror(errno));
		return -1;
	}
	fd = openat(dirfd, host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1) {
		fprintf(stderr, "rcp: %s: %s/%s: %s\n", host, dir, host,
		    errno == ELOOP ? "a symbolic link, not a directory" :
		    strerror(errno));
	}
	return fd;
}

/* The worker for host: the one-host copy, its line, its exit. */
static void
worker(struct rcp *r, const char *host, int dirfd, char **src, int nsrc,
    const char *dest)
{
	struct timespec	now;
	int		tty = r->progress, rc = EXIT_RCP;

	catch_stops(SIG_DFL);
	r->fan = 1;
	r->label = host;
	/* The copy's own \r line would be torn by the other hosts'. */
	r->progress = 0;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->last = r->t0;
	if ((r->host = strdup(host)) == NULL) {
		fprintf(stderr, "rcp: %s: out of memory\n", host);
		_exit(EXIT_RCP);
	}
	if (r->gather) {
		if ((r->destfd = host_dir(dirfd, dest, host)) != -1) {
			rc = rcpcopy_from_host(r, (const char **)src, nsrc,
			    dest);
		}
	} else {
		rc = rcpcopy_to_host(r, src, nsrc, dest);
	}
	if (tty) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		fprintf(stderr, "%s: %s, %.1f MiB in %.1f s\n", host, rc == 0 ?
		    "done" : "failed", (double)r->total / 1048576.0,
		    rcp_since(&r->t0, &now));
	}
	if (r->json) {
		rcp_summary(r, !r->gather, rc);
	}
	(void)fflush(stdout);
	(void)fflush(stderr);
	_exit(rc);
}

struct fan {
	const struct hostlist	*hosts;
	pid_t			*pid;		/* a slot's worker, 0: free */
	size_t			*host;		/* its host's index */
	int			 nslot, live;
	size_t			 next;
	int			 status;	/* the largest so far */
	struct fanout_failed	 failed;
};

/* A worker ended with st: the status, the summary. */
static void
account(struct fan *f, int slot, int st)
{
	const char	*host = hostlist_get(f->hosts, f->host[slot]);
	int		 rc = WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_RCP;
	char		 why[64];

	f->pid[slot] = 0;
	f->live--;
	f->status = rc > f->status ? rc : f->status;
	if (rc == 0) {
		return;
	}
	if (WIFSIGNALED(st)) {
		snprintf(why, sizeof(why), "ended by signal %d",
		    WTERMSIG(st));
	} else {
		snprintf(why, sizeof(why), "%s", rc == 1 ? "some entries "
		    "failed, said above" : "failed, said above");
	}
	fanout_failed_add(&f->failed, host, why);
}

int
rcpfan_run(struct rcp *r, const struct hostlist *hosts, int fanout,
    char **src, int nsrc, const char *dest)
{
	struct fan	f;
	size_t		n = hostlist_count(hosts);
	pid_t		pid;
	int		dirfd = -1, st, told = 0, rc = EXIT_RCP;

	memset(&f, 0, sizeof(f));
	f.hosts = hosts;
	f.nslot = (size_t)fanout < n ? fanout : (int)n;
	f.pid = calloc((size_t)f.nslot, sizeof(*f.pid));
	f.host = calloc((size_t)f.nslot, sizeof(*f.host));
	if (f.pid == NULL || f.host == NULL) {
		fprintf(stderr, "rcp: out of memory\n");
		goto out;
	}
	if (r->gather && names_ok(hosts) == -1) {
		goto out;
	}
	if (r->gather && (dirfd = open(dest, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		fprintf(stderr, "rcp: %s: %s\n", dest, strerror(errno));
		goto out;
	}
	/* Each worker would load it again (rcpconn.c, unless -S). */
	if (r->rsh == NULL && client_crypto() == -1) {
		goto out;
	}
	catch_stops(on_stop);
	for (;;) {
		for (int i = 0; i < f.nslot && f.next < n && stopsig == 0;
		    i++) {
			if (f.pid[i] != 0) {
				continue;
			}
			(void)fflush(NULL);
			if ((pid = fork()) == -1) {
				fanout_failed_add(&f.failed, hostlist_get(hosts,
				    f.next++), strerror(errno));
				f.status = EXIT_RCP;
				continue;
			}
			if (pid == 0) {
				worker(r, hostlist_get(hosts, f.next), dirfd,
				    src, nsrc, dest);
			}
			f.pid[i] = pid;
			f.host[i] = f.next++;
			f.live++;
		}
		if (f.live == 0) {
			break;
		}
		if (stopsig != 0 && !told) {
			told = 1;
			for (int i = 0; i < f.nslot; i++) {
				if (f.pid[i] != 0) {
					(void)kill(f.pid[i], stopsig);
				}
			}
		}
		if ((pid = waitpid(-1, &st, 0)) == -1) {
			if (errno == EINTR) {
				continue;
			}
			perror("rcp: waitpid");
			goto out;
		}
		for (int i = 0; i < f.nslot; i++) {
			if (f.pid[i] == pid) {
				account(&f, i, st);
			}
		}
	}
	fanout_failed_say(&f.failed, n);
	if (f.next < n) {
		fprintf(stderr, "rcp: interrupted: %zu of %zu hosts not "
		    "started\n", n - f.next, n);
	}
	rc = f.status;
	if (stopsig != 0 && rc < 128 + stopsig) {
		rc = 128 + stopsig;
	}
out:
	catch_stops(SIG_DFL);
	if (dirfd != -1) {
		(void)close(dirfd);
	}
	fanout_failed_free(&f.failed);
	free(f.pid);
	free(f.host);
	return rc;
}
