/*
 * herd: starts many copies of a command that all wait on one barrier and
 * are released together, as a thousand scripts started by one cron minute
 * would reach a server; for bench/run.sh and the tests.
 *
 * usage: herd [-n COUNT] [-e ERRFILE] COMMAND [ARG...]
 *
 * It forks COUNT children (default 1000).  Each blocks reading a pipe
 * whose write end herd holds; once every child exists, herd closes it and
 * they all exec COMMAND at once.  Their standard output goes to
 * /dev/null, their standard error is appended to ERRFILE (default: herd's
 * own).  When all have been reaped it prints one line:
 *
 *   COUNT ok failed wall_ms
 *
 * where failed counts the children that exited non-zero or were killed.
 *
 * Exit status: 0 when every copy succeeded, 1 when some failed, 2 for a
 * usage error or when the children could not all be started.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HERD_MAX	100000

static void
usage(void)
{
	fprintf(stderr, "usage: herd [-n COUNT] [-e ERRFILE] COMMAND "
	    "[ARG...]\n");
	exit(2);
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: waits for the barrier to open, then becomes argv. */
static void
child(int gate, int out, int errfd, char **argv)
{
	char	c;

	(void)dup2(out, STDOUT_FILENO);
	if (errfd != -1) {
		(void)dup2(errfd, STDERR_FILENO);
	}
	/* End of file on the gate is the release, for every child at once. */
	while (read(gate, &c, 1) == -1 && errno == EINTR) {
		continue;
	}
	execvp(argv[0], argv);
	fprintf(stderr, "herd: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
main(int argc, char **argv)
{
	const char	*errpath = NULL;
	char		*end;
	long		 count = 1000, started = 0, ok = 0, failed = 0;
	long long	 t0;
	int		 gate[2], out, errfd = -1, ch, status;
	pid_t		 pid;

	while ((ch = getopt(argc, argv, "+n:e:")) != -1) {
		switch (ch) {
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || count < 1 ||
			    count > HERD_MAX) {
				usage();
			}
			break;
		case 'e':
			errpath = optarg;
			break;
		default:
			usage();
		}
	}
	argv += optind;
	if (argv[0] == NULL) {
		usage();
	}
	if ((out = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1 ||
	    (errpath != NULL && (errfd = open(errpath, O_WRONLY | O_CREAT |
	    O_APPEND | O_CLOEXEC, 0600)) == -1) ||
	    pipe2(gate, O_CLOEXEC) == -1) {
		fprintf(stderr, "herd: %s: %s\n", errpath != NULL ? errpath :
		    "/dev/null", strerror(errno));
		return 2;
	}
	for (; started < count; started++) {
		if ((pid = fork()) == -1) {
			fprintf(stderr, "herd: fork after %ld children: %s\n",
			    started, strerror(errno));
			break;
		}
		if (pid == 0) {
			close(gate[1]);
			child(gate[0], out, errfd, argv);
		}
	}
	/* The release: every child's read() returns 0 now. */
	t0 = now_ms();
	close(gate[1]);
	close(gate[0]);
	while ((pid = wait(&status)) != -1 || errno == EINTR) {
		if (pid == -1) {
			continue;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			ok++;
		} else {
			failed++;
		}
	}
	printf("%ld %ld %ld %lld\n", started, ok, failed, now_ms() - t0);
	if (started < count) {
		return 2;
	}
	return failed == 0 ? 0 : 1;
}
