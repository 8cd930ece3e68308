/*
 * runfiles: the files that say rshd runs, written and removed by its
 * privileged part, which may write where the operator pointed them
 * (/run, a test's directory) when the network part may not.
 */
#ifndef RSHD_RUNFILES_H
#define RSHD_RUNFILES_H

#include <sys/types.h>

/* Writes "PORT\n" to path atomically: readers never see half a file.
 * 0, or -1 with errno. */
int	runfiles_write_port(const char *path, int port);

/* Removes the pid file path if it still names pid (a newer rshd's is
 * left alone). */
void	runfiles_remove_pid(const char *path, pid_t pid);

/* The pid in the pid file path ("PID\n"); -1 when there is none. */
pid_t	runfiles_read_pid(const char *path);

#endif
