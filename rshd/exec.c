/*
 * exec: starting one command with pipes, reaping through a pidfd.
 *
 * The child shares rshd's memory until it execs, beside rshd's other
 * threads, so it makes nothing but system calls: the plan holds every
 * string and array it needs, built in the parent.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/close_range.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"
#include "wire.h"

#include "exec.h"
#include "plan.h"
#include "pty.h"
#include "reaper.h"

#define EXEC_PIPESIZE	(1 << 20)	/* fewer wakeups on bulk output */

/* Held while a command's ends of its pipes or terminal exist here. */
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;

enum { STAGE_SETSID = 1, STAGE_DUP, STAGE_TTY, STAGE_LIMITS, STAGE_IDS,
	STAGE_CHDIR, STAGE_EXEC, STAGE_CGROUP, STAGE_SIGNALS, STAGE_NNP };

/* What the child tells the parent when it cannot exec. */
struct exec_failure {
	int	stage;
	int	err;
};

/*
 * What the child works from.  It shares rshd's memory (CLONE_VM) while the
 * spawning thread waits (CLONE_VFORK): it reads the plan in place and
 * writes its failure here for the parent to read once it resumes.
 */
struct spawn_args {
	const struct exec_plan	*p;
	int			 fds[3];	/* its stdin, stdout, stderr */
	int			 cgfd;		/* cgroup.procs or -1 */
	struct exec_failure	 f;		/* stage 0: it exec'd */
};

#define SPAWN_STACK	(64 * 1024)	/* the child calls no library code */

/*
 * The child, from clone() to execve().  It runs on its own stack in rshd's
 * address space, beside rshd's other threads, so it makes system calls
 * only, each by number: no libc wrapper that keeps state (glibc's setuid()
 * would change every rshd thread's credentials, and the sanitizers'
 * interceptors would run in it), no allocation, no instrumentation.
 */
#define CHILD	__attribute__((noreturn, no_sanitize_address))

/* In the child: leave the reason for the parent, then die. */
static void CHILD
child_fail(struct spawn_args *a, int stage)
{
	a->f.err = errno;
	a->f.stage = stage;
	syscall(SYS_exit_group, 127);
	for (;;) {
	}
}

/* dup2() as dup3() (the one every architecture has), which cannot make
 * an fd its own copy: there only its close-on-exec flag is cleared. */
__attribute__((no_sanitize_address)) static long
child_dup(int from, int to)
{
	if (from == to) {
		return syscall(SYS_fcntl, to, F_SETFD, 0);
	}
	return syscall(SYS_dup3, from, to, 0);
}

static int CHILD
child_run(void *arg)
{
	struct spawn_args	*a = arg;
	const struct exec_plan	*p = a->p;
	/* The kernel's struct sigaction and mask (glibc's differ). */
	struct { void *handler; unsigned long flags; void *restorer;
	    unsigned long mask; } dfl = { SIG_DFL, 0, NULL, 0 };
	unsigned long		 none = 0;

	/* Every handler of rshd's back to its default: a signal must not run
	 * rshd's code here.  All are blocked until then (the parent blocked
	 * them before clone()), glibc's own 32 and 33 included. */
	for (int s = 1; s < _NSIG; s++) {
		if (s != SIGKILL && s != SIGSTOP && syscall(SYS_rt_sigaction,
		    s, &dfl, NULL, sizeof(dfl.mask)) == -1) {
			child_fail(a, STAGE_SIGNALS);
		}
	}
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL,
	    sizeof(none)) == -1) {
		child_fail(a, STAGE_SIGNALS);
	}
	if (syscall(SYS_setsid) == -1) {
		child_fail(a, STAGE_SETSID);
	}
	/* Into the command's cgroup before anything else can start. */
	if (a->cgfd != -1 && syscall(SYS_write, a->cgfd, "0", 1) != 1) {
		child_fail(a, STAGE_CGROUP);
	}
	if (child_dup(a->fds[0], 0) == -1 || child_dup(a->fds[1], 1) == -1 ||
	    child_dup(a->fds[2], 2) == -1) {
		child_fail(a, STAGE_DUP);
	}
	/* What login_tty() does: the terminal on fd 1 becomes the new
	 * session's controlling one. */
	if (p->pty && syscall(SYS_ioctl, 1, TIOCSCTTY, 0) == -1) {
		child_fail(a, STAGE_TTY);
	}
	for (int i = 0; i < p->nlimits; i++) {
		struct rlimit rl;

		rl.rlim_cur = rl.rlim_max = (rlim_t)p->limits[i].value;
		if (syscall(SYS_prlimit64, 0, p->limits[i].resource, &rl,
		    NULL) == -1) {
			child_fail(a, STAGE_LIMITS);
		}
	}
	/* Every fd of ours is O_CLOEXEC already; this catches any that is not. */
	(void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	/* Groups, then group, then user; and root must be gone for good. */
	if (p->change_ids && (syscall(SYS_setgroups, (size_t)p->ngroups,
	    p->groups) == -1 ||
	    syscall(SYS_setresgid, p->gid, p->gid, p->gid) == -1 ||
	    syscall(SYS_setresuid, p->uid, p->uid, p->uid) == -1 ||
	    (p->uid != 0 && syscall(SYS_setuid, 0) != -1))) {
		child_fail(a, STAGE_IDS);
	}
	/* A key's no-new-privs: no setuid program or file capability can
	 * raise this command or anything it starts (sudo fails). */
	if (p->no_new_privs && syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1UL,
	    0UL, 0UL, 0UL) == -1) {
		child_fail(a, STAGE_NNP);
	}
	if (p->cwd != NULL && syscall(SYS_chdir, p->cwd) == -1) {
		child_fail(a, STAGE_CHDIR);
	}
	/* Built by the plan (a home that does not exist); what the command's
	 * stderr makes of a failure is not ours to report. */
	if (p->warn != NULL) {
		(void)syscall(SYS_write, 2, p->warn, p->warnlen);
	}
	syscall(SYS_execve, p->path, p->argv, p->envp);
	child_fail(a, STAGE_EXEC);
}

