/*
 * startwatch: a command whose start hangs (its directory or its program
 * on a hung NFS or FUSE mount) is killed when its time limit expires.
 * The thread that starts a command waits in clone() until the child has
 * exec'd, so it cannot do this itself; one thread of its own does it for
 * every start.
 */
#ifndef RSHD_STARTWATCH_H
#define RSHD_STARTWATCH_H

#include <sys/types.h>

/* One start being watched: on the starting thread's stack, armed from
 * before clone() until clone() has returned. */
struct startwatch {
	pid_t			 pid;		/* the kernel writes it
						 * (CLONE_PARENT_SETTID); 0
						 * until then */
	long long		 deadline;	/* monotonic ms; 0: none */
	int			 fired;		/* the child was killed */
	struct startwatch	*next;
};

/*
 * Starts the watching thread (once, before any command starts; it never
 * ends).  0, or -1 with errno.
 */
int	startwatch_start(void);

/*
 * Watches w until startwatch_disarm(): once deadline (monotonic ms) has
 * passed, the child whose pid the kernel has put in w->pid gets SIGKILL.
 * A deadline of 0 watches nothing.  The child must stay unreaped while
 * armed, so that its pid cannot be someone else's.
 */
void	startwatch_arm(struct startwatch *w, long long deadline);

/* Stops watching w.  1 when the child was killed, else 0. */
int	startwatch_disarm(struct startwatch *w);

#endif
