/*
 * term: a terminal session's local side: the request, raw mode and its
 * undoing, the escapes.  The saved mode lives in statics so that a signal
 * handler can put it back: tcsetattr() is async-signal-safe.  INT, TERM,
 * HUP and QUIT never get there (rsh reads them from a signalfd and ends
 * the session, which restores); the handlers are for the signals that
 * would kill rsh on the spot.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "netio.h"
#include "wire.h"

#include "conn.h"
#include "escape.h"
#include "sink.h"
#include "term.h"

static struct termios		saved;
static volatile sig_atomic_t	saved_fd = -1;
static int			hooked;

/* Signals whose default action ends rsh and that rsh does not read. */
static const int fatal[] = { SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU,
	SIGXFSZ, SIGVTALRM, SIGPROF };

void
term_restore(void)
{
	int fd = saved_fd;

	if (fd != -1) {
		saved_fd = -1;
		(void)tcsetattr(fd, TCSADRAIN, &saved);
	}
}

/* Restores, then dies of the signal as it would have. */
static void
on_fatal(int sig)
{
	int e = errno;

	term_restore();
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
	errno = e;
}

static void
hook(void)
{
	struct sigaction sa;

	if (hooked) {
		return;
	}
	hooked = 1;
	(void)atexit(term_restore);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		struct sigaction old;

		/* One ignored on purpose stays ignored. */
		if (sigaction(fatal[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL) {
			(void)sigaction(fatal[i], &sa, NULL);
		}
	}
}

int
term_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == -1) {
		return -1;
	}
	saved = t;
	hook();
	/* cfmakeraw(), and what ssh's enter_raw_mode() also does: keep
	 * the parity bits alone, a read returns a byte at a time. */
	t.c_iflag |= IGNPAR;
	t.c_iflag &= ~(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY |
	    IXOFF | IUCLC);
	t.c_lflag &= ~(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL |
	    IEXTEN);
	t.c_oflag &= ~OPOST;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	saved_fd = fd;
	if (tcsetattr(fd, TCSADRAIN, &t) == -1) {
		int e = errno;

		saved_fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

int
term_size(int fd, uint16_t *rows, uint16_t *cols)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == -1 || ws.ws_row == 0 ||
	    ws.ws_col == 0) {
		return -1;
	}
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}

int
term_request(struct wire_exec *e, char ***env)
{
	const char	*term = getenv("TERM");
	uint16_t	 rows, cols;

	e->flags |= EXEC_FLAG_PTY;
	if (isatty(0) && term_size(0, &rows, &cols) == 0) {
		e->has_pty_size = 1;
		e->rows = rows;
		e->cols = cols;
	}
	/* A TERM longer than any terminfo name is no terminal's. */
	if (term == NULL || term[0] == '\0' || strlen(term) > 256) {
		return 0;
	}
	for (size_t i = 0; i < e->envc; i++) {
		if (strncmp(e->env[i], "TERM=", 5) == 0) {
			return 0;
		}
	}
	if ((*env = calloc(e->envc + 2, sizeof(char *))) == NULL) {
		return -1;
	}
	memcpy(*env, e->env, e->envc * sizeof(char *));
	if (asprintf(&(*env)[e->envc], "TERM=%s", term) == -1) {
		free(*env);
		*env = NULL;
		return -1;
	}
	e->env = *env;
	e->envc++;
	return 0;
}

/* stdin on a terminal session: ssh's escapes; "~?" is answered here. */
static int
filter_escapes(void *ctx, const uint8_t *in, size_t n, uint8_t *out,
    size_t *outlen)
{
	struct escape	*esc = ctx;
	size_t		 o = 0, len, used;

	while (n > 0) {
		/* After the first call nothing is held: the room suffices. */
		switch (escape_scan(esc, in, n, out + o, &len, &used)) {
		case ESCAPE_DISCONNECT:
			*outlen = o + len;
			return -1;
		case ESCAPE_HELP:
			(void)netio_write_full(2, escape_help,
			    strlen(escape_help));
			break;
		default:
			break;
		}
		o += len;
		in += used;
		n -= used;
	}
	*outlen = o;
	return 0;
}

int
term_session(struct conn_params *p, struct term_session *ts, struct sink *s)
{
	struct escape *esc = &ts->esc;

	if (!isatty(0)) {
		return 0;	/* -tt: no local terminal to look after */
	}
	escape_init(esc);
	p->in_filter = filter_escapes;
	p->filter_ctx = esc;
	if (term_raw(0) == -1) {
		sink_msg(s, SINK_WARN | SINK_NOHOST, "cannot put the terminal "
		    "in raw mode: %s", strerror(errno));
		return 0;
	}
	s->raw = isatty(2);
	return 1;
}
