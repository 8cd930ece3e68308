/*
 * timeit: runs a command many times and prints how long the runs took,
 * for bench/run.sh.  Timing in C keeps the shell's own fork and exec out
 * of the figures.
 *
 * usage: timeit [-r] [-n RUNS] [-w WARMUP] [-c CONCURRENT] [-s SETUP]
 *               COMMAND [ARG...]
 *
 * The command's standard output goes to /dev/null; its standard input and
 * error are timeit's.  After WARMUP untimed runs (default 1) it times RUNS
 * runs (default 100), CONCURRENT of them at a time (default 1: one after
 * the other), each from its spawn to its reaping, and prints one line of
 * microseconds:
 *
 *   min median p90 max wall
 *
 * where wall is the time all RUNS took together (RUNS / wall: commands per
 * second at that concurrency).  With -r, two more: the CPU time the timed
 * runs took, user and system, in microseconds, all runs together (their
 * processes' and their waited-for descendants', from getrusage), and the
 * largest RSS any one of those processes reached, in KiB (warm-up runs
 * included).
 *
 * With -s, SETUP (a sh command line) runs before every run, untimed and
 * left out of the CPU time: to start each run from the same state, such
 * as no earlier copy and nothing left to write back.  It needs runs one
 * after the other.  The largest RSS of -r then counts SETUP's processes
 * too.
 *
 * Exits 1, saying which run, if a run fails or exits non-zero.
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void
usage(void)
{
	fprintf(stderr, "usage: timeit [-r] [-n RUNS] [-w WARMUP] "
	    "[-c CONCURRENT] [-s SETUP] COMMAND [ARG...]\n");
	exit(2);
}

static long
count(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 0 ||
	    v > 1000000) {
		usage();
	}
	return v;
}

static int64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Starts argv; its pid, or -1 after saying why. */
static pid_t
spawn(char **argv, const posix_spawn_file_actions_t *fa)
{
	pid_t	pid;
	int	e;

	if ((e = posix_spawnp(&pid, argv[0], fa, NULL, argv, environ)) != 0) {
		fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(e));
		return -1;
	}
	return pid;
}

/* Waits for any child; its pid with *st set, or -1 after saying why. */
static pid_t
reap(int *st)
{
	pid_t	pid;

	while ((pid = waitpid(-1, st, 0)) == -1) {
		if (errno != EINTR) {
			perror("timeit: waitpid");
			return -1;
		}
	}
	return pid;
}

/* What -s names, and the wall and CPU time its runs took, to leave out. */
static const char	*setup;
static int64_t		 setup_wall, setup_user, setup_sys;

static void children_cpu(int64_t *, int64_t *, int64_t *);

/* Runs the setup command line and waits for it: 0, or -1 after saying
 * why. */
static int
run_setup(const posix_spawn_file_actions_t *fa)
{
	char	*argv[] = { "sh", "-c", (char *)setup, NULL };
	int64_t	 w0 = now_us(), u0, s0, u1, s1, rss;
	pid_t	 pid;
	int	 st;

	children_cpu(&u0, &s0, &rss);
	if ((pid = spawn(argv, fa)) == -1) {
		return -1;
	}
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR) {
			perror("timeit: waitpid");
			return -1;
		}
	}
	children_cpu(&u1, &s1, &rss);
	setup_user += u1 - u0;
	setup_sys += s1 - s0;
	setup_wall += now_us() - w0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "timeit: setup failed (status 0x%x): %s\n",
		    (unsigned int)st, setup);
		return -1;
	}
	return 0;
}

/*
 * Runs argv runs times, conc at a time, storing each run's duration in
 * microseconds in t (when t is not NULL).  Returns 0, or -1 when a run
 * could not start or failed; then it still reaps every child it started.
 */
