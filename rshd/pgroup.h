/*
 * pgroup: whether a command's process group (or, on a terminal, its
 * session) still has a member that can run.  The answer comes from one walk of /proc that every thread shares:
 * with hundreds of commands being stopped at once, each asks for a walk
 * no older than it needs, and one walk answers them all.
 */
#ifndef RSHD_PGROUP_H
#define RSHD_PGROUP_H

#include <sys/types.h>

/*
 * 1 when a process of group pgid that is not a zombie exists (or /proc
 * cannot tell), according to a walk of /proc that started at or after
 * since_ms (netio_now_ms()); 0 when there is none.  A caller passes the
 * time it last knew the group to have changed (its leader's exit, its
 * last check), so the answer is never older than that.
 */
int	pgroup_has_runner(pid_t pgid, long long since_ms);

/* The same for a session: a process of session sid, zombies aside. */
int	pgroup_session_has_runner(pid_t sid, long long since_ms);

/*
 * Sends sig to every process of session sid (a terminal session: an
 * interactive shell puts each of its jobs in a group of its own), from a
 * fresh walk of /proc, each through a pidfd after checking that it is
 * still of the session.  The session's id is its leader's pid, which its
 * owner keeps from reuse (a zombie until the session is gone).
 */
void	pgroup_signal_session(pid_t sid, int sig);

/*
 * The processes of group pgid, zombies aside, that hold the pipe whose
 * inode is ino open (on any fd): up to max pids in out.  Returns how many
 * were found (possibly more than max), from a fresh walk of /proc.
 */
int	pgroup_holders(pid_t pgid, ino_t ino, pid_t *out, int max);

/*
 * Sends sig to pid only if it is still a holder as above: checked
 * through a pidfd, so a pid reused since the walk is never signalled.
 */
void	pgroup_signal_holder(pid_t pid, pid_t pgid, ino_t ino, int sig);

#endif
