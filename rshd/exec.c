/*
 * exec: starting one command with pipes, reaping through a pidfd.
 *
 * The child shares rshd's memory until it execs, beside rshd's other
 * threads, so it makes nothing but system calls: the plan holds every
 * string and array it needs, built in the parent.
 *
 * Starts do not wait for one another.  A child copies rshd's whole fd
 * table, other commands' pipe ends included (O_CLOEXEC does not help
 * before exec), and a command's output ends only when every copy of its
 * write end is closed.  So the child's first act is to close every fd
 * above 2: a sibling holds another command's pipes for a few system
 * calls, not until it has exec'd (a chdir() into a hung NFS directory
 * once held every other start behind one lock for as long).
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
#include "startwatch.h"

/*
 * The calls that take 32-bit ids: on i386 and 32-bit Arm the plain
 * numbers are the old 16-bit ones, which would turn uid 65537 into 1.
 */
#ifdef SYS_setresuid32
#define SYS_IDS(name)	SYS_##name##32
#else
#define SYS_IDS(name)	SYS_##name
#endif

/* Fewer wakeups on bulk output and input: the pipes hold 16 records, not
 * one, and the kernel allocates their pages only as they fill. */
#define EXEC_PIPESIZE	(1 << 20)

enum { STAGE_SETSID = 1, STAGE_DUP, STAGE_TTY, STAGE_LIMITS, STAGE_IDS,
	STAGE_CHDIR, STAGE_EXEC, STAGE_CGROUP, STAGE_SIGNALS, STAGE_FDS,
	STAGE_NNP };

/*
 * The starts under way, each until its clone() returns: a child that has
 * not yet closed every fd above 2 may hold other commands' pipe ends (see
 * exec_starting).  The child only sets its own `closed`, with one store,
 * so that no count can be left wrong by a child killed at any point.
 */
static pthread_mutex_t	 starting_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spawn_args *starting;

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
	int			 closed;	/* it closed rshd's fds (atomic) */
	int			 reached;	/* the stage it is at */
	struct exec_failure	 f;		/* stage 0: it exec'd */
	struct spawn_args	*next;		/* in `starting` */
};

/* What getdents64() fills in (the kernel's struct linux_dirent64). */
struct child_dirent {
	unsigned long long	d_ino;
	long long		d_off;
	unsigned short		d_reclen;
	unsigned char		d_type;
	char			d_name[];
};

#define SPAWN_STACK	(64 * 1024)	/* the child calls no library code */

/*
 * Stacks of finished starts, kept for the next: a stack mapped and unmapped
 * per start cost its pages faulted in again each time and, at the unmap,
 * a TLB flush on every CPU the process ran on (the child touched it from
 * another): the most of the privileged part's own CPU per command after
 * its system calls.  Enough for the starts that run at once on 2 to 4
 * CPUs; a start beyond them maps its own, as all did before.
 */
#define SPAWN_STACKS_KEPT	4
static pthread_mutex_t	 stacks_lock = PTHREAD_MUTEX_INITIALIZER;
static void		*stacks_kept[SPAWN_STACKS_KEPT];
static size_t		 stacks_nkept;

static void *
stack_get(void)
{
	void	*st = NULL;

	pthread_mutex_lock(&stacks_lock);
	if (stacks_nkept > 0) {
		st = stacks_kept[--stacks_nkept];
	}
	pthread_mutex_unlock(&stacks_lock);
	if (st == NULL && (st = mmap(NULL, SPAWN_STACK, PROT_READ |
	    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1,
	    0)) == MAP_FAILED) {
		st = NULL;
	}
	return st;
}

/* A stack whose child has exec'd or died: no one runs on it now. */
static void
stack_put(void *st)
{
	pthread_mutex_lock(&stacks_lock);
	if (stacks_nkept < SPAWN_STACKS_KEPT) {
		stacks_kept[stacks_nkept++] = st;
		st = NULL;
	}
	pthread_mutex_unlock(&stacks_lock);
	if (st != NULL) {
		munmap(st, SPAWN_STACK);
	}
}

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

