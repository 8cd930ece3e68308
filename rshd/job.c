/*
 * job: one command from spawn to the end of its process group.
 *
 * The stdin credit is an invariant: credit + queued + ungranted is the
 * window, so the stdin queue never outgrows the window and the carrier can
 * always read its peer (a SIGNAL is never stuck behind data).
 *
 * After exit the leader stays a zombie until the group is confirmed gone:
 * while it is one, its pid is the group's id and no one else can take it,
 * so signalling the group stays safe.  Whether the group still has a
 * member is asked of pgroup (one shared walk of /proc) when a timer fires,
 * with growing intervals, never in a loop.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "netio.h"
#include "wire.h"

#include "audit.h"
#include "exec.h"
#include "job.h"
#include "priv.h"
#include "privmsg.h"

#define CHECK_FIRST_MS	10	/* first look at a stopping group */
#define CHECK_MAX_MS	500	/* the intervals double up to this */
#define GIVEUP_MS	2000	/* after KILL: a process in D state */
#define SIBLING_MS	1000	/* the most a starting sibling extends a
				 * drain by (exec_starting) */

/* What the stop sequence after exit or abort stops. */
enum {
	STOP_NONE,	/* nothing: reap the leader and close */
	STOP_GROUP,	/* the whole group, on a terminal the session (time
			 * limit, shutdown, abort) */
	STOP_HOLDERS	/* only what still holds the command's stdin */
};

#define MAXHOLDERS	64	/* signalled per look; the rest next time */

enum job_state {
	JOB_NEW,	/* not started */
	JOB_RUNNING,	/* started; the sink has not heard exited() */
	JOB_STOPPING,	/* exited() said, or aborted: the group goes */
	JOB_DONE	/* nothing left */
};

struct job {
	const struct job_sink	*sink;		/* NULL once aborted */
	void			*ctx;
	struct job_limits	 lim;
	char			 tag[NETIO_ADDRSTRMAX];
	enum job_state		 state;
	struct child		 child;
	uint64_t		 t_start_us;
	uint64_t		 credit;	/* STDIN bytes the peer may send */
	uint64_t		 ungranted;	/* written to the child, not granted */
	struct buf		 stdin_q;	/* STDIN waiting for the child */
	int			 stdin_eof;
	int			 how, code;
	long long		 exited_at;	/* when the leader's exit was seen */
	long long		 deadline;	/* time limit; 0: none */
	long long		 drain_until;	/* after exit: output grace */
	long long		 kill_at;	/* after TERM: when to KILL */
	long long		 shutdown_at;	/* ShutdownGrace ends; 0: none */
	int			 stopping;	/* TERM sent */
	uint64_t		 owed;		/* output in the pipes at exit */
	uint64_t		 read_after_exit;
	/* The stop sequence after exit or abort. */
	int			 must_stop;	/* STOP_*: what goes */
	ino_t			 stdin_ino;	/* its stdin pipe, for STOP_HOLDERS */
	long long		 check_at;	/* next look at the group */
	long long		 check_step;
	long long		 last_look;	/* the group may have changed since */
	long long		 giveup_at;	/* after KILL */
	int			 cgroup;	/* it has a cgroup of its own */
	struct audit_rec	*audit;
	int			 audited;	/* its line is written */
	uint64_t		 bytes_in, bytes_out;
};

static void
close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

struct job *
job_new(const struct job_sink *sink, void *ctx, const struct job_limits *lim,
    const char *tag, uint64_t t_start_us)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		return NULL;
	}
	if (buf_init(&j->stdin_q, 0, lim->stdin_window) == -1) {
		free(j);
		return NULL;
	}
	j->sink = sink;
	j->ctx = ctx;
	j->lim = *lim;
	(void)strlcpy(j->tag, tag, sizeof(j->tag));
	j->child.pidfd = j->child.in_fd = -1;
	j->child.out_fd = j->child.err_fd = -1;
	j->t_start_us = t_start_us;
	return j;
}

