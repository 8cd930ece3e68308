/*
 * exec: fork/exec of one command with pipes, reaping through a pidfd.
 *
 * rshd is threaded, so between fork() and execve() the child may only make
 * async-signal-safe calls: the plan holds every string and array it needs,
 * built in the parent.
 */
#include <sys/ioctl.h>
#include <sys/pidfd.h>
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
#include <signal.h>
#include <spawn.h>
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
	STAGE_CHDIR, STAGE_EXEC, STAGE_CGROUP };

/* What the child tells the parent when it cannot exec. */
struct exec_failure {
	int	stage;
	int	err;
};


/* In the child: tell the parent why, then die. Async-signal-safe. */
static void __attribute__((noreturn))
child_fail(int fd, int stage)
{
	struct exec_failure f = { stage, errno };
	ssize_t r;

	do {
		r = write(fd, &f, sizeof(f));
	} while (r == -1 && errno == EINTR);
	_exit(127);
}

/* The child, from fork() to execve(): async-signal-safe calls only. */
static void __attribute__((noreturn))
child_run(const struct exec_plan *p, int in, int out, int err, int cgfd,
    int report)
{
	struct sigaction	sa;
	sigset_t		none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++) {
		(void)sigaction(s, &sa, NULL);
	}
	/* glibc's sigaction() refuses its own two (32 and 33): inherited
	 * ignored, they would stay so in the command.  The kernel's call,
	 * one system call, takes them. */
	for (int s = 32; s < SIGRTMIN; s++) {
		struct { void *handler; unsigned long flags; void *restorer;
		    unsigned long mask; } k = { NULL, 0, NULL, 0 };

		(void)syscall(SYS_rt_sigaction, s, &k, NULL, sizeof(k.mask));
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() == -1) {
		child_fail(report, STAGE_SETSID);
	}
	/* Into the command's cgroup before anything else can start. */
	if (cgfd != -1 && write(cgfd, "0", 1) != 1) {
		child_fail(report, STAGE_CGROUP);
	}
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1) {
		child_fail(report, STAGE_DUP);
	}
	/* What login_tty() does, which POSIX does not list as safe here:
	 * the terminal on fd 1 becomes the new session's controlling one
	 * (ioctl() is one system call). */
	if (p->pty && ioctl(1, TIOCSCTTY, 0) == -1) {
		child_fail(report, STAGE_TTY);
	}
	/* setrlimit() is one system call (prlimit64) in glibc, safe here
	 * though POSIX does not list it. */
	for (int i = 0; i < p->nlimits; i++) {
		struct rlimit rl;

		rl.rlim_cur = rl.rlim_max = (rlim_t)p->limits[i].value;
		if (setrlimit(p->limits[i].resource, &rl) == -1) {
			child_fail(report, STAGE_LIMITS);
		}
	}
	/* Every fd of ours is O_CLOEXEC already; this catches any that is not. */
	(void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	if (p->change_ids && (setgroups((size_t)p->ngroups, p->groups) == -1 ||
	    setgid(p->gid) == -1 || setuid(p->uid) == -1 ||
	    (p->uid != 0 && setuid(0) != -1))) {
		child_fail(report, STAGE_IDS);
	}
	if (p->cwd != NULL && chdir(p->cwd) == -1) {
		child_fail(report, STAGE_CHDIR);
	}
	execve(p->path, p->argv, p->envp);
	child_fail(report, STAGE_EXEC);
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

/* Reads the child's failure report; 0 bytes means execve() succeeded. */
static ssize_t
read_report(int fd, struct exec_failure *f)
{
	ssize_t r;

	do {
		r = read(fd, f, sizeof(*f));
	} while (r == -1 && errno == EINTR);
	return r;
}

/* fork() and the child's own steps: the way that can switch accounts. */
static int
spawn_fork(const struct exec_plan *p, const int fds[3], int cgfd,
    pid_t *pidp, char *msg, size_t msglen, int *code)
{
	struct exec_failure	f;
	int			report[2];
	pid_t			pid;

	if (pipe2(report, O_CLOEXEC) == -1) {
		snprintf(msg, msglen, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		int e = errno;

		snprintf(msg, msglen, "cannot fork: %s%s", strerror(e),
		    out_of_resources(e) ? "; the server is out of resources" :
		    "");
		close_pair(report);
		return -1;
	}
	if (pid == 0) {
		child_run(p, fds[0], fds[1], fds[2], cgfd, report[1]);
	}
	close(report[1]);
	report[1] = -1;
	if (read_report(report[0], &f) == (ssize_t)sizeof(f)) {
		describe_failure(p, &f, msg, msglen, code);
		close_pair(report);
		(void)waitpid(pid, NULL, 0);	/* it is at _exit() */
		return -1;
	}
	close_pair(report);
	*pidp = pid;
	return 0;
}

/*
 * Every signal back to its default in the child.  glibc's sigfillset()
 * leaves out its two internal signals (32 and 33), and posix_spawn() then
 * leaves them ignored in the child, which breaks programs that use them
 * (musl's timers, for one): their bits are set by hand.
 */
static void
all_signals(sigset_t *set)
{
	const int	bits = 8 * (int)sizeof(set->__val[0]);

	sigfillset(set);
	for (int sig = 32; sig < SIGRTMIN; sig++) {
		set->__val[(sig - 1) / bits] |= 1UL << ((sig - 1) % bits);
	}
}

/*
 * posix_spawn(): glibc starts the child with a vfork-like clone that
 * copies none of rshd's page tables: 0.5 ms against 0.75 ms for fork,
 * exec and wait of /bin/true next to rshd's 1 MB of heap.  It cannot
 * switch accounts; spawn_fork() does that.
 */
static int
spawn_fast(const struct exec_plan *p, const int fds[3], pid_t *pidp,
    char *msg, size_t msglen, int *code)
{
	posix_spawn_file_actions_t	fa;
	posix_spawnattr_t		a;
	struct exec_failure		f = { STAGE_CHDIR, 0 };
	struct stat			st;
	sigset_t			all, none;
	int				rc = -1;

	/* Its errors do not tell a bad directory from a bad command. */
	if (p->cwd != NULL && (stat(p->cwd, &st) == -1 ||
	    access(p->cwd, X_OK) == -1)) {
		f.err = errno;
		describe_failure(p, &f, msg, msglen, code);
		return -1;
	}
	if (p->cwd != NULL && !S_ISDIR(st.st_mode)) {
		f.err = ENOTDIR;
		describe_failure(p, &f, msg, msglen, code);
		return -1;
	}
	if (posix_spawnattr_init(&a) != 0) {
		goto err0;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		goto err1;
	}
	all_signals(&all);
	sigemptyset(&none);
	if (posix_spawnattr_setflags(&a, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) != 0 ||
	    posix_spawnattr_setsigdefault(&a, &all) != 0 ||
	    posix_spawnattr_setsigmask(&a, &none) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, fds[0], 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, fds[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, fds[2], 2) != 0 ||
	    posix_spawn_file_actions_addclosefrom_np(&fa, 3) != 0 ||
	    (p->cwd != NULL &&
	    posix_spawn_file_actions_addchdir_np(&fa, p->cwd) != 0)) {
		goto err2;
	}
	f.stage = STAGE_EXEC;
	if ((f.err = posix_spawn(pidp, p->path, &fa, &a, p->argv,
	    p->envp)) != 0) {
		describe_failure(p, &f, msg, msglen, code);
	} else {
		rc = 0;
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&a);
	return rc;
err2:
	posix_spawn_file_actions_destroy(&fa);
err1:
	posix_spawnattr_destroy(&a);
err0:
	snprintf(msg, msglen, "cannot set up the command: out of memory");
	return -1;
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
	 * Both ways of spawning return once the child has exec'd. */
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
	/* posix_spawn() can neither give the child a controlling terminal
	 * nor put it in a cgroup. */
	if ((p->change_ids || p->nlimits > 0 || p->pty || cgfd != -1 ?
	    spawn_fork(p, fds, cgfd, &pid, msg, msglen, code) :
	    spawn_fast(p, fds, &pid, msg, msglen, code)) == -1) {
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