/* close_range() with an empty range allowed. */
__attribute__((no_sanitize_address)) static long
child_close_range(unsigned int lo, unsigned int hi)
{
	return lo > hi ? 0 : syscall(SYS_close_range, lo, hi, 0U);
}

/* The fd a /proc/self/fd entry names, or -1 ("." and ".."). */
__attribute__((no_sanitize_address)) static long
child_fd_number(const char *s)
{
	long n = 0;

	if (*s == '\0') {
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > INT_MAX / 10) {
			return -1;
		}
		n = n * 10 + (*s - '0');
	}
	return n;
}

/*
 * Without close_range() (before Linux 5.9, or a seccomp filter that
 * refuses it): /proc/self/fd, read with getdents64() into the stack.
 * Closing entries can change the listing, so it starts over after any
 * batch that closed something, as glibc's closefrom() does.
 */
__attribute__((no_sanitize_address)) static int
child_close_walk(long keep)
{
	char	buf[1024] __attribute__((aligned(8)));
	long	dfd, n = 0, fd;
	int	closed;

	dfd = syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		return -1;
	}
	do {
		closed = 0;
		if (syscall(SYS_lseek, dfd, 0L, SEEK_SET) == -1) {
			return -1;
		}
		while (!closed && (n = syscall(SYS_getdents64, dfd, buf,
		    sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				const struct child_dirent *d =
				    (const void *)(buf + off);

				fd = child_fd_number(d->d_name);
				if (fd > 2 && fd != dfd && fd != keep) {
					(void)syscall(SYS_close, fd);
					closed = 1;
				}
				off += d->d_reclen;
			}
		}
		if (!closed && n == -1) {
			return -1;
		}
	} while (closed);
	(void)syscall(SYS_close, dfd);
	return 0;
}

/* Closes every fd above 2 but keep (-1: none).  Where close_range()
 * fails, /proc/self/fd; where that fails too, -1: the spawn fails
 * rather than hand the command an fd of rshd's. */
__attribute__((no_sanitize_address)) static int
child_close_fds(int keep)
{
	unsigned int k = keep > 2 ? (unsigned int)keep : 0;

	if (k == 0 ? child_close_range(3, ~0U) == 0 :
	    child_close_range(3, k - 1) == 0 &&
	    child_close_range(k + 1, ~0U) == 0) {
		return 0;
	}
	return child_close_walk(keep);
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

	/* First the command's own fds onto 0, 1 and 2, and every other fd
	 * closed (but cgroup.procs, for a moment): until then this child
	 * holds other commands' pipes. */
	a->reached = STAGE_DUP;
	if (child_dup(a->fds[0], 0) == -1 || child_dup(a->fds[1], 1) == -1 ||
	    child_dup(a->fds[2], 2) == -1) {
		child_fail(a, STAGE_DUP);
	}
	if (child_close_fds(a->cgfd) == -1) {
		child_fail(a, STAGE_FDS);
	}
	__atomic_store_n(&a->closed, 1, __ATOMIC_RELEASE);
	/* Into the command's cgroup before anything else can start. */
	a->reached = STAGE_CGROUP;
	if (a->cgfd != -1 && (syscall(SYS_write, a->cgfd, "0", 1) != 1 ||
	    syscall(SYS_close, a->cgfd) == -1)) {
		child_fail(a, STAGE_CGROUP);
	}
	/* Every handler of rshd's back to its default: a signal must not run
	 * rshd's code here.  All are blocked until then (the parent blocked
	 * them before clone()), glibc's own 32 and 33 included. */
	a->reached = STAGE_SIGNALS;
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
	/* Groups, then group, then user; and root must be gone for good. */
	if (p->change_ids && (syscall(SYS_IDS(setgroups), (size_t)p->ngroups,
	    p->groups) == -1 ||
	    syscall(SYS_IDS(setresgid), p->gid, p->gid, p->gid) == -1 ||
	    syscall(SYS_IDS(setresuid), p->uid, p->uid, p->uid) == -1 ||
	    (p->uid != 0 && syscall(SYS_IDS(setuid), 0) != -1))) {
		child_fail(a, STAGE_IDS);
	}
	/* A key's no-new-privs: no setuid program or file capability can
	 * raise this command or anything it starts (sudo fails). */
	if (p->no_new_privs && syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1UL,
	    0UL, 0UL, 0UL) == -1) {
		child_fail(a, STAGE_NNP);
	}
	/* The two that can hang on a file system; the time limit covers
	 * them (startwatch). */
	a->reached = STAGE_CHDIR;
	if (p->cwd != NULL && syscall(SYS_chdir, p->cwd) == -1) {
		child_fail(a, STAGE_CHDIR);
	}
	/* Built by the plan (a home that does not exist); what the command's
	 * stderr makes of a failure is not ours to report. */
	if (p->warn != NULL) {
		(void)syscall(SYS_write, 2, p->warn, p->warnlen);
	}
	a->reached = STAGE_EXEC;
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
	case STAGE_FDS:
		snprintf(msg, msglen, "cannot close rshd's descriptors before "
		    "starting the command (close_range() failed and "
		    "/proc/self/fd cannot be read): %s", strerror(f->err));
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

