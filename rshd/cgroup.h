/*
 * cgroup: each command in a cgroup (v2) of its own, when rshd's cgroup is
 * delegated to it, so that stopping a command reaches every process it
 * started, also those that left its process group with setsid(1):
 * cgroup.kill kills them all at once, and cgroup.events says when none is
 * left.  Where cgroups cannot be used, commands are stopped by process
 * group, as before, and cgroup_init says why.
 *
 * A command's cgroup is made before it starts (the child joins it between
 * fork and exec, so nothing it starts can be outside) and removed when
 * the command is done; one that a detached background process still
 * occupies is removed later, when it empties (cgroup_sweep).
 */
#ifndef RSHD_CGROUP_H
#define RSHD_CGROUP_H

#include <stddef.h>

struct cgroup_cmd;

/*
 * Finds rshd's own cgroup and checks that commands' cgroups can be made
 * under it (with cgroup.kill, Linux 5.14); their names carry rshd_pid
 * (the network part's, which ps and the pid file show).  1 when they will
 * be used; 0 with the reason in why.  Call once, before any thread.
 */
int	cgroup_init(int enabled, long rshd_pid, char *why, size_t whylen);

/* Where commands' cgroups are made ("" when cgroups are not used). */
const char *cgroup_base(void);

/*
 * A new cgroup for a command: NULL when cgroups are not used (*err 0), or
 * when it cannot be made (*err the errno).  *procs_fd gets an O_CLOEXEC
 * fd of its cgroup.procs for the child to write "0" to; the caller closes
 * it once the child runs.
 */
struct cgroup_cmd *cgroup_cmd_new(int *procs_fd, int *err);

/* Kills every process in it (cgroup.kill).  0 or -1. */
int	cgroup_cmd_kill(const struct cgroup_cmd *);

/* 1 while a process lives in it, 0 when none, -1 on error. */
int	cgroup_cmd_populated(const struct cgroup_cmd *);

/* Removes it now, or once it is empty; frees c.  NULL does nothing. */
void	cgroup_cmd_free(struct cgroup_cmd *c);

/*
 * Removes the emptied cgroups of commands done before, all of them at
 * most once a second (the rest of the time it only counts); a start
 * tries a few of them itself.  How many are still occupied.
 */
int	cgroup_sweep(void);

#endif