/* Not the command's fault: the client should see 255 and may retry. */
static int
out_of_resources(int err)
{
	return err == EAGAIN || err == ENOMEM || err == EMFILE ||
	    err == ENFILE;
}

static void
describe_failure(const struct exec_plan *p, const struct exec_failure *f,
    char *msg, size_t msglen, int *code)
{
	*code = 255;
	switch (f->stage) {
	case STAGE_CHDIR:
		snprintf(msg, msglen, "cannot change directory to %s: %s",
		    p->cwd, strerror(f->err));
		break;
	case STAGE_TTY:
		snprintf(msg, msglen, "cannot make the pseudo-terminal the "
		    "command's controlling terminal: %s", strerror(f->err));
		break;
	case STAGE_LIMITS:
		snprintf(msg, msglen, "cannot set the command's resource "
		    "limits: %s", strerror(f->err));
		break;
	case STAGE_IDS:
		snprintf(msg, msglen, "cannot switch to uid %u: %s",
		    (unsigned)p->uid, strerror(f->err));
		break;
	case STAGE_CGROUP:
		snprintf(msg, msglen, "cannot put the command in its cgroup: "
		    "%s", strerror(f->err));
		break;
	case STAGE_NNP:
		snprintf(msg, msglen, "cannot set no-new-privs for the "
		    "command: %s", strerror(f->err));
		break;
	case STAGE_EXEC:
		if (out_of_resources(f->err)) {
			snprintf(msg, msglen, "cannot start %s: %s; the server "
			    "is out of resources", p->path, strerror(f->err));
			break;
		}
		*code = f->err == ENOENT ? 127 : 126;
		snprintf(msg, msglen, "%s: %s", p->path,
		    f->err == ENOENT ? "command not found" : strerror(f->err));
		break;
	default:
		snprintf(msg, msglen, "cannot start command: %s",
		    strerror(f->err));
		break;
	}
}

/* Parent and child ends: [0] ours or theirs, closed on every path. */
static int
make_pipes(const struct exec_plan *p, int in[2], int out[2], int err[2])
{
	in[0] = in[1] = out[0] = out[1] = err[0] = err[1] = -1;
	if (p->no_stdin) {
		in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	} else if (pipe2(in, O_CLOEXEC) == -1) {
		in[0] = -1;
	}
	if (in[0] == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1) {
		return -1;
	}
	return 0;
}

static void
close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++) {
		if (fds[i] != -1) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
}

/*
 * clone(CLONE_VM | CLONE_VFORK), as posix_spawn() does: the child copies
 * none of rshd's page tables, so spawning costs the same with one thread
 * or a thousand (fork() of rshd with 1,000 connections took milliseconds
 * and stalled every other spawn behind it).  Unlike posix_spawn() it can
 * switch accounts, set limits, give a controlling terminal and join a
 * cgroup.  The calling thread waits until the child has exec'd or died.
 */
static int
spawn(const struct exec_plan *p, const int fds[3], int cgfd, pid_t *pidp,
    char *msg, size_t msglen, int *code)
{
	struct spawn_args	a = { p, { fds[0], fds[1], fds[2] }, cgfd,
				    { 0, 0 } };
	sigset_t		all, old;
	void			*stack;
	pid_t			pid;
	int			e;

	stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		snprintf(msg, msglen, "cannot start command: %s; the server "
		    "is out of resources", strerror(errno));
		return -1;
	}
	/* Until the child has put every handler back to its default. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone(child_run, (char *)stack + SPAWN_STACK,
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	munmap(stack, SPAWN_STACK);
	if (pid == -1) {
		snprintf(msg, msglen, "cannot start command: %s%s",
		    strerror(e), out_of_resources(e) ?
		    "; the server is out of resources" : "");
		return -1;
	}
	if (a.f.stage != 0) {
		describe_failure(p, &a.f, msg, msglen, code);
		(void)waitpid(pid, NULL, 0);	/* it has exited */
		return -1;
	}
	*pidp = pid;
	return 0;
}

