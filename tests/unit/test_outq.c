/*
 * test_outq: output for a caller's fds never blocks: what a full pipe
 * cannot take waits in the queue, in order across stdout and stderr, and
 * comes out whole once the reader reads; the queue keeps its bound; a
 * reader that went away is an error (EPIPE) naming the fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../rsh/outq.h"

#include "check.h"

#define BIG	(512 * 1024)

static uint8_t src[BIG], dst[2 * BIG + 16];

/* Reads what the pipe has (its read end is nonblocking). */
static size_t
slurp(int fd, uint8_t *to, size_t cap)
{
	size_t	n = 0;
	ssize_t	r;

	while (n < cap && (r = read(fd, to + n, cap - n)) > 0) {
		n += (size_t)r;
	}
	return n;
}

int
main(void)
{
	struct outq	q;
	struct pollfd	pfd;
	int		out[2], err[2];
	size_t		got = 0, egot = 0;
	uint8_t		ebuf[64];

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(src); i++) {
		src[i] = (uint8_t)(i * 7 + i / 251);
	}
	CHECK(pipe2(out, O_CLOEXEC) == 0);
	CHECK(pipe2(err, O_CLOEXEC) == 0);
	/* Our read ends only: the write ends stay blocking, as a caller's. */
	CHECK(fcntl(out[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK(fcntl(err[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK(outq_init(&q, 1024 * 1024) == 0);
	outq_bind(&q, out[1], err[1]);

	/* More than the pipe holds: returns at once, the rest queued. */
	CHECK_EQ(outq_write(&q, 1, src, BIG), 0);
	CHECK(outq_pending(&q) > 0);
	CHECK(outq_pending(&q) < BIG + 64);
	/* stderr comes after what stdout has queued, though its pipe is
	 * empty: order is kept. */
	CHECK_EQ(outq_write(&q, 2, "late\n", 5), 0);
	CHECK_EQ(slurp(err[0], ebuf, sizeof(ebuf)), 0);
	CHECK_EQ(outq_pollfd(&q, &pfd), 1);
	CHECK_EQ(pfd.fd, out[1]);
	CHECK_EQ(pfd.events, POLLOUT);

	/* The bound: a chunk past it is refused, nothing else lost. */
	CHECK_EQ(outq_write(&q, 1, dst, sizeof(dst)), -1);
	CHECK_EQ(errno, ENOBUFS);
	CHECK_EQ(outq_failed_fd(&q), 0);

	/* The reader reads; drains take the rest, in order. */
	while (outq_pending(&q) > 0) {
		got += slurp(out[0], dst + got, sizeof(dst) - got);
		CHECK_EQ(outq_drain(&q), 0);
	}
	got += slurp(out[0], dst + got, sizeof(dst) - got);
	CHECK_EQ(got, BIG);
	CHECK_MEM(dst, src, BIG);
	egot = slurp(err[0], ebuf, sizeof(ebuf));
	CHECK_EQ(egot, 5);
	CHECK_MEM(ebuf, "late\n", 5);
	CHECK_EQ(outq_pollfd(&q, &pfd), 0);

	/* The reader goes: EPIPE, and the fd it was for. */
	close(err[0]);
	CHECK_EQ(outq_write(&q, 2, "x", 1), -1);
	CHECK_EQ(errno, EPIPE);
	CHECK_EQ(outq_failed_fd(&q), 2);

	outq_free(&q);
	close(out[0]);
	close(out[1]);
	close(err[1]);
	return check_done("test_outq");
}
