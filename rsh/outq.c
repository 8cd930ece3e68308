/*
 * outq: writes that never block on a caller's fds; what does not go at
 * once waits in a bounded queue, in the order it came.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "outq.h"

#define HDR	5	/* a chunk: fd (u8), length (u32, host order) */

enum {
	KIND_FILE = 0,	/* a file or a device: a write never waits long */
	KIND_NOWAIT,	/* a pipe or socket: RWF_NOWAIT, if the kernel can */
	KIND_POLL	/* else (a terminal): PIPE_BUF once writable */
};

int
outq_init(struct outq *q, size_t max)
{
	memset(q, 0, sizeof(*q));
	q->fds[1] = q->fds[2] = -1;
	return buf_init(&q->q, 0, max);
}

void
outq_free(struct outq *q)
{
	buf_free(&q->q);
}

static int
kind_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		return KIND_POLL;
	}
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		return KIND_FILE;
	}
	if (S_ISCHR(st.st_mode)) {
		return isatty(fd) ? KIND_POLL : KIND_FILE;
	}
	return KIND_NOWAIT;
}

void
outq_bind(struct outq *q, int out_fd, int err_fd)
{
	outq_reset(q);
	q->fds[1] = out_fd;
	q->fds[2] = err_fd;
	q->kind[1] = out_fd == -1 ? KIND_FILE : kind_of(out_fd);
	q->kind[2] = err_fd == -1 ? KIND_FILE : kind_of(err_fd);
}

void
outq_reset(struct outq *q)
{
	buf_consume(&q->q, q->q.len);
	q->head_done = 0;
	q->err_fd = 0;
}

/* What fd takes now, without waiting: bytes written (0: none now), or -1
 * with errno. */
static ssize_t
write_now(struct outq *q, int which, const uint8_t *p, size_t len)
{
	int	fd = q->fds[which];
	ssize_t	w;

	for (;;) {
		if (q->kind[which] == KIND_NOWAIT) {
			struct iovec v = { (void *)(uintptr_t)p, len };

			do {
				w = pwritev2(fd, &v, 1, -1, RWF_NOWAIT);
			} while (w == -1 && errno == EINTR);
			if (w != -1 || (errno != EOPNOTSUPP && errno != EINVAL)) {
				break;
			}
			q->kind[which] = KIND_POLL;	/* an older kernel */
			continue;
		}
		if (q->kind[which] == KIND_POLL) {
			struct pollfd pfd = { fd, POLLOUT, 0 };

			if (poll(&pfd, 1, 0) <= 0) {
				return 0;
			}
			/* A pipe that polls writable has a free page. */
			len = len < PIPE_BUF ? len : PIPE_BUF;
		}
		do {
			w = write(fd, p, len);
		} while (w == -1 && errno == EINTR);
		break;
	}
	if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		return 0;
	}
	return w;
}

static int
failed(struct outq *q, int which)
{
	q->err_fd = which;
	return -1;
}

int
outq_write(struct outq *q, int fd, const void *p, size_t len)
{
	const uint8_t	*b = p;
	uint8_t		*dst;
	uint32_t	 n;
	int		 which = fd == 1 ? 1 : 2;
	ssize_t		 w;

	while (len > 0 && q->q.len == 0) {
		if ((w = write_now(q, which, b, len)) == -1) {
			return failed(q, which);
		}
		if (w == 0) {
			break;
		}
		b += w;
		len -= (size_t)w;
	}
	if (len == 0) {
		return 0;
	}
	if (len > UINT32_MAX || (dst = buf_reserve(&q->q, HDR + len)) == NULL) {
		errno = ENOBUFS;
		return failed(q, 0);
	}
	n = (uint32_t)len;
	dst[0] = (uint8_t)which;
	memcpy(dst + 1, &n, sizeof(n));
	memcpy(dst + HDR, b, len);
	buf_commit(&q->q, HDR + len);
	return 0;
}

size_t
outq_pending(const struct outq *q)
{
	return q->q.len;
}

int
outq_pollfd(const struct outq *q, struct pollfd *pfd)
{
	if (q->q.len == 0) {
		return 0;
	}
	pfd->fd = q->fds[buf_data(&q->q)[0]];
	pfd->events = POLLOUT;
	pfd->revents = 0;
	return 1;
}

int
outq_drain(struct outq *q)
{
	while (q->q.len > 0) {
		const uint8_t	*h = buf_data(&q->q);
		uint32_t	 n;
		ssize_t		 w;

		memcpy(&n, h + 1, sizeof(n));
		if ((w = write_now(q, h[0], h + HDR + q->head_done,
		    n - q->head_done)) == -1) {
			return failed(q, h[0]);
		}
		if (w == 0) {
			return 0;
		}
		q->head_done += (size_t)w;
		if (q->head_done == n) {
			buf_consume(&q->q, HDR + n);
			q->head_done = 0;
		}
	}
	return 0;
}

int
outq_failed_fd(const struct outq *q)
{
	return q->err_fd;
}
