/*
 * command: the one command a session runs at a time, from EXEC to EXIT.
 *
 * The stdin credit is an invariant: credit + queued + ungranted is the
 * window, so the stdin queue never outgrows the window and the socket can
 * always be read (a SIGNAL is never stuck behind data).
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "netio.h"
#include "wire.h"

#include "exec.h"
#include "policy.h"
#include "sess.h"

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
send_exit(struct session *s, int how, int code)
{
	uint8_t p[10];

	p[0] = (uint8_t)how;
	p[1] = (uint8_t)code;
	wire_put64(p + 2, now_us() - s->cmd.t_start_us);
	return sess_send(s, REC_EXIT, p, sizeof(p));
}

/* An EXEC that will not run: ERROR, then EXIT(2, code). */
static int
refuse(struct session *s, uint16_t err, const char *text, int code)
{
	char vis[4 * 256 + 1];

	/* text may hold the client's argv[0] or CWD: escape it for the log */
	log_info("%s: refused: %s", s->peerstr,
	    log_vis(vis, sizeof(vis), text, strlen(text)));
	s->cmd.running = 0;
	if (sess_send_error(s, err, text) == -1 ||
	    send_exit(s, EXIT_HOW_NOTSTARTED, code) == -1) {
		return -1;
	}
	return 0;
}

/* Arms the command's timers and says STARTED. */
static int
started(struct session *s, const struct wire_exec *e)
{
	struct command	*c = &s->cmd;
	uint8_t		 p[8];
	uint32_t	 window = c->child.in_fd == -1 ? 0 :
			    s->d->conf->stdin_window;
	long long	 t = e->has_timeout ? e->timeout_ms : 0;
	int		 max = s->d->conf->max_timeout_ms;

	if (max > 0 && (t == 0 || t > max)) {
		t = max;
	}
	c->deadline = t > 0 ? netio_now_ms() + t : 0;
	c->credit = window;
	wire_put32(p, (uint32_t)c->child.pid);
	wire_put32(p + 4, window);
	log_info("%s: key '%s' runs %s as pid %d", s->peerstr, s->key->id,
	    c->what, (int)c->child.pid);
	return sess_send(s, REC_STARTED, p, sizeof(p));
}

int
command_exec(struct session *s, const uint8_t *p, size_t len)
{
	struct command		*c = &s->cmd;
	struct wire_exec	*e = NULL;
	struct exec_plan	*plan = NULL;
	struct buf		 stdin_q;
	const char		*why;
	char			 msg[512];
	int			 code, rc;

	if (c->running) {
		log_info("%s: protocol error: EXEC while a command runs",
		    s->peerstr);
		return -1;
	}
	command_cleanup(s);	/* the previous one's, if EXEC came at once */
	stdin_q = c->stdin_q;		/* the one thing kept across commands */
	memset(c, 0, sizeof(*c));
	c->stdin_q = stdin_q;
	c->child.pidfd = c->child.in_fd = -1;
	c->child.out_fd = c->child.err_fd = -1;
	c->t_start_us = now_us();
	c->running = 1;
	if (s->shutting_down) {
		return refuse(s, ERR_SHUTDOWN, "rshd is stopping; no new "
		    "commands", 255);
	}
	if (wire_exec_decode(p, len, WIRE_TCP, &e, &why) != WIRE_OK) {
		return refuse(s, ERR_BAD_REQUEST, why, 255);
	}
	if ((e->flags & EXEC_FLAG_SHELL) && e->argc != 1) {
		rc = refuse(s, ERR_BAD_REQUEST, "SHELL takes exactly one ARG",
		    255);
		goto out;
	}
	if (policy_exec(s->key, e, msg, sizeof(msg)) == -1) {
		rc = refuse(s, ERR_DENIED, msg, 255);
		goto out;
	}
	if ((plan = exec_plan_new(e, &s->d->account, msg, sizeof(msg),
	    &code)) == NULL ||
	    exec_spawn(plan, &c->child, msg, sizeof(msg), &code) == -1) {
		rc = refuse(s, ERR_EXEC_FAILED, msg, code);
		goto out;
	}
	(void)log_vis(c->what, sizeof(c->what), e->argv[0],
	    strlen(e->argv[0]));
	rc = started(s, e);
out:
	exec_plan_free(plan);
	wire_exec_free(e);
	return rc;
}

