/*
 * output: rsh's stdout and stderr.  STDOUT payloads are written straight
 * from the receive buffer, a batch per writev(); nothing is copied.
 */
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netio.h"
#include "wire.h"

#include "output.h"

static const char *
error_label(uint16_t code)
{
	static const char *labels[] = { "error", "bad request", "denied",
	    "cannot run the command", "busy", "timed out",
	    "server shutting down", "internal error", "output cut" };

	return code < sizeof(labels) / sizeof(labels[0]) ? labels[code] :
	    "error";
}

void
output_error(const char *display, const uint8_t *p, size_t len)
{
	char		vis[4 * WIRE_MAXERRTEXT + 1];
	uint16_t	code = wire_get16(p);

	fprintf(stderr, "rsh: %s: %s", display, error_label(code));
	if (code >= 9) {
		fprintf(stderr, " %u", code);
	}
	fprintf(stderr, "%s%s\n", len > 2 ? ": " : "",
	    log_vis(vis, sizeof(vis), p + 2, len - 2));
}

void
output_text(const char *display, const uint8_t *p, size_t len)
{
	char vis[4 * WIRE_MAXERRTEXT + 1];

	fprintf(stderr, "rsh: %s: %s\n", display,
	    log_vis(vis, sizeof(vis), p, len));
}

/* Our stdout or stderr broke: say so once, or die of SIGPIPE like any
 * local writer to a closed pipe. */
static void
output_failed(struct output *o, int fd)
{
	if (errno == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	o->failed = 1;
	fprintf(stderr, "rsh: cannot write %s: %s\n",
	    fd == 1 ? "standard output" : "standard error", strerror(errno));
}

void
output_flush(struct output *o)
{
	struct iovec	*iov = o->pend;
	int		 n = o->npend;

	while (n > 0 && !o->failed) {
		ssize_t w = writev(1, iov, n);

		if (w == -1 && errno == EINTR) {
			continue;
		}
		if (w == -1 && errno == EAGAIN) {
			/* Someone made our stdout nonblocking: wait, lose nothing. */
			struct pollfd pfd = { 1, POLLOUT, 0 };

			(void)poll(&pfd, 1, -1);
			continue;
		}
		if (w == -1) {
			output_failed(o, 1);
			break;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	o->npend = 0;
}

void
output_stdout(struct output *o, const uint8_t *p, size_t len)
{
	if (o->failed) {
		return;
	}
	o->pend[o->npend].iov_base = (void *)p;
	o->pend[o->npend].iov_len = len;
	if (++o->npend == OUTPUT_BATCH) {
		output_flush(o);
	}
}

void
output_stderr(struct output *o, const uint8_t *p, size_t len)
{
	output_flush(o);
	if (!o->failed && netio_write_full(2, p, len) == -1) {
		output_failed(o, 2);
	}
}
