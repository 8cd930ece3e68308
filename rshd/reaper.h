/*
 * reaper: when rshd is PID 1 (a container) or a child subreaper, orphaned
 * processes become its children and nobody else will reap them.  It reaps
 * those, and only those: its own commands' leaders are left to their jobs,
 * which keep them zombies on purpose (their pid holds the group id).
 */
#ifndef RSHD_REAPER_H
#define RSHD_REAPER_H

#include <sys/types.h>

/* 1 when orphans come to rshd (PID 1 or PR_SET_CHILD_SUBREAPER). */
int	reaper_needed(void);

/*
 * Around a spawn: reaper_hold() before the child exists, reaper_add() once
 * its pid is known (not when the spawn failed), reaper_release() after;
 * so a command that exits at once is never taken for an orphan.
 * reaper_add() is -1 when memory runs out: the caller must then kill and
 * reap the child itself, or it could be reaped as an orphan.
 */
void	reaper_hold(void);
int	reaper_add(pid_t pid);
void	reaper_release(void);

/* A command's leader was reaped by its job (or given up): forget it. */
void	reaper_remove(pid_t pid);

/* Opens the main thread's children file now, for a process that will
 * not be able to open it later (the network part, sandboxed). */
void	reaper_open(void);

/* Reaps every exited child that is not a command's leader.  Returns how
 * many, or -1 when a spawn holds the registry (try again shortly). */
int	reaper_reap(void);

#endif
