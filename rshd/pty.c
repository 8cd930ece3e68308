/*
 * pty: a pseudo-terminal in place of a command's pipes, set up as sshd
 * does, and its size.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "exec.h"
#include "plan.h"
#include "pty.h"

int
pty_resize(int master, uint16_t rows, uint16_t cols)
{
	struct winsize ws;

	memset(&ws, 0, sizeof(ws));
	ws.ws_row = rows;
	ws.ws_col = cols;
	return ioctl(master, TIOCSWINSZ, &ws);
}

int
pty_make(const struct exec_plan *p, int in[2], int out[2], int err[2])
{
	char	name[64];

	in[0] = in[1] = out[0] = out[1] = err[0] = err[1] = -1;
	if ((out[0] = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    grantpt(out[0]) == -1 || unlockpt(out[0]) == -1 ||
	    ptsname_r(out[0], name, sizeof(name)) != 0 ||
	    (out[1] = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		return -1;
	}
	if (p->rows != 0 && p->cols != 0 &&
	    pty_resize(out[0], p->rows, p->cols) == -1) {
		return -1;
	}
	/* rshd not root (hence not switching) may not be in group tty. */
	if ((fchown(out[1], p->uid, p->tty_gid) == -1 && p->change_ids) ||
	    fchmod(out[1], p->tty_mode) == -1) {
		return -1;
	}
	if ((err[1] = fcntl(out[1], F_DUPFD_CLOEXEC, 3)) == -1) {
		return -1;
	}
	if (p->no_stdin) {
		in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	} else if ((in[0] = fcntl(out[1], F_DUPFD_CLOEXEC, 3)) != -1) {
		in[1] = fcntl(out[0], F_DUPFD_CLOEXEC, 3);
	}
	return in[0] == -1 || (!p->no_stdin && in[1] == -1) ? -1 : 0;
}
