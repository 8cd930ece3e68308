/*
 * timeit: runs a command many times and prints how long the runs took,
 * for bench/run.sh.  Timing in C keeps the shell's own fork and exec out
 * of the figures.
 *
 * usage: timeit [-n RUNS] [-w WARMUP] COMMAND [ARG...]
 *
 * The command's standard output goes to /dev/null; its standard input and
 * error are timeit's.  After WARMUP untimed runs (default 1) it times RUNS
 * runs (default 100) and prints one line of microseconds:
 *
 *   min median p90 max
 *
 * Exits 1, saying which run, if a run fails or exits non-zero.
 */
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
	fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] COMMAND "
	    "[ARG...]\n");
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

/* Runs argv once; its duration in microseconds, or -1 if it failed. */
static int64_t
run_once(char **argv, const posix_spawn_file_actions_t *fa)
{
	int64_t	t0, t1;
	pid_t	pid;
	int	st, e;

	t0 = now_us();
	if ((e = posix_spawnp(&pid, argv[0], fa, NULL, argv, environ)) != 0) {
		fprintf(stderr, "timeit: %s: %s\n", argv[0], strerror(e));
		return -1;
	}
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR) {
			perror("timeit: waitpid");
			return -1;
		}
	}
	t1 = now_us();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "timeit: %s failed (status 0x%x)\n", argv[0],
		    (unsigned int)st);
		return -1;
	}
	return t1 - t0;
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
	int64_t				*t;
	long				 runs = 100, warm = 1, i;
	int				 ch, rc = 1;

	while ((ch = getopt(argc, argv, "+n:w:")) != -1) {
		switch (ch) {
		case 'n':
			runs = count(optarg);
			break;
		case 'w':
			warm = count(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || runs < 1) {
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
	for (i = 0; i < warm; i++) {
		if (run_once(argv, &fa) == -1) {
			goto out1;
		}
	}
	for (i = 0; i < runs; i++) {
		if ((t[i] = run_once(argv, &fa)) == -1) {
			fprintf(stderr, "timeit: run %ld of %ld failed\n",
			    i + 1, runs);
			goto out1;
		}
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp64);
	/* p90 by nearest rank: the ceil(0.9 * runs)-th smallest. */
	printf("%lld %lld %lld %lld\n", (long long)t[0],
	    (long long)t[runs / 2], (long long)t[(runs * 9 + 9) / 10 - 1],
	    (long long)t[runs - 1]);
	rc = 0;
out1:
	posix_spawn_file_actions_destroy(&fa);
out:
	free(t);
	return rc;
}