/* A start the time limit ended: where the child was stuck. */
static void
describe_hang(const struct exec_plan *p, int reached, long long limit_ms,
    char *msg, size_t msglen)
{
	char what[256];

	if (reached == STAGE_CHDIR) {
		snprintf(what, sizeof(what), "changing directory to %s",
		    p->cwd);
	} else if (reached == STAGE_EXEC) {
		snprintf(what, sizeof(what), "executing %s", p->path);
	} else {
		snprintf(what, sizeof(what), "its setup (stage %d)", reached);
	}
	snprintf(msg, msglen, "the command did not start within its time "
	    "limit of %lld ms: %s did not finish; it was killed", limit_ms,
	    what);
}

/*
 * clone(CLONE_VM | CLONE_VFORK), as posix_spawn() does: the child copies
 * none of rshd's page tables, so spawning costs the same with one thread
 * or a thousand (fork() of rshd with 1,000 connections took milliseconds
 * and stalled every other spawn behind it).  Unlike posix_spawn() it can
 * switch accounts, set limits, give a controlling terminal and join a
 * cgroup.  The calling thread waits until the child has exec'd or died;
 * with a time limit (limit_ms > 0), startwatch kills a child that has not
 * exec'd when it expires.
 */
/* a joins the starts under way, before its clone(). */
static void
starting_add(struct spawn_args *a)
{
	pthread_mutex_lock(&starting_lock);
	a->next = starting;
	starting = a;
	pthread_mutex_unlock(&starting_lock);
}