static int
run_batch(char **argv, const posix_spawn_file_actions_t *fa, long runs,
    long conc, int64_t *t)
{
	pid_t	*pids;
	int64_t	*t0, now;
	long	 started = 0, done = 0, running = 0, i;
	pid_t	 pid;
	int	 st, rc = 0;

	if (conc > runs) {
		conc = runs;
	}
	pids = calloc((size_t)conc, sizeof(*pids));
	t0 = calloc((size_t)conc, sizeof(*t0));
	if (pids == NULL || t0 == NULL) {
		perror("timeit: calloc");
		free(pids);
		free(t0);
		return -1;
	}
	while (done < runs && (running > 0 || rc == 0)) {
		/* Fill every free slot, unless a run failed: then only drain. */
		for (i = 0; rc == 0 && started < runs && i < conc; i++) {
			if (pids[i] != 0) {
				continue;
			}
			if (setup != NULL && run_setup(fa) == -1) {
				rc = -1;
				break;
			}
			t0[i] = now_us();
			if ((pids[i] = spawn(argv, fa)) == -1) {
				pids[i] = 0;
				rc = -1;
				break;
			}
			started++;
			running++;
		}
		if (running == 0) {
			break;
		}
		if ((pid = reap(&st)) == -1) {
			rc = -1;
			break;
		}
		now = now_us();
		for (i = 0; i < conc && pids[i] != pid; i++) {
			;
		}
		if (i == conc) {
			continue;	/* not ours: nothing else should be */
		}
		pids[i] = 0;
		running--;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			if (rc == 0) {
				fprintf(stderr, "timeit: run %ld of %ld: %s "
				    "failed (status 0x%x)\n", done + 1, runs,
				    argv[0], (unsigned int)st);
			}
			rc = -1;
		} else if (t != NULL) {
			t[done] = now - t0[i];
		}
		done++;
	}
	free(pids);
	free(t0);
	return rc;
}

/* The CPU time of the children waited for so far, user and system, and
 * the largest RSS one of them reached (KiB). */
static void
children_cpu(int64_t *user, int64_t *sys, int64_t *maxrss)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_CHILDREN, &ru) == -1) {
		*user = *sys = *maxrss = 0;
		return;
	}
	*maxrss = ru.ru_maxrss;
	*user = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
	*sys = (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t	 fa;
	int64_t				*t, w0, w1, u0, s0, u1, s1, rss;
	long				 runs = 100, warm = 1, conc = 1;
	int				 ch, cpu = 0, rc = 1;

	while ((ch = getopt(argc, argv, "+rn:w:c:s:")) != -1) {
		switch (ch) {
		case 'r':
			cpu = 1;
			break;
		case 'n':
			runs = count(optarg);
			break;
		case 'w':
			warm = count(optarg);
			break;
		case 'c':
			conc = count(optarg);
			break;
		case 's':
			setup = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || runs < 1 || conc < 1 || (setup != NULL && conc > 1)) {
		usage();
	}
	if ((t = calloc((size_t)runs, sizeof(*t))) == NULL) {
		perror("timeit: calloc");
		return 1;
	}
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0) != 0) {
		fprintf(stderr, "timeit: cannot set up the file actions\n");
		goto out;
	}
	if (warm > 0 && run_batch(argv, &fa, warm, conc, NULL) == -1) {
		goto out1;
	}
	children_cpu(&u0, &s0, &rss);
	/* The warm-up's setups were before u0 and w0. */
	setup_wall = setup_user = setup_sys = 0;
	w0 = now_us();
	if (run_batch(argv, &fa, runs, conc, t) == -1) {
		goto out1;
	}
	w1 = now_us();
	children_cpu(&u1, &s1, &rss);
	qsort(t, (size_t)runs, sizeof(*t), cmp64);
	/* p90 by nearest rank: the ceil(0.9 * runs)-th smallest. */
	printf("%lld %lld %lld %lld %lld", (long long)t[0],
	    (long long)t[runs / 2], (long long)t[(runs * 9 + 9) / 10 - 1],
	    (long long)t[runs - 1], (long long)(w1 - w0 - setup_wall));
	if (cpu) {
		printf(" %lld %lld %lld", (long long)(u1 - u0 - setup_user),
		    (long long)(s1 - s0 - setup_sys), (long long)rss);
	}
	printf("\n");
	rc = 0;
out1:
	posix_spawn_file_actions_destroy(&fa);
out:
	free(t);
	return rc;
}