/* The audit line, once: refused is the refusal's text, or NULL. */
static void
audit(struct job *j, int how, int code, const char *refused)
{
	struct audit_end e;

	if (j->audit != NULL && !j->audited) {
		j->audited = 1;
		memset(&e, 0, sizeof(e));
		e.pid = refused != NULL ? 0 : j->child.pid;
		e.how = how;
		e.code = code;
		e.refused = refused;
		e.elapsed_us = netio_now_us() - j->t_start_us;
		e.bytes_in = j->bytes_in;
		e.bytes_out = j->bytes_out;
		if (refused == NULL && j->child.exited) {
			e.cpu_us = j->child.cpu_us;
			e.maxrss_kib = j->child.maxrss_kib;
		}
		audit_rec_write(j->audit, &e);
	}
}

static int
report_exit(struct job *j, int how, int code)
{
	audit(j, how, code, NULL);
	if (j->sink == NULL) {
		return 0;
	}
	return j->sink->exited(j->ctx, how, code, netio_now_us() - j->t_start_us);
}

void
job_set_audit(struct job *j, struct audit_rec *r)
{
	audit_rec_free(j->audit);
	j->audit = r;
}

struct audit_rec *
job_audit(struct job *j)
{
	return j->audit;
}

static int
report_error(struct job *j, uint16_t err, const char *text)
{
	return j->sink == NULL ? 0 : j->sink->error(j->ctx, err, text);
}

int
job_refuse(struct job *j, uint16_t err, const char *text, int code)
{
	char vis[4 * 256 + 1];

	/* text may hold the client's argv[0] or CWD: escape it for the log */
	log_info("%s: refused: %s", j->tag,
	    log_vis(vis, sizeof(vis), text, strlen(text)));
	j->state = JOB_DONE;
	audit(j, EXIT_HOW_NOTSTARTED, code, text);
	if (report_error(j, err, text) == -1) {
		return -1;
	}
	return report_exit(j, EXIT_HOW_NOTSTARTED, code);
}

/*
 * The start record, so that a command that never ends (or rshd's crash)
 * still leaves a trace.  -1 when it could not be written and the limits
 * say no command runs unrecorded, with the refusal's text in msg.
 */
static int
audit_start(struct job *j, char *msg, size_t msglen)
{
	char why[128] = "out of memory";

	if (j->audit != NULL) {
		if (audit_rec_start(j->audit, why, sizeof(why)) == 0) {
			return 0;
		}
	} else if (!audit_enabled()) {
		/* AuditRequired came with a reload; AuditLog did not. */
		snprintf(why, sizeof(why), "no AuditLog is open; opening one "
		    "takes a restart");
	}
	if (!j->lim.audit_required) {
		return 0;
	}
	snprintf(msg, msglen, "the audit log cannot record the command (%s) "
	    "and the server requires it (AuditRequired); nothing was run",
	    why);
	return -1;
}

/* The plan the privileged part made, for the audit record. */
static void
audit_plan(struct job *j, const struct priv_plan *plan)
{
	audit_rec_account(j->audit, plan->account);
	if (plan->forced[0] != '\0') {
		audit_rec_forced(j->audit, plan->forced);
	}
	audit_rec_cwd(j->audit, plan->cwd);
}

/* Started: the sink hears it. */
static int
started(struct job *j)
{
	struct stat	st;
	uint32_t	window;

	j->state = JOB_RUNNING;
	/* A terminal's holders are not looked for: its hangup ends them. */
	if (!j->child.pty && j->child.in_fd != -1 &&
	    fstat(j->child.in_fd, &st) == 0) {
		j->stdin_ino = st.st_ino;
	}
	window = j->child.in_fd == -1 ? 0 : j->lim.stdin_window;
	j->credit = window;
	j->deadline = j->lim.time_limit_ms > 0 ?
	    netio_now_ms() + j->lim.time_limit_ms : 0;
	return j->sink->started(j->ctx, j->child.pid, window);
}

/* What was planned, after its start record. */
static int
start_planned(struct job *j)
{
	char	msg[512];
	int	code;

	if (audit_start(j, msg, sizeof(msg)) == -1) {
		return job_refuse(j, ERR_INTERNAL, msg, 255);
	}
	/* The time limit covers the start too: one that hangs (a hung file
	 * system under its directory or program) is killed when it expires,
	 * and fails with 255; the limit of a command that started is counted
	 * from then, as PROTOCOL.md says. */
	if (priv_start(j->lim.time_limit_ms, &j->child, &j->cgroup, msg,
	    sizeof(msg), &code) == -1) {
		return job_refuse(j, ERR_EXEC_FAILED, msg, code);
	}
	return started(j);
}

