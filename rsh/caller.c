/*
 * caller: the rsh calls on a master's control socket.  Each sends an
 * EXEC with its stdin, stdout and stderr and waits; pool.c binds it to a
 * connection; its result goes back as CTL_RESULT.  Signals come as
 * CTL_SIGNAL records; CTL_CHECK and CTL_EXIT are answered with our pid.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"
#include "wire.h"

#include "conn.h"
#include "ctl.h"
#include "pool_int.h"
#include "sink.h"

int
caller_write(int fd, const void *p, size_t len)
{
	ssize_t w;

	do {
		w = write(fd, p, len);
	} while (w == -1 && errno == EINTR);
	return w == -1 && errno != EAGAIN ? -1 : 0;
}

void
caller_say(struct client *cl, const char *line, size_t len)
{
	/* A caller with no stderr (a malformed request) hears nothing. */
	if (cl->out.fds[2] != -1) {
		(void)outq_write(&cl->out, 2, line, len);
	}
}

void
caller_free(struct pool *pl, struct client *cl)
{
	for (int i = 0; i < MASTER_CLIENTS; i++) {
		if (pl->clients[i] == cl) {
			pl->clients[i] = NULL;
		}
	}
	if (cl->slot != NULL) {
		/* The caller is gone mid-command: closing the connection
		 * stops the command (rshd ends it with the connection). */
		cl->slot->cl = NULL;
		pool_slot_free(pl, cl->slot);
	}
	for (int i = 0; i < cl->nfd; i++) {
		close(cl->fds[i]);
	}
	close(cl->fd);
	wire_exec_free(cl->exec);
	outq_free(&cl->out);
	free(cl->buf);
	free(cl);
	pl->idle_since = netio_now_ms();
}

/* Tells the caller how its command ended, and lets it go.  The control
 * socket is nonblocking, and a result of 5 bytes always fits. */
static void
finish(struct pool *pl, struct client *cl)
{
	uint8_t r[5];

	/* Its fds first: a reader of its stdout sees the end with rsh's. */
	for (int i = 0; i < cl->nfd; i++) {
		close(cl->fds[i]);
	}
	cl->nfd = 0;
	wire_put32(r, (uint32_t)cl->status);
	r[4] = (uint8_t)(cl->sigpipe != 0);
	(void)ctl_send(cl->fd, CTL_RESULT, r, sizeof(r), NULL, 0);
	caller_free(pl, cl);
}

void
caller_done(struct pool *pl, struct client *cl, int status, int sigpipe)
{
	cl->done = 1;
	cl->waiting = 0;
	cl->status = status;
	cl->sigpipe = sigpipe;
	if (outq_pending(&cl->out) == 0) {
		finish(pl, cl);
	}
}

void
caller_flush(struct pool *pl, struct client *cl)
{
	char	line[160];
	int	e, fd, n;

	if (outq_drain(&cl->out) == 0) {
		if (cl->slot != NULL) {
			conn_hold(cl->slot->c, outq_pending(&cl->out) > 0);
		} else if (cl->done && outq_pending(&cl->out) == 0) {
			finish(pl, cl);
		}
		return;
	}
	/* Its reader failed: a failed write to rsh's own stdout would end
	 * the command the same way. */
	e = errno;
	fd = outq_failed_fd(&cl->out);
	outq_reset(&cl->out);
	if (cl->slot != NULL) {
		conn_hold(cl->slot->c, 0);
		if (conn_busy(cl->slot->c)) {
			conn_output_failed(cl->slot->c, fd, e);
			return;
		}
		/* Nothing of the caller's stays with the connection. */
		cl->slot->cl = NULL;
		conn_rebind(cl->slot->c, -1, NULL);
		cl->slot = NULL;
	}
	cl->done = 1;
	cl->status = RSH_EXIT_FAILURE;
	cl->sigpipe = e == EPIPE;
	if (e != EPIPE && fd == 1) {
		n = snprintf(line, sizeof(line), "rsh: cannot write standard "
		    "output: %s\n", strerror(e));
		caller_say(cl, line, n > 0 && (size_t)n < sizeof(line) ?
		    (size_t)n : 0);
	}
	if (fd == 2 || outq_pending(&cl->out) == 0) {
		outq_reset(&cl->out);
		finish(pl, cl);
	}
}

/* A caller's own failure, before any connection: said on its stderr,
 * through its queue like any output. */
static void
client_refuse(struct pool *pl, struct client *cl, int status, const char *why)
{
	char line[512];
	int  n;

	n = snprintf(line, sizeof(line), "rsh: %s: %s\n", pl->p->t->display,
	    why);
	caller_say(cl, line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0);
	caller_done(pl, cl, status, 0);
}

