/*
 * sandbox: the network part's drop of privilege.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox.h"

/* Where the SIGSYS handler reports a forbidden call: the privileged
 * part's hello socket. */
static int report_fd = -1;

/*
 * The network part's system calls, all it makes once started (and what
 * glibc, libcrypto and the log make for it).  Not here, so fatal: exec,
 * fork (a clone without CLONE_THREAD), ptrace, setuid and the rest,
 * mount, bind, listen, kill, memory made executable.  open fails (it
 * opens nothing: the privileged part hands it what it needs).  A name
 * this architecture lacks is skipped.
 */
static const char *const allowed[] = {
	/* descriptors */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek",
	"close", "fstat", "newfstatat", "statx", "fcntl", "dup", "dup2",
	"dup3", "ftruncate", "fsync", "fdatasync", "eventfd2", "pipe2",
	/* sockets, made by the privileged part or before the filter */
	"accept", "accept4", "recvfrom", "recvmsg", "recvmmsg", "sendto",
	"sendmsg", "sendmmsg", "setsockopt", "getsockopt", "getsockname",
	"getpeername", "shutdown", "connect",
	/* waiting */
	"poll", "ppoll", "select", "pselect6", "futex", "nanosleep",
	"clock_nanosleep", "sched_yield", "restart_syscall",
	/* memory */
	"brk", "munmap", "mremap", "madvise",
	/* threads, signals */
	"set_robust_list", "get_robust_list", "rseq", "exit", "exit_group",
	"gettid", "getpid", "getppid", "rt_sigprocmask", "rt_sigreturn",
	"sigaltstack", "wait4", "waitid",
	/* time, randomness, identity */
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"getrandom", "uname", "getuid", "geteuid", "getgid", "getegid",
	"getrusage", "sched_getaffinity", "prlimit64", "getrlimit",
	"sysinfo",
#ifdef RSH_SANITIZE
	/* ASan and LeakSanitizer: their reports, and the leak check at
	 * exit, which stops the threads with ptrace from a clone. */
	"openat", "open", "readlink", "readlinkat", "getdents", "getdents64",
	"ptrace", "clone", "clone3", "mprotect", "mmap", "prctl",
	"rt_sigaction", "tgkill", "kill", "sched_getparam",
	"sched_setaffinity", "getpgid",
#endif
};

/*
 * Calls allowed for one value of one argument (arg 0 to 5; mask: the
 * bits compared, 0 for all), or answered with an errno (err) instead of
 * run.  A call named twice is allowed for either value.
 */
struct arg_rule {
	const char	*name;
	int		 err;		/* 0: allow */
	int		 arg;		/* -1: any arguments */
	scmp_datum_t	 mask, value;
	int		 ne;		/* allowed for any other value */
};

static const struct arg_rule arg_rules[] = {
	/* Channels to the privileged part; the log's and systemd's
	 * sockets, remade after their reader restarts. */
	{ "socketpair", 0, 0, 0, AF_UNIX, 0 },
	{ "socket", 0, 0, 0, AF_UNIX, 0 },
	/* A terminal's size and the checks stdio makes. */
	{ "ioctl", 0, 1, 0, TIOCSWINSZ, 0 },
	{ "ioctl", 0, 1, 0, TIOCGWINSZ, 0 },
	{ "ioctl", 0, 1, 0, TCGETS, 0 },
	{ "ioctl", 0, 1, 0, FIONREAD, 0 },
	{ "ioctl", 0, 1, 0, FIONBIO, 0 },
#ifndef RSH_SANITIZE
	/* Threads, never a process (fork): glibc's clone3 is told it
	 * does not exist, and falls back to clone, whose flags are seen. */
	{ "clone", 0, 0, CLONE_THREAD, CLONE_THREAD, 0 },
	{ "clone3", ENOSYS, -1, 0, 0, 0 },
	/* Opening a file fails rather than kills, as in OpenSSH's filter:
	 * libc opens some lazily (the number of processors, the time
	 * zone), and copes with a refusal. */
	{ "openat", EACCES, -1, 0, 0, 0 },
	{ "open", EACCES, -1, 0, 0, 0 },
	/* No new executable memory. */
	{ "mmap", 0, 2, PROT_EXEC, 0, 0 },
	{ "mprotect", 0, 2, PROT_EXEC, 0, 0 },
	/* Handlers, but never SIGSYS's, which reports the filter's kills. */
	{ "rt_sigaction", 0, 0, 0, SIGSYS, 1 },
	/* Thread names; whether orphans come here (reaper.c). */
	{ "prctl", 0, 0, 0, PR_SET_NAME, 0 },
	{ "prctl", 0, 0, 0, PR_GET_NAME, 0 },
	{ "prctl", 0, 0, 0, PR_GET_CHILD_SUBREAPER, 0 },
#endif
};

static int
add_arg_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof(arg_rules) / sizeof(arg_rules[0]);
	    i++) {
		const struct arg_rule	*a = &arg_rules[i];
		uint32_t		 act = a->err != 0 ?
					    SCMP_ACT_ERRNO(a->err) :
					    SCMP_ACT_ALLOW;
		int			 nr;
		struct scmp_arg_cmp	 cmp;

		if ((nr = seccomp_syscall_resolve_name(a->name)) ==
		    __NR_SCMP_ERROR) {
			continue;
		}
		cmp.arg = (unsigned int)a->arg;
		cmp.op = a->ne ? SCMP_CMP_NE : a->mask != 0 ?
		    SCMP_CMP_MASKED_EQ : SCMP_CMP_EQ;
		cmp.datum_a = a->mask != 0 ? a->mask : a->value;
		cmp.datum_b = a->value;
		rc |= a->arg < 0 ? seccomp_rule_add(ctx, act, nr, 0) :
		    seccomp_rule_add_array(ctx, act, nr, 1, &cmp);
	}
