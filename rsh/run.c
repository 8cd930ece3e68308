/*
 * run: poll() for one connection (fan-out will be the same loop over many)
 * plus the signalfd and, in line mode, standard input.
 */
#include <sys/signalfd.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "wire.h"

#include "conn.h"
#include "run.h"
#include "sink.h"
#include "term.h"

#define LINE_MAX_BYTES	(WIRE_MAXPAYLOAD - 64)

/* Our terminal (stdin) changed size: the remote one follows. */
static void
resized(struct conn *c)
{
	uint16_t rows, cols;

	if (term_size(0, &rows, &cols) == 0) {
		conn_resize(c, rows, cols);
	}
}

int
run_step(struct conn *c, int sigfd, int extra)
{
	struct pollfd	pfd[CONN_MAXPOLL + 2];
	int		n = conn_pollfds(c, pfd);

	pfd[n].fd = sigfd;
	pfd[n].events = POLLIN;
	pfd[n].revents = 0;
	pfd[n + 1].fd = extra;
	pfd[n + 1].events = POLLIN;
	pfd[n + 1].revents = 0;
	if (poll(pfd, (nfds_t)n + 2, conn_timeout(c)) == -1) {
		return errno == EINTR ? 0 : -1;
	}
	if (pfd[n].revents & POLLIN) {
		struct signalfd_siginfo si;

		if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGWINCH) {
				resized(c);
			} else {
				conn_signal(c, (int)si.ssi_signo);
			}
		}
	}
	conn_events(c, pfd, n);
	return extra != -1 && pfd[n + 1].revents != 0;
}

int
run_one(struct conn *c, int sigfd)
{
	while (conn_busy(c)) {
		if (run_step(c, sigfd, -1) == -1) {
			perror("rsh: poll");
			return RSH_EXIT_FAILURE;
		}
	}
	return conn_result(c)->status;
}

/* Runs one line; returns its status, or -1 when the connection ended. */
static int
run_line(struct conn *c, int sigfd, const struct wire_exec *tmpl, char *line)
{
	struct wire_exec	e = *tmpl;
	char			*argv[2] = { line, NULL };

	line[strcspn(line, "\r")] = '\0';
	if (line[strspn(line, " \t")] == '\0') {
		return -2;	/* blank */
	}
	e.argv = argv;
	e.argc = 1;
	if (conn_closed(c) || conn_exec(c, &e) == -1) {
		return conn_result(c)->status;
	}
	return run_one(c, sigfd);
}

/* Runs every whole line in b; -1 once the connection has ended. */
static int
run_buffered(struct conn *c, int sigfd, const struct wire_exec *tmpl,
    struct buf *b, int *status)
{
	uint8_t	*nl;
	int	 st;

	while ((nl = memchr(buf_data(b), '\n', b->len)) != NULL) {
		*nl = '\0';
		st = run_line(c, sigfd, tmpl, (char *)buf_data(b));
		buf_consume(b, (size_t)(nl - buf_data(b)) + 1);
		*status = st == -2 ? *status : st;
		if (conn_closed(c)) {
			return -1;
		}
	}
	if (b->len >= LINE_MAX_BYTES) {
		fprintf(stderr, "rsh: a line of standard input is longer than "
		    "%d bytes\n", LINE_MAX_BYTES);
		*status = RSH_EXIT_FAILURE;
		return -1;
	}
	return 0;
}

int
run_lines(struct conn *c, int sigfd, const struct wire_exec *tmpl)
{
	struct buf	 b;
	uint8_t		*p;
	ssize_t		 r = 1;
	int		 status = 0, st;

	if (buf_init(&b, 4096, LINE_MAX_BYTES + 1) == -1) {
		return RSH_EXIT_FAILURE;
	}
	while (r > 0 && !conn_closed(c)) {
		if ((st = run_step(c, sigfd, 0)) == -1) {
			status = RSH_EXIT_FAILURE;
			break;
		}
		if (st == 0) {
			continue;
		}
		p = buf_reserve(&b, LINE_MAX_BYTES + 1 - b.len);
		do {
			r = read(0, p, LINE_MAX_BYTES + 1 - b.len);
		} while (r == -1 && errno == EINTR);
		if (r > 0) {
			buf_commit(&b, (size_t)r);
		} else if (b.len > 0 && buf_append(&b, "\n", 1) == 0) {
			r = 0;		/* a last line without its newline */
		}
		if (run_buffered(c, sigfd, tmpl, &b, &status) == -1) {
			break;
		}
	}
	if (r == -1) {
		perror("rsh: reading standard input");
		status = RSH_EXIT_FAILURE;
	}
	buf_free(&b);
	/* Ended by the server or a signal between commands. */
	return conn_closed(c) && conn_result(c)->how == SINK_FAILED ?
	    conn_result(c)->status : status;
}