int
job_run(struct job *j, const struct priv_ask *a)
{
	struct priv_plan	plan;
	struct priv_refusal	no;
	int			planned;

	if (j->lim.audit_required) {
		/* No command runs unrecorded: judged, then its start record
		 * written, then started. */
		if (priv_prepare(a, &plan, &no) == -1) {
			return job_refuse(j, no.err, no.msg, no.code);
		}
		audit_plan(j, &plan);
		return start_planned(j);
	}
	/* Nothing to wait for between the two: judged and started in one
	 * request, and its start record (whose failure refuses nothing
	 * here) written next. */
	if (priv_run(a, j->lim.time_limit_ms, &plan, &planned, &j->child,
	    &j->cgroup, &no) == -1) {
		if (planned) {
			audit_plan(j, &plan);
		}
		return job_refuse(j, no.err, no.msg, no.code);
	}
	audit_plan(j, &plan);
	(void)audit_start(j, no.msg, sizeof(no.msg));
	return started(j);
}

/* Gives back what the child has consumed, in chunks worth a record. */
static int
grant(struct job *j)
{
	uint32_t more;

	if (j->ungranted == 0 || (j->stdin_q.len > 0 &&
	    j->ungranted < j->lim.stdin_window / 4)) {
		return 0;
	}
	more = (uint32_t)j->ungranted;	/* never above the window */
	j->credit += j->ungranted;
	j->ungranted = 0;
	if (j->sink == NULL || j->sink->window == NULL) {
		return 0;
	}
	return j->sink->window(j->ctx, more);
}

/*
 * Writes what it can of p[0..len) into the child's stdin without blocking
 * and counts it consumed: how many bytes were taken.  A child that closed
 * its stdin takes everything (discarded, still granted).
 */
static size_t
feed(struct job *j, const uint8_t *p, size_t len)
{
	size_t done = 0;

	while (done < len && j->child.in_fd != -1) {
		ssize_t w = write(j->child.in_fd, p + done, len - done);

		if (w > 0) {
			done += (size_t)w;
		} else if (w == -1 && errno == EINTR) {
			continue;
		} else if (w == -1 && errno == EAGAIN) {
			break;
		} else {
			/* It closed its stdin: discard, keep granting. */
			close_fd(&j->child.in_fd);
		}
	}
	if (j->child.in_fd == -1) {
		done = len;
	}
	j->ungranted += done;
	return done;
}

/* Feeds the child's stdin from the queue without blocking. */
static void
write_stdin(struct job *j)
{
	if (j->stdin_q.len > 0) {
		buf_consume(&j->stdin_q, feed(j, buf_data(&j->stdin_q),
		    j->stdin_q.len));
	}
	if (j->stdin_eof && j->stdin_q.len == 0) {
		close_fd(&j->child.in_fd);
	}
}

int
job_stdin(struct job *j, const uint8_t *p, size_t len)
{
	size_t done = 0;

	if (j->state != JOB_RUNNING) {
		return 0;	/* in flight when the command ended */
	}
	if (j->stdin_eof || len > j->credit) {
		log_info("%s: protocol error: STDIN %s", j->tag,
		    j->stdin_eof ? "after STDIN_EOF" : "beyond the credit");
		return -1;
	}
	j->credit -= len;
	j->bytes_in += len;
	/* Straight from the record into the pipe when nothing waits
	 * before it: only what the pipe cannot take now is copied. */
	if (j->stdin_q.len == 0) {
		done = feed(j, p, len);
	}
	if (done < len && buf_append(&j->stdin_q, p + done, len - done) == -1) {
		return -1;	/* cannot happen: see the invariant */
	}
	/* The credit goes back in job_events, once for all the records
	 * that one read of the socket brought: one WINDOW, not one each. */
	return 0;
}

void
job_stdin_eof(struct job *j)
{
	if (j->state == JOB_RUNNING) {
		j->stdin_eof = 1;
		write_stdin(j);
	}
}