/* Gives back what the child has consumed, in chunks worth a record. */
static int
grant(struct session *s)
{
	struct command	*c = &s->cmd;
	uint8_t		 p[4];

	if (c->ungranted == 0 || (c->stdin_q.len > 0 &&
	    c->ungranted < s->d->conf->stdin_window / 4)) {
		return 0;
	}
	wire_put32(p, (uint32_t)c->ungranted);
	c->credit += c->ungranted;
	c->ungranted = 0;
	return sess_send(s, REC_WINDOW, p, sizeof(p));
}

static void
close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* Feeds the child's stdin from the queue without blocking. */
static void
write_stdin(struct session *s)
{
	struct command *c = &s->cmd;

	while (c->stdin_q.len > 0 && c->child.in_fd != -1) {
		ssize_t w = write(c->child.in_fd, buf_data(&c->stdin_q),
		    c->stdin_q.len);

		if (w > 0) {
			buf_consume(&c->stdin_q, (size_t)w);
			c->ungranted += (uint64_t)w;
		} else if (w == -1 && errno == EINTR) {
			continue;
		} else if (w == -1 && errno == EAGAIN) {
			break;
		} else {
			/* It closed its stdin: discard, keep granting. */
			c->ungranted += c->stdin_q.len;
			buf_consume(&c->stdin_q, c->stdin_q.len);
			close_fd(&c->child.in_fd);
		}
	}
	if (c->stdin_eof && c->stdin_q.len == 0) {
		close_fd(&c->child.in_fd);
	}
}

int
command_stdin(struct session *s, const uint8_t *p, size_t len)
{
	struct command *c = &s->cmd;

	if (!c->running) {
		return 0;	/* in flight when the command ended */
	}
	if (c->stdin_eof || len > c->credit) {
		log_info("%s: protocol error: STDIN %s", s->peerstr,
		    c->stdin_eof ? "after STDIN_EOF" : "beyond the credit");
		return -1;
	}
	c->credit -= len;
	if (c->child.in_fd == -1) {
		c->ungranted += len;
	} else if (buf_append(&c->stdin_q, p, len) == -1) {
		return -1;	/* cannot happen: see the invariant */
	}
	write_stdin(s);
	return grant(s);
}

int
command_stdin_eof(struct session *s)
{
	if (s->cmd.running) {
		s->cmd.stdin_eof = 1;
		write_stdin(s);
	}
	return 0;
}

void
command_signal(struct session *s, uint8_t sig)
{
	static const int map[16] = { [WIRE_SIG_HUP] = SIGHUP,
	    [WIRE_SIG_INT] = SIGINT, [WIRE_SIG_QUIT] = SIGQUIT,
	    [WIRE_SIG_KILL] = SIGKILL, [WIRE_SIG_TERM] = SIGTERM };

	/* Until EXIT the leader is at worst a zombie: its pgid is ours. */
	if (s->cmd.running && s->cmd.child.pidfd != -1 && sig < 16 &&
	    map[sig] != 0) {
		log_debug("%s: signal %d to pid %d", s->peerstr, map[sig],
		    (int)s->cmd.child.pid);
		exec_signal(&s->cmd.child, map[sig]);
	}
}

