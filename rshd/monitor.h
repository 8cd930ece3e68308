/*
 * monitor: rshd's privileged part.  A process of its own, forked before
 * any thread starts, that alone judges commands against the
 * configuration it loaded itself, starts them (account, limits, cgroup,
 * terminal), signals, watches and reaps them.  The network part (every
 * thread that reads bytes from a peer) asks it through priv.h and gets a
 * started command's pipes and pidfd by SCM_RIGHTS; it answers each
 * channel only about the commands started on that channel.
 *
 * When the network part goes (a crash, a kill, or its normal end), each
 * channel's end closes: what was started on it and still runs is killed
 * with its group and cgroup, and the monitor exits once every channel is
 * closed.  When the monitor goes, the network part's calls fail and it
 * stops (server.c watches the hello socket).
 */
#ifndef RSHD_MONITOR_H
#define RSHD_MONITOR_H

#include "exec.h"
#include "snapshot.h"

/*
 * Runs the privileged part in this (just forked) process, taking new
 * channels from hello; boot is the snapshot of generation 1, src where
 * reloads read from, self rshd's account.  Never returns.
 */
void __attribute__((noreturn))
monitor_run(int hello, const struct snapshot_source *src,
    const struct exec_account *self, struct snapshot *boot);

#endif