void
job_resize(struct job *j, uint16_t rows, uint16_t cols)
{
	if (j->state == JOB_RUNNING && !j->child.exited) {
		exec_resize(&j->child, rows, cols);
	}
}

void
job_signal(struct job *j, int sig)
{
	/* Until exit is reported the leader is at worst a zombie: its pgid
	 * is ours. */
	if (j->state == JOB_RUNNING) {
		log_debug("%s: signal %d to pid %d", j->tag, sig,
		    (int)j->child.pid);
		priv_signal(&j->child, sig, 0);
	}
}

/*
 * What a stop signals: the command's group and, on a terminal, its whole
 * session, since an interactive shell puts each of its jobs in a group of
 * its own (the leader's pid, kept a zombie, is the session's id too); and
 * KILL, with a cgroup, to everything the command started.
 */
static void
signal_all(const struct job *j, int sig)
{
	priv_signal(&j->child, sig, (j->child.pty ? PRIV_SIG_SESSION : 0) |
	    (sig == SIGKILL && j->cgroup ? PRIV_SIG_CGROUP : 0));
}

/* TERM now (and CONT: a stopped process must see it), KILL later. */
static void
stop(struct job *j)
{
	j->stopping = 1;
	signal_all(j, SIGTERM);
	signal_all(j, SIGCONT);
	j->kill_at = netio_now_ms() + j->lim.kill_grace_ms;
}

int
job_shutdown(struct job *j, int grace_ms)
{
	char text[128];

	if (j->state != JOB_RUNNING || j->stopping || j->shutdown_at != 0) {
		return 0;
	}
	if (j->child.exited) {
		/* Its output still waits for a slow client: what is left of
		 * its group must not outlive rshd, and gets no grace. */
		log_info("%s: pid %d has exited; stopping what is left of its "
		    "group", j->tag, (int)j->child.pid);
		stop(j);
		return 0;
	}
	if (grace_ms > 0) {
		j->shutdown_at = netio_now_ms() + grace_ms;
		snprintf(text, sizeof(text), "rshd is stopping; the command "
		    "has %d ms to finish before it is terminated", grace_ms);
		return report_error(j, ERR_SHUTDOWN, text);
	}
	stop(j);
	return report_error(j, ERR_SHUTDOWN,
	    "rshd is stopping; the command is being terminated");
}

/* From now on the group is stopped by timers; the next look is due now. */
static void
begin_stopping(struct job *j, int must_stop)
{
	long long now = netio_now_ms();

	j->state = JOB_STOPPING;
	j->must_stop = must_stop;
	j->check_at = now;
	j->check_step = CHECK_FIRST_MS;
	j->last_look = j->child.exited ? j->exited_at : now;
	if (j->stopping && j->kill_at == 0) {
		/* KILL went out while it ran: what is left gets its time. */
		j->giveup_at = now + GIVEUP_MS;
	}
}

void
job_abort(struct job *j)
{
	j->sink = NULL;
	if (j->state == JOB_NEW) {
		j->state = JOB_DONE;
	}
	if (j->state != JOB_RUNNING) {
		return;
	}
	log_info("%s: connection ended; stopping pid %d", j->tag,
	    (int)j->child.pid);
	/* No one reads the output any more: writers get EPIPE.  Stdin stays
	 * open until the group is gone (no half script ever runs). */
	close_fd(&j->child.out_fd);
	close_fd(&j->child.err_fd);
	/* A terminal whose user has gone is hung up, as sshd's is: an
	 * interactive shell ignores TERM but leaves on HUP, and passes it
	 * to the jobs it started in groups of their own. */
	if (j->child.pty && !j->child.exited) {
		signal_all(j, SIGHUP);
	}
	if (!j->child.exited && !j->stopping) {
		stop(j);
	}
	begin_stopping(j, STOP_GROUP);
}