/* EXEC: u8 flags, u8 n, the -m text (n bytes), the EXEC payload. */
static void
on_exec(struct pool *pl, struct client *cl, const uint8_t *p, size_t len)
{
	const char *why = "out of memory";

	if (cl->nfd == 3 && cl->exec == NULL) {
		outq_bind(&cl->out, cl->fds[1], cl->fds[2]);
	}
	if (cl->exec != NULL || len < 2 || len - 2 < p[1] ||
	    p[1] >= sizeof(cl->max_time)) {
		client_refuse(pl, cl, RSH_EXIT_FAILURE, "master: a malformed "
		    "request");
		return;
	}
	if (cl->nfd != 3) {
		client_refuse(pl, cl, RSH_EXIT_FAILURE, "master: the request "
		    "came without stdin, stdout and stderr");
		return;
	}
	cl->flags = p[0];
	memcpy(cl->max_time, p + 2, p[1]);
	cl->max_time[p[1]] = '\0';
	if (wire_exec_decode(p + 2 + p[1], len - 2 - p[1], WIRE_TCP,
	    &cl->exec, &why) != WIRE_OK) {
		client_refuse(pl, cl, RSH_EXIT_FAILURE, why);
		return;
	}
	if (cl->exec->flags & EXEC_FLAG_PTY) {
		/* A terminal session needs its caller's terminal: direct. */
		client_refuse(pl, cl, RSH_EXIT_FAILURE, "master: no "
		    "pseudo-terminal through a master");
		return;
	}
	cl->waiting = 1;
}

static void
on_signal(struct pool *pl, struct client *cl, int sig)
{
	char why[64];

	if (cl->slot != NULL) {
		conn_signal(cl->slot->c, sig);
	} else if (cl->waiting) {
		snprintf(why, sizeof(why), "interrupted before the command "
		    "started");
		client_refuse(pl, cl, 128 + sig, why);
	}
}

/* One record from a caller; 0, or -1 when the caller is gone. */
static int
on_record(struct pool *pl, struct client *cl, uint8_t type, const uint8_t *p,
    size_t len)
{
	uint8_t pid[4];

	if (cl->done) {
		return 0;	/* its output drains; nothing more to do */
	}
	switch (type) {
	case CTL_EXEC:
		on_exec(pl, cl, p, len);
		return 0;	/* the caller checks whether cl is still there */
	case CTL_SIGNAL:
		if (len == 1 && p[0] > 0 && p[0] < 65) {
			on_signal(pl, cl, p[0]);
		}
		return 0;
	case CTL_EXIT:
		pl->quit = 1;
		/* FALLTHROUGH */
	case CTL_CHECK:
		wire_put32(pid, (uint32_t)getpid());
		(void)ctl_send(cl->fd, CTL_PID, pid, sizeof(pid), NULL, 0);
		caller_free(pl, cl);
		return -1;
	default:
		caller_free(pl, cl);
		return -1;
	}
}

int
caller_live(struct pool *pl, struct client *cl)
{
	for (int i = 0; i < MASTER_CLIENTS; i++) {
		if (pl->clients[i] == cl) {
			return 1;
		}
	}
	return 0;
}

void
caller_input(struct pool *pl, struct client *cl)
{
	const uint8_t	*p;
	uint8_t		 type;
	size_t		 len, used;
	long		 r;
	int		 rc;

	r = ctl_recv(cl->fd, cl->buf, CTL_MAXREC, &cl->have, cl->fds,
	    &cl->nfd);
	if (r == -1 && errno == EAGAIN) {
		return;
	}
	if (r <= 0) {
		caller_free(pl, cl);
		return;
	}
	while ((rc = ctl_record(cl->buf, cl->have, &type, &p, &len,
	    &used)) == 1) {
		if (on_record(pl, cl, type, p, len) == -1 ||
		    !caller_live(pl, cl)) {
			return;
		}
		memmove(cl->buf, cl->buf + used, cl->have - used);
		cl->have -= used;
	}
	if (rc == -1) {
		caller_free(pl, cl);
	}
}

void
caller_accept(struct pool *pl)
{
	struct client	*cl;
	int		 fd, i;

	fd = accept4(pl->p->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1) {
		return;
	}
	for (i = 0; i < MASTER_CLIENTS && pl->clients[i] != NULL; i++) {
		continue;
	}
	/* Only our own uid (pool.c stops accepting while the table is full). */
	if (ctl_peer_ok(fd) == -1 || i == MASTER_CLIENTS ||
	    (cl = calloc(1, sizeof(*cl))) == NULL) {
		close(fd);
		return;
	}
	if ((cl->buf = malloc(CTL_MAXREC)) == NULL ||
	    outq_init(&cl->out, CALLER_OUTQ_MAX) == -1) {
		free(cl->buf);
		free(cl);
		close(fd);
		return;
	}
	cl->fd = fd;
	pl->clients[i] = cl;
}

