/*
 * chanpark: channels of the privileged part that are quiet wait here,
 * on one thread's poll(2), instead of each on a thread of its own.  A
 * connection that sits idle for minutes (a master's pooled connection,
 * an interactive session between commands) then costs the privileged
 * part a pollfd, not a thread's stack and pages.
 */
#ifndef RSHD_CHANPARK_H
#define RSHD_CHANPARK_H

/*
 * Starts the thread that watches parked channels (once, before the
 * first chanpark_add).  Whenever a parked fd is readable or hung up,
 * it is taken off the list and ready(arg) is called on that thread,
 * which then owns the channel again.  0, or -1 with errno.
 */
int	chanpark_start(void (*ready)(void *arg));

/*
 * Parks fd, whose owner is arg.  On 0 the caller has handed arg over
 * and must not touch it again: ready(arg) may already be running.  On
 * -1 (out of memory) the caller still owns it.
 */
int	chanpark_add(int fd, void *arg);

#endif