void
command_pollfds(struct session *s, struct pollfd pfd[4])
{
	struct command	*c = &s->cmd;
	int		 room = c->running && s->out.len < SESS_OUT_HIGH;

	/* An fd we do not want events from is left out: a closed peer
	 * reports POLLHUP or POLLERR whatever we ask for. */
	pfd[0].fd = c->running && c->stdin_q.len > 0 ? c->child.in_fd : -1;
	pfd[0].events = POLLOUT;
	pfd[1].fd = room ? c->child.out_fd : -1;
	pfd[1].events = POLLIN;
	pfd[2].fd = room ? c->child.err_fd : -1;
	pfd[2].events = POLLIN;
	pfd[3].fd = c->running && !c->exited ? c->child.pidfd : -1;
	pfd[3].events = POLLIN;
	for (int i = 0; i < 4; i++) {
		pfd[i].revents = 0;
	}
}

/* Reads the child's output straight into sealed records. */
static int
read_output(struct session *s, int *fd, uint8_t type)
{
	while (*fd != -1 && s->out.len < SESS_OUT_HIGH) {
		uint8_t	*rec;
		ssize_t	 r;
		long	 n;

		if ((rec = buf_reserve(&s->out, WIRE_MAXPAYLOAD +
		    WIRE_OVERHEAD)) == NULL) {
			return -1;
		}
		r = read(*fd, rec + WIRE_PAYLOADOFF, WIRE_MAXPAYLOAD);
		if (r > 0) {
			if ((n = wire_seal(s->tx, type, rec, (size_t)r)) == -1) {
				return -1;
			}
			if (s->cmd.exited) {
				s->cmd.read_after_exit += (uint64_t)r;
			}
			buf_commit(&s->out, (size_t)n);
		} else if (r == -1 && errno == EINTR) {
			continue;
		} else if (r == -1 && errno == EAGAIN) {
			break;
		} else {
			close_fd(fd);
		}
	}
	return 0;
}

/* How many bytes the pipe holds unread. */
static uint64_t
pipe_pending(int fd)
{
	int n = 0;

	return fd != -1 && ioctl(fd, FIONREAD, &n) == 0 && n > 0 ?
	    (uint64_t)n : 0;
}

/* Stops the command: TERM now, KILL after the grace period. */
static void
stop(struct session *s)
{
	struct command *c = &s->cmd;

	c->stopping = 1;
	exec_signal(&c->child, SIGTERM);
	exec_signal(&c->child, SIGCONT);
	c->kill_at = netio_now_ms() + s->d->conf->kill_grace_ms;
}

static int
timers(struct session *s)
{
	struct command	*c = &s->cmd;
	long long	 now = netio_now_ms();
	char		 text[128];

	if (c->deadline != 0 && !c->exited && !c->stopping &&
	    now >= c->deadline) {
		snprintf(text, sizeof(text), "the command ran past its time "
		    "limit of %lld ms",
		    c->deadline - (long long)(c->t_start_us / 1000));
		log_info("%s: pid %d: %s", s->peerstr, (int)c->child.pid,
		    text);
		stop(s);
		if (sess_send_error(s, ERR_TIMEOUT, text) == -1) {
			return -1;
		}
	}
	if (c->kill_at != 0 && now >= c->kill_at) {
		/* Its group too, when the leader died of TERM and others not. */
		if (!c->exited || exec_group_alive(&c->child)) {
			exec_signal(&c->child, SIGKILL);
		}
		c->kill_at = 0;
	}
	if (c->exited && now >= c->drain_until &&
	    (c->child.out_fd != -1 || c->child.err_fd != -1)) {
		if (c->read_after_exit < c->owed) {
			/* What the command itself wrote comes first in the
			 * pipes and is never cut, however slow the client; a
			 * background writer cannot extend this. */
			c->drain_until = now + (s->d->conf->drain_grace_ms > 10 ?
			    s->d->conf->drain_grace_ms : 10);
			return 0;
		}
		close_fd(&c->child.out_fd);
		close_fd(&c->child.err_fd);
		return sess_send_error(s, ERR_OUTPUT_CUT, "a background "
		    "process kept the command's output open");
	}
	return 0;
}

