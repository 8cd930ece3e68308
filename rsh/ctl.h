/*
 * ctl: the control socket between a master (master.c) and the rsh calls
 * that use it (mux.c): where it lives, who may own it, and its records.
 * A record is a type byte, a 32-bit big-endian length and the payload;
 * an EXEC record carries the caller's stdin, stdout and stderr
 * (SCM_RIGHTS).  Nothing here uses libcrypto: a call through a master
 * does no cryptography at all.
 */
#ifndef RSH_CTL_H
#define RSH_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "target.h"

#define CTL_PATHMAX	108		/* sun_path */
#define CTL_HDR		5
#define CTL_MAXREC	(70 * 1024)	/* an EXEC payload and our header */

enum {
	CTL_EXEC = 1,	/* caller: u8 flags, u8 n, n bytes of -m, EXEC */
	CTL_SIGNAL,	/* caller: u8 signal */
	CTL_CHECK,	/* caller: is the master there? -> CTL_PID */
	CTL_EXIT,	/* caller: stop -> CTL_PID, then the master ends */
	CTL_RESULT,	/* master: u32 exit status, u8 sigpipe */
	CTL_PID		/* master: u32 pid */
};

#define CTL_F_VERBOSE	0x01
#define CTL_F_QUIET	0x02

/*
 * The control socket's path for t.  By default a directory of ours
 * ($XDG_RUNTIME_DIR/rsh, else /tmp/rsh-UID) and a name hashed from the
 * host connected to, port, server name and key file, so that two targets
 * never share a master; when create, the directory is made (mode 0700).
 * With ControlPath (t->control), that path with its ~ and %-tokens
 * expanded (rsh_config.5); its directory is never made.  Either way the
 * directory must be ours, not a symlink, and closed to others.  Returns
 * 0; 1 when the directory does not exist (and !create) or ControlPath is
 * none; -1 with a sentence in err (none when create, too long, ...).
 */
int	ctl_path(const struct target *t, int create, char *path, size_t len,
	    char *err, size_t errlen);

/*
 * The socket at path may be trusted: ours, a socket, mode 0600 at most.
 * Returns 0; 1 when there is none; -1 with a sentence in err.
 */
int	ctl_check_socket(const char *path, char *err, size_t errlen);

/* Removes a dead master's socket at path and its pid file (path.pid). */
void	ctl_remove(const char *path);

/* The peer of a connected unix socket runs as our uid: 0, or -1. */
int	ctl_peer_ok(int fd);

/*
 * Sends one record, with fds (nfd of them, 0 to 3) attached.  Blocks
 * until it is sent.  Returns 0, or -1 with errno.
 */
int	ctl_send(int fd, uint8_t type, const void *p, size_t len,
	    const int *fds, int nfd);

/*
 * Reads what fd has into b (cap bytes, *have already there), taking any
 * fds that arrive into fds (up to 3, *nfd counted; extra ones closed).
 * Returns the bytes read, 0 at end of file, -1 with errno (EAGAIN too).
 */
long	ctl_recv(int fd, uint8_t *b, size_t cap, size_t *have, int *fds,
	    int *nfd);

/*
 * A whole record at the start of b (have bytes): 1 with its type, payload
 * and total size; 0 when more bytes are needed; -1 when it is larger than
 * CTL_MAXREC.
 */
int	ctl_record(const uint8_t *b, size_t have, uint8_t *type,
	    const uint8_t **p, size_t *len, size_t *used);

#endif
