/*
 * mux: one command through a master.  The request is the EXEC payload
 * itself (wire.c's encoder, no cryptography) after a small header; the
 * master writes the command's output to our fds directly, so this
 * process only waits for the result and forwards signals.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"

#include "client.h"
#include "ctl.h"
#include "mux.h"
#include "opts.h"
#include "sink.h"
#include "target.h"

/*
 * Connects to the socket at path.  Returns the fd; -1 when nobody
 * listens (ENOENT, ECONNREFUSED: errno says which); -2 with err for
 * anything else.
 */
static int
dial_master(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -2;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int e = errno;

		close(fd);
		errno = e;
		if (e == ECONNREFUSED || e == ENOENT) {
			return -1;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -2;
	}
	if (ctl_peer_ok(fd) == -1) {
		close(fd);
		snprintf(err, errlen, "%s: the master runs as another user; "
		    "refusing it", path);
		return -2;
	}
	return fd;
}

int
mux_stale(const char *path, char *err, size_t errlen)
{
	int fd, rc;

	if ((rc = ctl_check_socket(path, err, errlen)) != 0) {
		return rc == 1 ? 0 : -1;
	}
	if ((fd = dial_master(path, err, errlen)) >= 0) {
		close(fd);
		snprintf(err, errlen, "a master already runs on %s", path);
		return -1;
	}
	if (fd == -1 && errno == ECONNREFUSED) {
		ctl_remove(path);
		return 0;
	}
	return fd == -1 ? 0 : -1;
}

int
mux_present(const struct target *t)
{
	char	path[CTL_PATHMAX], err[512];

	return ctl_path(t, 0, path, sizeof(path), err, sizeof(err)) == 0 &&
	    ctl_check_socket(path, err, sizeof(err)) != 1;
}

/* The socket of t's master, connected; -1 when there is none (said when
 * it is not to be trusted, or with -v when it was stale). */
static int
find_master(const struct target *t, int verbose, int quiet)
{
	char	path[CTL_PATHMAX], err[512] = "";
	int	fd;

	if (ctl_path(t, 0, path, sizeof(path), err, sizeof(err)) != 0 ||
	    ctl_check_socket(path, err, sizeof(err)) != 0) {
		if (err[0] != '\0' && !quiet) {
			fprintf(stderr, "rsh: %s\n", err);
		}
		return -1;
	}
	if ((fd = dial_master(path, err, sizeof(err))) == -1 &&
	    errno == ECONNREFUSED) {
		ctl_remove(path);
		if (verbose) {
			fprintf(stderr, "rsh: %s: the master is gone (stale "
			    "socket %s removed); connecting directly\n",
			    t->display, path);
		}
	} else if (fd == -2 && !quiet) {
		fprintf(stderr, "rsh: %s\n", err);
	}
	return fd < 0 ? -1 : fd;
}

/* The request: u8 flags, u8 n, -m as given (n bytes), the EXEC. */
static int
send_request(int fd, const struct opts *o, const struct wire_exec *e)
{
	static uint8_t	req[CTL_MAXREC - CTL_HDR];
	size_t		n = o->max_time != NULL ? strlen(o->max_time) : 0;
	long		len;
	int		fds[3] = { 0, 1, 2 };

	if (n > 63) {
		n = 0;		/* only for the message on a time-out */
	}
	req[0] = (o->verbose ? CTL_F_VERBOSE : 0) |
	    (o->quiet ? CTL_F_QUIET : 0);
	req[1] = (uint8_t)n;
	memcpy(req + 2, o->max_time != NULL ? o->max_time : "", n);
	len = wire_exec_encode(e, req + 2 + n, sizeof(req) - 2 - n, 0);
	if (len == -1) {
		return -1;	/* too long: the direct path says so */
	}
	return ctl_send(fd, CTL_EXEC, req, 2 + n + (size_t)len, fds, 3);
}

/* Waits for CTL_RESULT, forwarding signals.  The exit status. */
static int
wait_result(int fd, int sigfd, const struct target *t)
{
	uint8_t		 buf[64], type;
	const uint8_t	*p;
	size_t		 have = 0, len, used;
	int		 fds[3], nfd = 0;

	for (;;) {
		struct pollfd pfd[2] = { { fd, POLLIN, 0 },
		    { sigfd, POLLIN, 0 } };

		if (poll(pfd, 2, -1) == -1 && errno != EINTR) {
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) ==
			    (ssize_t)sizeof(si)) {
				uint8_t s = (uint8_t)si.ssi_signo;

				(void)ctl_send(fd, CTL_SIGNAL, &s, 1, NULL, 0);
			}
		}
		if (pfd[0].revents == 0) {
			continue;
		}
		if (ctl_recv(fd, buf, sizeof(buf), &have, fds, &nfd) <= 0 &&
		    errno != EAGAIN) {
			break;
		}
		if (ctl_record(buf, have, &type, &p, &len, &used) == 1 &&
		    type == CTL_RESULT && len == 5) {
			return p[4] ? -SIGPIPE : (int)wire_get32(p);
		}
	}
	for (int i = 0; i < nfd; i++) {
		close(fds[i]);
	}
	fprintf(stderr, "rsh: %s: connection to the master lost; output may "
	    "be truncated\n", t->display);
	return RSH_EXIT_FAILURE;
}

int
mux_run(const struct target *t, const struct opts *o,
    const struct wire_exec *e, int *status)
{
	sigset_t	old;
	int		fd, sigfd;

	if ((fd = find_master(t, o->verbose, o->quiet)) == -1) {
		return 0;
	}
	if ((sigfd = client_signals(0, &old)) == -1) {
		close(fd);
		return 0;
	}
	if (send_request(fd, o, e) == -1) {
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		close(sigfd);
		close(fd);
		return 0;
	}
	*status = wait_result(fd, sigfd, t);
	close(sigfd);
	close(fd);
	return 1;
}

int
mux_control(const struct target *t, const char *op)
{
	uint8_t		 buf[16], type;
	const uint8_t	*p;
	size_t		 have = 0, len, used;
	int		 fd, fds[3], nfd = 0;
	long		 r;

	if (strcmp(op, "check") != 0 && strcmp(op, "exit") != 0) {
		fprintf(stderr, "rsh: -O wants check or exit, not '%s'\n", op);
		return RSH_EXIT_FAILURE;
	}
	if ((fd = find_master(t, 0, 0)) == -1) {
		fprintf(stderr, "rsh: %s: no master runs\n", t->display);
		return RSH_EXIT_FAILURE;
	}
	if (ctl_send(fd, op[0] == 'c' ? CTL_CHECK : CTL_EXIT, NULL, 0, NULL,
	    0) == -1) {
		close(fd);
		fprintf(stderr, "rsh: %s: the master does not answer\n",
		    t->display);
		return RSH_EXIT_FAILURE;
	}
	do {
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, 5000) == 0) {
			break;
		}
		r = ctl_recv(fd, buf, sizeof(buf), &have, fds, &nfd);
	} while (r == -1 && (errno == EAGAIN || errno == EINTR));
	close(fd);
	if (ctl_record(buf, have, &type, &p, &len, &used) != 1 ||
	    type != CTL_PID || len != 4) {
		fprintf(stderr, "rsh: %s: the master does not answer\n",
		    t->display);
		return RSH_EXIT_FAILURE;
	}
	fprintf(stderr, "%s (pid %u)\n", op[0] == 'c' ? "Master running" :
	    "Exit request sent.", wire_get32(p));
	return 0;
}