void
job_pollfds(const struct job *j, struct pollfd *pfd)
{
	int running = j->state == JOB_RUNNING;
	int room = running && j->sink != NULL && j->sink->room(j->ctx);

	/* An fd we do not want events from is left out: a closed peer
	 * reports POLLHUP or POLLERR whatever we ask for. */
	pfd[0].fd = running && j->stdin_q.len > 0 ? j->child.in_fd : -1;
	pfd[0].events = POLLOUT;
	pfd[1].fd = room ? j->child.out_fd : -1;
	pfd[1].events = POLLIN;
	pfd[2].fd = room ? j->child.err_fd : -1;
	pfd[2].events = POLLIN;
	pfd[3].fd = (running || j->state == JOB_STOPPING) &&
	    !j->child.exited ? j->child.pidfd : -1;
	pfd[3].events = POLLIN;
	for (int i = 0; i < JOB_NPOLL; i++) {
		pfd[i].revents = 0;
	}
}

/* Reads the child's output into the sink's room. */
static int
read_output(struct job *j, int *fd, enum job_stream stream)
{
	while (*fd != -1 && j->sink->room(j->ctx)) {
		uint8_t	*p;
		size_t	 room = WIRE_MAXPAYLOAD;
		ssize_t	 r;

		if ((p = j->sink->reserve(j->ctx, stream, &room)) == NULL) {
			break;
		}
		r = read(*fd, p, room);
		if (r > 0) {
			if (j->child.exited) {
				j->read_after_exit += (uint64_t)r;
			}
			j->bytes_out += (uint64_t)r;
			if (j->sink->commit(j->ctx, stream, p,
			    (size_t)r) == -1) {
				return -1;
			}
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

/* What the stop after exit stops (finish): the whole group when it was
 * stopped, what holds its stdin when that is still open, else nothing. */
static int
stop_after_exit(const struct job *j)
{
	return j->stopping ? STOP_GROUP : j->child.in_fd != -1 &&
	    !j->child.pty ? STOP_HOLDERS : STOP_NONE;
}

/* The leader's exit, when the pidfd says it came. */
static void
leader_exited(struct job *j)
{
	/* Its output all read and nothing to stop after it: this exit ends
	 * the job (finish, then done, with no signal or look between), so
	 * the privileged part may let it go with its answer, and no CLOSE
	 * follows. */
	int last = j->state == JOB_RUNNING && j->child.out_fd == -1 &&
	    j->child.err_fd == -1 && stop_after_exit(j) == STOP_NONE;
	int r = priv_reap(&j->child, &j->how, &j->code, last);

	if (r == 0) {
		return;
	}
	if (r == -1) {
		/* Reaped by someone else: its pid may be anyone's now, so
		 * the group is never signalled or looked for again. */
		log_err("%s: lost the exit status of pid %d", j->tag,
		    (int)j->child.pid);
		j->child.exited = 1;
		j->child.pid = 0;
		j->how = EXIT_HOW_EXITED;
		j->code = 255;
		j->stopping = 0;
		j->kill_at = 0;
	}
	j->exited_at = netio_now_ms();
	j->drain_until = j->exited_at + j->lim.drain_grace_ms;
	j->owed = pipe_pending(j->child.out_fd) +
	    pipe_pending(j->child.err_fd);
}

/* The time limit, KILL after TERM, and the end of the drain. */
static int
running_timers(struct job *j)
{
	long long	now = netio_now_ms();
	char		text[128];

	if (j->deadline != 0 && !j->child.exited && !j->stopping &&
	    now >= j->deadline) {
		snprintf(text, sizeof(text), "the command ran past its time "
		    "limit of %lld ms", j->lim.time_limit_ms);
		log_info("%s: pid %d: %s", j->tag, (int)j->child.pid, text);
		stop(j);
		if (report_error(j, ERR_TIMEOUT, text) == -1) {
			return -1;
		}
	}
	if (j->shutdown_at != 0 && !j->child.exited && !j->stopping &&
	    now >= j->shutdown_at) {
		log_info("%s: pid %d: ShutdownGrace is over", j->tag,
		    (int)j->child.pid);
		stop(j);
		if (report_error(j, ERR_SHUTDOWN, "rshd is stopping; the "
		    "command is being terminated") == -1) {
			return -1;
		}
	}
	if (j->kill_at != 0 && now >= j->kill_at) {
		/* The group too, when the leader died of TERM and others not:
		 * its zombie keeps the group id ours. */
		signal_all(j, SIGKILL);
		j->kill_at = 0;
	}
	if (j->child.exited && now >= j->drain_until &&
	    (j->child.out_fd != -1 || j->child.err_fd != -1)) {
		/* On a loaded machine this thread may not have run for the
		 * whole grace: one look at the pipes before calling anything
		 * cut (a 500-command burst under ASan once cut `true`). */
		if (read_output(j, &j->child.out_fd, JOB_STDOUT) == -1 ||
		    read_output(j, &j->child.err_fd, JOB_STDERR) == -1) {
			return -1;
		}
		if (j->child.out_fd == -1 && j->child.err_fd == -1) {
			return 0;
		}
		if (j->read_after_exit < j->owed) {
			/* What the command itself wrote comes first in the
			 * pipes and is never cut, however slow the client; a
			 * background writer cannot extend this. */
			j->drain_until = now + (j->lim.drain_grace_ms > 10 ?
			    j->lim.drain_grace_ms : 10);
			return 0;
		}
		if (priv_starting() > 0 &&
		    now - j->exited_at < j->lim.drain_grace_ms + SIBLING_MS) {
			/* Another command's child, not yet past its first
			 * system calls (a loaded machine may not run it for
			 * a while), may hold a copy of the write end: it
			 * closes it before anything else. */
			j->drain_until = now + 10;
			return 0;
		}
		close_fd(&j->child.out_fd);
		close_fd(&j->child.err_fd);
		return report_error(j, ERR_OUTPUT_CUT, "a background "
		    "process kept the command's output open");
	}
	return 0;
}

/* Exit once the leader has exited and its output is drained. */
static int
finish(struct job *j)
{
	if (!j->child.exited || j->child.out_fd != -1 ||
	    j->child.err_fd != -1) {
		return 0;
	}
	log_info("%s: pid %d %s %d after %.3f s", j->tag, (int)j->child.pid,
	    j->how == EXIT_HOW_SIGNALED ? "killed by signal" :
	    "exited with status", j->code,
	    (double)(netio_now_us() - j->t_start_us) / 1e6);
	buf_consume(&j->stdin_q, j->stdin_q.len);
	/* A command stopped for its time limit or a shutdown goes with its
	 * whole group.  And stdin ends only by STDIN_EOF: a process that
	 * still holds it must not see end of file (and run half a line)
	 * now, so those go; a background job that holds none of it stays.
	 * The look waits for the next turn of the loop, so that exit is on
	 * its way first. */
	begin_stopping(j, stop_after_exit(j));
	return report_exit(j, j->how, j->code);
}

static void
done(struct job *j)
{
	/* Aborted before its exit was heard: its end is still recorded. */
	audit(j, j->child.exited ? j->how : EXIT_HOW_SIGNALED,
	    j->child.exited ? j->code : SIGKILL, NULL);
	priv_close(&j->child);
	j->state = JOB_DONE;
}

/* Signals what the stop is about: the group, or the stdin holders. */
static void
stop_signal(struct job *j, int sig, const pid_t *pids, int n)
{
	if (j->must_stop != STOP_HOLDERS) {
		signal_all(j, sig);
		return;
	}
	for (int i = 0; i < n && i < MAXHOLDERS; i++) {
		priv_signal_holder(&j->child, pids[i], j->stdin_ino, sig);
		if (sig == SIGTERM) {
			priv_signal_holder(&j->child, pids[i], j->stdin_ino,
			    SIGCONT);
		}
	}
}

/* How many processes the stop still waits for (pids: up to MAXHOLDERS
 * of the holders), after a look at the group. */
static int
still_there(struct job *j, pid_t *pids)
{
	/* No pidfd: the privileged part let it go with its exit (an
	 * abort may still come between that and here). */
	if (j->must_stop == STOP_NONE || j->child.pid == 0 ||
	    j->child.pidfd == -1) {
		return 0;
	}
	if (j->must_stop == STOP_HOLDERS) {
		return priv_holders(&j->child, j->stdin_ino, pids,
		    MAXHOLDERS);
	}
	/* What left the group (setsid) is still in the cgroup. */
	if (j->cgroup && priv_populated(&j->child) == 1) {
		return 1;
	}
	return priv_has_runner(&j->child, j->last_look, j->child.pty);
}

/* One look at a stopping group, and what follows from it. */
static void
stopping_timers(struct job *j)
{
	long long	now = netio_now_ms();
	pid_t		pids[MAXHOLDERS] = { 0 };
	int		n;

	if (j->giveup_at != 0 && now >= j->giveup_at) {
		log_warn("%s: processes of group %d survive KILL; leaving "
		    "them", j->tag, (int)j->child.pid);
		done(j);
		return;
	}
	if (now < j->check_at && (j->kill_at == 0 || now < j->kill_at)) {
		return;
	}
	if (!j->child.exited) {
		n = -1;		/* aborted while it ran: it is signalled */
	} else if ((n = still_there(j, pids)) == 0) {
		done(j);
		return;
	}
	if (j->kill_at != 0 && now >= j->kill_at) {
		stop_signal(j, SIGKILL, pids, n);
		j->kill_at = 0;
		j->giveup_at = now + GIVEUP_MS;
		j->check_step = CHECK_FIRST_MS;
	} else if (n > 0 && !j->stopping) {
		log_info("%s: pid %d is gone; stopping %s", j->tag,
		    (int)j->child.pid, j->must_stop == STOP_HOLDERS ?
		    "what still holds its standard input" :
		    "the processes left in its group");
		j->stopping = 1;
		stop_signal(j, SIGTERM, pids, n);
		j->kill_at = now + j->lim.kill_grace_ms;
	}
	j->last_look = now;
	j->check_at = now + j->check_step;
	j->check_step = j->check_step * 2 > CHECK_MAX_MS ? CHECK_MAX_MS :
	    j->check_step * 2;
}

int
job_events(struct job *j, const struct pollfd *pfd)
{
	if (j->state == JOB_STOPPING) {
		if (pfd[3].revents != 0 && !j->child.exited) {
			leader_exited(j);
			j->last_look = j->exited_at;
			j->check_at = j->exited_at;
		}
		stopping_timers(j);
		return 0;
	}
	if (j->state != JOB_RUNNING) {
		return 0;
	}
	if (pfd[0].revents != 0) {
		write_stdin(j);
	}
	if ((pfd[1].revents != 0 &&
	    read_output(j, &j->child.out_fd, JOB_STDOUT) == -1) ||
	    (pfd[2].revents != 0 &&
	    read_output(j, &j->child.err_fd, JOB_STDERR) == -1)) {
		return -1;
	}
	if (pfd[3].revents != 0) {
		leader_exited(j);
	}
	if (running_timers(j) == -1 || grant(j) == -1) {
		return -1;
	}
	return finish(j);
}

static long long
earliest(long long a, long long b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

int
job_timeout(const struct job *j)
{
	long long	next = 0, now = netio_now_ms();

	if (j->state == JOB_RUNNING) {
		if (!j->child.exited && !j->stopping) {
			next = earliest(j->deadline, j->shutdown_at);
		}
		next = earliest(next, j->kill_at);
		if (j->child.exited && (j->child.out_fd != -1 ||
		    j->child.err_fd != -1)) {
			next = earliest(next, j->drain_until);
		}
	} else if (j->state == JOB_STOPPING) {
		next = earliest(earliest(j->check_at, j->kill_at),
		    j->giveup_at);
	}
	if (next == 0) {
		return -1;
	}
	/* A time limit of weeks must not overflow poll()'s int. */
	return next <= now ? 0 : next - now > INT_MAX ? INT_MAX :
	    (int)(next - now);
}

int
job_running(const struct job *j)
{
	return j->state == JOB_NEW || j->state == JOB_RUNNING;
}

int
job_done(const struct job *j)
{
	return j->state == JOB_DONE;
}

pid_t
job_pid(const struct job *j)
{
	return j->child.pid;
}

void
job_free(struct job *j)
{
	struct pollfd pfd[JOB_NPOLL];

	if (j == NULL) {
		return;
	}
	job_abort(j);
	/* Only an owner on its way out gets here with a job not done:
	 * drive the stop sequence to its end. */
	while (j->state != JOB_DONE) {
		job_pollfds(j, pfd);
		(void)poll(pfd, JOB_NPOLL, job_timeout(j));
		(void)job_events(j, pfd);
	}
	buf_free(&j->stdin_q);
	audit_rec_free(j->audit);
	free(j);
}