/* a's clone() has returned. */
static void
starting_remove(struct spawn_args *a)
{
	pthread_mutex_lock(&starting_lock);
	for (struct spawn_args **pp = &starting; *pp != NULL;
	    pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	pthread_mutex_unlock(&starting_lock);
}

static int
spawn(const struct exec_plan *p, const int fds[3], int cgfd,
    long long limit_ms, pid_t *pidp, char *msg, size_t msglen, int *code)
{
	struct spawn_args	a = { p, { fds[0], fds[1], fds[2] }, cgfd,
				    0, 0, { 0, 0 }, NULL };
	struct startwatch	w;
	sigset_t		all, old;
	void			*stack;
	pid_t			pid;
	int			e, fired;

	if ((stack = stack_get()) == NULL) {
		snprintf(msg, msglen, "cannot start command: %s; the server "
		    "is out of resources", strerror(errno));
		return -1;
	}
	/* Until the child has put every handler back to its default. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	starting_add(&a);
	startwatch_arm(&w, limit_ms > 0 ? netio_now_ms() + limit_ms : 0);
	pid = clone(child_run, (char *)stack + SPAWN_STACK, CLONE_VM |
	    CLONE_VFORK | CLONE_PARENT_SETTID | SIGCHLD, &a, &w.pid);
	e = errno;
	fired = startwatch_disarm(&w);
	starting_remove(&a);	/* exec'd, or dead: it holds nothing now */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	stack_put(stack);
	if (pid == -1) {
		snprintf(msg, msglen, "cannot start command: %s%s",
		    strerror(e), out_of_resources(e) ?
		    "; the server is out of resources" : "");
		return -1;
	}
	if (a.f.stage != 0 || fired) {
		/* Killed in execve() or a moment after it succeeded, the
		 * command had used its whole time limit to get there. */
		if (a.f.stage != 0) {
			describe_failure(p, &a.f, msg, msglen, code);
		} else {
			describe_hang(p, a.reached, limit_ms, msg, msglen);
			*code = 255;
		}
		(void)waitpid(pid, NULL, 0);	/* it has exited or dies */
		return -1;
	}
	*pidp = pid;
	return 0;
}

unsigned int
exec_starting(void)
{
	unsigned int n = 0;

	pthread_mutex_lock(&starting_lock);
	for (const struct spawn_args *a = starting; a != NULL; a = a->next) {
		n += !__atomic_load_n(&a->closed, __ATOMIC_ACQUIRE);
	}
	pthread_mutex_unlock(&starting_lock);
	return n;
}

int
exec_spawn(const struct exec_plan *p, int cgfd, long long limit_ms,
    struct child *c, char *msg, size_t msglen, int *code)
{
	int	in[2], out[2], err[2], fds[3];
	pid_t	pid;

	*code = 255;
	memset(c, 0, sizeof(*c));
	c->pidfd = c->in_fd = c->out_fd = c->err_fd = -1;
	/* No lock against other threads' starts: their children close our
	 * child's ends of its pipes as their first act (child_run). */
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
	if (spawn(p, fds, cgfd, limit_ms, &pid, msg, msglen, code) == -1) {
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
	c->in_fd = in[1];	/* -1 when the child's stdin is /dev/null */
	c->out_fd = out[0];
	c->err_fd = err[0];	/* -1 on a terminal: 2 is the terminal */
	c->pty = p->pty;
	if (!p->pty) {
		(void)fcntl(c->out_fd, F_SETPIPE_SZ, EXEC_PIPESIZE);
		if (c->in_fd != -1) {
			(void)fcntl(c->in_fd, F_SETPIPE_SZ, EXEC_PIPESIZE);
		}
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
	return -1;
}

int
exec_reap(struct child *c, int *how, int *code)
{
	siginfo_t	si;
	struct rusage	ru;
	long		r;

	if (c->pidfd == -1 || c->exited) {
		return -1;
	}
	memset(&si, 0, sizeof(si));
	memset(&ru, 0, sizeof(ru));
	/* The system call, not glibc's waitid(): only it gives the usage,
	 * which the kernel fills for a zombie left as one (WNOWAIT). */
	do {
		r = syscall(SYS_waitid, P_PID, (id_t)c->pid, &si,
		    WEXITED | WNOHANG | WNOWAIT, &ru);
	} while (r == -1 && errno == EINTR);
	if (r == -1) {
		return -1;
	}
	if (si.si_pid == 0) {
		return 0;
	}
	c->exited = 1;
	c->cpu_us = (uint64_t)ru.ru_utime.tv_sec * 1000000 +
	    (uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_sec *
	    1000000 + (uint64_t)ru.ru_stime.tv_usec;
	c->maxrss_kib = ru.ru_maxrss > 0 ? (uint64_t)ru.ru_maxrss : 0;
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