/* EXIT once the command has exited and its output is drained. */
static int
finish(struct session *s)
{
	struct command *c = &s->cmd;

	if (!c->exited || c->child.out_fd != -1 || c->child.err_fd != -1) {
		return 0;
	}
	log_info("%s: pid %d %s %d after %.3f s", s->peerstr,
	    (int)c->child.pid, c->how == EXIT_HOW_SIGNALED ?
	    "killed by signal" : "exited with status", c->code,
	    (double)(now_us() - c->t_start_us) / 1e6);
	buf_consume(&c->stdin_q, c->stdin_q.len);
	c->running = 0;
	c->cleanup = 1;		/* once EXIT is on its way: command_cleanup() */
	if (s->shutting_down) {
		s->draining = 1;
	}
	return send_exit(s, c->how, c->code);
}

void
command_cleanup(struct session *s)
{
	struct command *c = &s->cmd;

	if (!c->cleanup) {
		return;
	}
	c->cleanup = 0;
	/* Without the zombie leader, an empty group answers ESRCH at once:
	 * the /proc walk is left for groups that really have survivors. */
	exec_release(&c->child);
	if ((c->stopping || c->child.in_fd != -1) &&
	    exec_group_alive(&c->child)) {
		/* A command stopped for its time limit or a shutdown goes
		 * with its whole group.  And stdin ends only by STDIN_EOF: a
		 * background process reading it must not see end of file
		 * (and run half a line) now. */
		log_info("%s: pid %d is gone; stopping the processes left in "
		    "its group", s->peerstr, (int)c->child.pid);
		exec_terminate(&c->child, s->d->conf->kill_grace_ms);
	}
	exec_close(&c->child);
}

int
command_events(struct session *s, const struct pollfd pfd[4])
{
	struct command *c = &s->cmd;

	if (!c->running) {
		return 0;
	}
	if (pfd[0].revents != 0) {
		write_stdin(s);
	}
	if ((pfd[1].revents != 0 &&
	    read_output(s, &c->child.out_fd, REC_STDOUT) == -1) ||
	    (pfd[2].revents != 0 &&
	    read_output(s, &c->child.err_fd, REC_STDERR) == -1)) {
		return -1;
	}
	if (pfd[3].revents != 0 &&
	    exec_reap(&c->child, &c->how, &c->code) == 1) {
		c->exited = 1;
		c->drain_until = netio_now_ms() + s->d->conf->drain_grace_ms;
		c->owed = pipe_pending(c->child.out_fd) +
		    pipe_pending(c->child.err_fd);
	}
	if (timers(s) == -1 || grant(s) == -1) {
		return -1;
	}
	return finish(s);
}

int
command_timeout(const struct session *s)
{
	const struct command	*c = &s->cmd;
	long long		 t[3] = { 0, 0, 0 }, next = 0;
	long long		 now = netio_now_ms();

	if (!c->running) {
		return -1;
	}
	if (!c->exited && !c->stopping) {
		t[0] = c->deadline;
	}
	t[1] = c->kill_at;
	if (c->exited && (c->child.out_fd != -1 || c->child.err_fd != -1)) {
		t[2] = c->drain_until;
	}
	for (int i = 0; i < 3; i++) {
		if (t[i] != 0 && (next == 0 || t[i] < next)) {
			next = t[i];
		}
	}
	if (next == 0) {
		return -1;
	}
	/* A time limit of weeks must not overflow poll()'s int. */
	return next <= now ? 0 : next - now > INT_MAX ? INT_MAX :
	    (int)(next - now);
}

int
command_shutdown(struct session *s)
{
	struct command *c = &s->cmd;

	if (!c->running) {
		s->draining = 1;
		return 0;
	}
	if (!c->exited && !c->stopping) {
		stop(s);
		return sess_send_error(s, ERR_SHUTDOWN,
		    "rshd is stopping; the command is being terminated");
	}
	return 0;
}

void
command_abort(struct session *s)
{
	struct command *c = &s->cmd;

	if (c->child.pidfd != -1) {
		log_info("%s: connection ended; stopping pid %d", s->peerstr,
		    (int)c->child.pid);
	}
	exec_terminate(&c->child, s->d->conf->kill_grace_ms);
	c->running = 0;
}
