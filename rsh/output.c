/*
 * output: rsh's stdout and stderr.  STDOUT payloads are written straight
 * from the receive buffer, a batch per writev(); nothing is copied.
 */
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"

#include "output.h"

static int
failed(struct output *o, int e)
{
	o->failed = e;
	o->npend = 0;
	errno = e;
	return -1;
}

static int
output_flush(struct sink *s)
{
	struct output	*o = (struct output *)(void *)s;
	struct iovec	*iov = o->pend;
	int		 n = o->npend;

	if (o->failed) {
		return failed(o, o->failed);
	}
	while (n > 0) {
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
			return failed(o, errno);
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
	return 0;
}

static int
output_data(struct sink *s, int fd, const uint8_t *p, size_t len)
{
	struct output *o = (struct output *)(void *)s;

	if (o->failed) {
		return failed(o, o->failed);
	}
	if (fd == 2) {
		if (output_flush(s) == -1) {
			return -1;
		}
		return netio_write_full(2, p, len) == -1 ?
		    failed(o, errno) : 0;
	}
	o->pend[o->npend].iov_base = (void *)(uintptr_t)p;
	o->pend[o->npend].iov_len = len;
	if (++o->npend == OUTPUT_BATCH) {
		return output_flush(s);
	}
	return 0;
}

static int
output_end(struct sink *s, const struct sink_result *r)
{
	(void)r;
	/* A failed write was reported where it happened. */
	return ((struct output *)(void *)s)->failed ? 0 : output_flush(s);
}

static const struct sink_ops output_ops = {
	NULL, output_data, output_flush, output_end, NULL
};

void
output_init(struct output *o, const char *display)
{
	memset(o, 0, sizeof(*o));
	o->s.ops = &output_ops;
	o->s.display = display;
}