int
exec_spawn(const struct exec_plan *p, int cgfd, struct child *c, char *msg,
    size_t msglen, int *code)
{
	int	in[2], out[2], err[2], fds[3];
	pid_t	pid;

	*code = 255;
	memset(c, 0, sizeof(*c));
	c->pidfd = c->in_fd = c->out_fd = c->err_fd = -1;
	/* From the child's ends' making to their closing here, no other
	 * thread forks: its child would hold them (O_CLOEXEC or not) until
	 * it execs, and a command's output would not end with the command
	 * (under ASan, a 500-command burst saw `true` reported "cut").
	 * spawn() returns once the child has exec'd. */
	pthread_mutex_lock(&spawn_lock);
	if (p->pty ? pty_make(p, in, out, err) == -1 :
	    make_pipes(p, in, out, err) == -1) {
		snprintf(msg, msglen, "cannot make %s: %s", p->pty ?
		    "a pseudo-terminal" : "pipes", strerror(errno));
		goto fail;
	}
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = err[1];
	reaper_hold();
	if (spawn(p, fds, cgfd, &pid, msg, msglen, code) == -1) {
		reaper_release();
		goto fail;
	}
	/* Not reaped yet, so the pid cannot be reused under the pidfd. */
	c->pid = pid;
	if ((c->pidfd = pidfd_open(pid, 0)) == -1 || reaper_add(pid) == -1) {
		snprintf(msg, msglen, "cannot watch the command: %s",
		    c->pidfd == -1 ? strerror(errno) : "out of memory");
		kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		reaper_release();
		if (c->pidfd != -1) {
			close(c->pidfd);
			c->pidfd = -1;
		}
		goto fail;
	}
	reaper_release();
	close(in[0]);
	close(out[1]);
	close(err[1]);
	pthread_mutex_unlock(&spawn_lock);
	c->in_fd = in[1];	/* -1 when the child's stdin is /dev/null */
	c->out_fd = out[0];
	c->err_fd = err[0];	/* -1 on a terminal: 2 is the terminal */
	c->pty = p->pty;
	if (!p->pty) {
		(void)fcntl(c->out_fd, F_SETPIPE_SZ, EXEC_PIPESIZE);
	}
	if ((c->in_fd != -1 && netio_set_nonblock(c->in_fd, 1) == -1) ||
	    netio_set_nonblock(c->out_fd, 1) == -1 ||
	    (c->err_fd != -1 && netio_set_nonblock(c->err_fd, 1) == -1)) {
		snprintf(msg, msglen, "fcntl: %s", strerror(errno));
		exec_signal(c, SIGKILL);
		(void)waitpid(c->pid, NULL, 0);
		c->exited = 0;
		exec_close(c);
		return -1;
	}
	return 0;
fail:
	close_pair(in);
	close_pair(out);
	close_pair(err);
	pthread_mutex_unlock(&spawn_lock);
	return -1;
}

int
exec_reap(struct child *c, int *how, int *code)
{
	siginfo_t	si;
	int		r;

	if (c->pidfd == -1 || c->exited) {
		return -1;
	}
	memset(&si, 0, sizeof(si));
	do {
		r = waitid(P_PID, (id_t)c->pid, &si,
		    WEXITED | WNOHANG | WNOWAIT);
	} while (r == -1 && errno == EINTR);
	if (r == -1) {
		return -1;
	}
	if (si.si_pid == 0) {
		return 0;
	}
	c->exited = 1;
	if (si.si_code == CLD_EXITED) {
		*how = EXIT_HOW_EXITED;
	} else {
		*how = EXIT_HOW_SIGNALED;
	}
	*code = si.si_status;
	return 1;
}

void
exec_resize(const struct child *c, uint16_t rows, uint16_t cols)
{
	if (c->pty && c->out_fd != -1) {
		(void)pty_resize(c->out_fd, rows, cols);
	}
}

void
exec_signal(const struct child *c, int sig)
{
	/* kill(0) or kill(1) would reach rshd's own group or init. */
	if (c->pid > 1) {
		(void)kill(-c->pid, sig);
	}
}

void
exec_close(struct child *c)
{
	int *fds[] = { &c->pidfd, &c->in_fd, &c->out_fd, &c->err_fd };

	if (c->pidfd != -1 && c->exited && c->pid > 0) {
		(void)waitpid(c->pid, NULL, WNOHANG);	/* a zombie: at once */
	}
	if (c->pidfd != -1) {
		reaper_remove(c->pid);
	}
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] != -1) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	}
}
