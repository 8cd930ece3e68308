/*
 * exec: running one command.  Everything the child needs (path, argv,
 * envp, directory) is built before the child exists, so that it makes
 * only system calls; the child gets its own session and process
 * group, and the parent watches it through a pidfd.
 */
#ifndef RSHD_EXEC_H
#define RSHD_EXEC_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* The account a command runs as. */
struct exec_account {
	uid_t	 uid;
	gid_t	 gid;
	char	*name;
	char	*home;
	char	*shell;		/* "/bin/sh" when the account has none */
};

/* A running (or exited, not yet drained) command, owned by its job. */
struct child {
	pid_t	pid;		/* also its process group id */
	int	pidfd;		/* readable once it exits; -1 once reaped */
	int	exited;		/* status read; kept a zombie, it holds the
				 * pgid so no one else can take it */
	int	in_fd;		/* its stdin, our write end; -1: closed */
	int	out_fd;		/* its stdout, our read end; -1: closed */
	int	err_fd;		/* its stderr, our read end; -1: closed */
	int	pty;		/* on a terminal: out_fd is its master, in_fd
				 * a duplicate of it, err_fd -1 */
	/* Once exited: what it and the children it waited for used. */
	uint64_t cpu_us;	/* user and system time */
	uint64_t maxrss_kib;	/* the largest resident set among them */
};

#define EXEC_MAXLIMITS	4

/* A resource limit for the command (setrlimit in the child). */
struct exec_limit {
	int		resource;	/* RLIMIT_* */
	long long	value;		/* soft and hard */
};

/*
 * What policy granted a command: its account, a forced command or the
 * exact argument vector to run, the variables beyond the account's own,
 * PATH and resource limits.  Nothing here is owned by the plan: it
 * copies what it keeps.
 */
struct exec_grant {
	const struct exec_account *acct;
	const char	 *forced;	/* run as SHELL -c instead of e */
	char *const	 *argv;		/* not NULL: run exactly these argc
					 * words, no shell, instead of e (an
					 * allow= key's, as matched) */
	size_t		  argc;
	char *const	 *env;		/* "NAME=value", envc of them */
	size_t		  envc;
	const char	 *path;		/* PATH; NULL: by the account's uid */
	struct exec_limit limits[EXEC_MAXLIMITS];
	int		  nlimits;
	int		  no_new_privs;	/* the key's no-new-privs */
};

struct exec_plan;

/*
 * Builds what exec_spawn() needs from a decoded EXEC and what policy
 * granted.  NULL on failure, with *code the exit status the client should
 * end with (127: command not found, 255: anything else) and a sentence in
 * msg.
 */
struct exec_plan *exec_plan_new(const struct wire_exec *e,
		    const struct exec_grant *g, char *msg, size_t msglen,
		    int *code);
void		 exec_plan_free(struct exec_plan *);

/* The directory the plan's command will run in: the client's, else the
 * account's home, else "/" when that home does not exist. */
const char	*exec_plan_cwd(const struct exec_plan *);

/*
 * Starts the plan (clone() sharing rshd's memory, then execve()); with
 * cgfd (a cgroup.procs fd, else -1) the child joins that cgroup first.
 * With limit_ms > 0, a child that has not exec'd limit_ms after the start
 * (a hung file system) is killed and the start fails.  On success the
 * child's pid, pidfd and pipe ends (all O_CLOEXEC, the parent's ends
 * nonblocking) are in *c and the caller owns them.  On failure nothing is
 * left open, *code is 126 (not executable), 127 (not found) or 255, and
 * msg says why.
 */
int	exec_spawn(const struct exec_plan *p, int cgfd, long long limit_ms,
	    struct child *c, char *msg, size_t msglen, int *code);

/*
 * How many children are between clone() and the close of rshd's fds: for
 * those few system calls each may hold a copy of any command's pipe ends,
 * so an output that has not ended yet may still end at once.
 */
unsigned int	exec_starting(void);

/*
 * Reads the child's exit status if it has exited (without blocking), but
 * leaves it a zombie until exec_close(): while it is one, its process
 * group id cannot be reused, so signalling the group stays safe.
 * Returns 1 with *how (EXIT_HOW_EXITED or EXIT_HOW_SIGNALED) and *code
 * set, and c's cpu_us and maxrss_kib, 0 if it still runs, -1 on error.
 */
int	exec_reap(struct child *c, int *how, int *code);

/*
 * A command on a terminal: its new size (the kernel tells the terminal's
 * foreground group with SIGWINCH).  Nothing for any other command.
 */
void	exec_resize(const struct child *c, uint16_t rows, uint16_t cols);

/* Sends sig to the child's whole process group. */
void	exec_signal(const struct child *c, int sig);

/* Reaps the exited leader and closes whatever fds *c still holds. */
void	exec_close(struct child *c);

/* The account rshd itself runs as, the one named, a copy.  0 or -1. */
int	exec_account_self(struct exec_account *a);
int	exec_account_named(struct exec_account *a, const char *name);
int	exec_account_copy(struct exec_account *to,
	    const struct exec_account *from);
void	exec_account_free(struct exec_account *a);

#endif