#ifndef RSH_SANITIZE
	/* Signals to its own threads alone (abort, raise). */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
#endif
	return rc;
}

/*
 * A call the filter forbids: tell the privileged part which (it logs
 * it), then die of SIGSYS.  Async-signal-safe calls only; the handler
 * was installed with SA_RESETHAND, so the SIGSYS raised here, delivered
 * once it returns, kills the whole process.
 */
static void
forbidden(int sig, siginfo_t *si, void *uc)
{
	struct sandbox_report	r;
	int			e = errno;

	(void)uc;
	r.tag = SANDBOX_REPORT_TAG;
	r.nr = si->si_syscall;
	r.arch = si->si_arch;
	if (report_fd != -1) {
		(void)send(report_fd, &r, sizeof(r), MSG_NOSIGNAL |
		    MSG_DONTWAIT);
	}
	(void)syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
	errno = e;
}

static int
filter(char *err, size_t errlen)
{
	struct sigaction	sa;
	scmp_filter_ctx		ctx;
	long			ncpu;
	int			rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forbidden;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		snprintf(err, errlen, "sigaction: %s", strerror(errno));
		return -1;
	}
	/* What libc would otherwise read later: /etc/localtime (syslog()
	 * stamps its lines with it) and the number of processors (malloc's
	 * limit on arenas, read when a thread first needs one). */
	tzset();
	if ((ncpu = sysconf(_SC_NPROCESSORS_ONLN)) > 0) {
		(void)mallopt(M_ARENA_MAX, (int)(8 * ncpu));
	}
	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL) {
		snprintf(err, errlen, "cannot make a seccomp filter");
		return -1;
	}
	/* A binary tree of system call numbers, not a list: each call the
	 * network part makes is judged in a few comparisons, not a hundred.
	 * An older libseccomp without it still filters, linearly. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr != __NR_SCMP_ERROR) {
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		}
	}
	rc |= add_arg_rules(ctx);
	if (rc != 0) {
		snprintf(err, errlen, "cannot build the seccomp filter");
		seccomp_release(ctx);
		return -1;
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "cannot load the seccomp filter: %s",
		    strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	return 0;
}

int
sandbox_account(const struct conf *c, struct sandbox *sb, char *err,
    size_t errlen)
{
	const char	*name = c->network_account != NULL ?
			    c->network_account : CONF_NETWORK_ACCOUNT;
	struct passwd	 pw, *res = NULL;
	char		 buf[4096];
	int		 e;

	memset(sb, 0, sizeof(*sb));
	if (geteuid() != 0) {
		return 0;
	}
	if (strlcpy(sb->name, name, sizeof(sb->name)) >= sizeof(sb->name)) {
		snprintf(err, errlen, "NetworkAccount '%s' is too long", name);
		return -1;
	}
	if ((e = getpwnam_r(name, &pw, buf, sizeof(buf), &res)) != 0 ||
	    res == NULL) {
		snprintf(err, errlen, "account '%s', which the network part "
		    "runs as (NetworkAccount), %s; create it with 'adduser "
		    "--system --group --no-create-home --home /nonexistent "
		    "%s', or name another with NetworkAccount", name,
		    e != 0 ? strerror(e) : "does not exist", name);
		return -1;
	}
	if (pw.pw_uid == 0) {
		snprintf(err, errlen, "NetworkAccount '%s' is root: the "
		    "network part must run without privilege", name);
		return -1;
	}
	sb->drop = 1;
	sb->uid = pw.pw_uid;
	sb->gid = pw.pw_gid;
	return 0;
}

/* Root, and every capability, gone for good. */
static int
drop(const struct sandbox *sb, char *err, size_t errlen)
{
	/* The bounding set first: it takes CAP_SETPCAP, which goes with
	 * root below. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1) {
			snprintf(err, errlen, "cannot drop capability %d: %s",
			    cap, strerror(errno));
			return -1;
		}
	}
	if (setgroups(1, &sb->gid) == -1 ||
	    setresgid(sb->gid, sb->gid, sb->gid) == -1 ||
	    setresuid(sb->uid, sb->uid, sb->uid) == -1) {
		snprintf(err, errlen, "cannot become %s (uid %u): %s",
		    sb->name, (unsigned)sb->uid, strerror(errno));
		return -1;
	}
	/* As OpenSSH checks: root must not be had back. */
	if (setuid(0) != -1 || seteuid(0) != -1) {
		snprintf(err, errlen, "became %s, yet could become root "
		    "again", sb->name);
		return -1;
	}
#ifdef RSH_SANITIZE
	/* The leak check at exit ptraces this process's threads, which
	 * the uid change made undumpable; only in the sanitizer build. */
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}

int
sandbox_enter(const struct sandbox *sb, int report, char *err,
    size_t errlen)
{
	if (sb->drop && drop(sb, err, errlen) == -1) {
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	report_fd = report;
	return filter(err, errlen);
}

const char *
sandbox_syscall_name(const struct sandbox_report *r)
{
	static __thread char	 buf[64];
	char			*name;

	if ((name = seccomp_syscall_resolve_num_arch(r->arch, r->nr)) ==
	    NULL) {
		return "unknown";
	}
	(void)strlcpy(buf, name, sizeof(buf));
	free(name);
	return buf;
}
