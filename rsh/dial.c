/*
 * dial: getaddrinfo(), then one nonblocking connect() at a time, in the
 * order the resolver gives (it sorts by RFC 6724).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"

#include "dial.h"

void
dial_init(struct dial *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

/* strerror(e) as the end of a sentence: "connection refused". */
static void
set_err(struct dial *d, int e)
{
	d->errnum = e;
	snprintf(d->err, sizeof(d->err), "%s", strerror(e));
	d->err[0] = (char)tolower((unsigned char)d->err[0]);
}

int
dial_resolve(struct dial *d, const char *host, const char *port)
{
	struct addrinfo	hints, *ai;
	int		rc;

	d->t0_us = netio_now_us();
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &d->res)) != 0) {
		snprintf(d->err, sizeof(d->err), "%s", gai_strerror(rc));
		d->res = NULL;
		return -1;
	}
	d->resolve_ms = (double)(netio_now_us() - d->t0_us) / 1000.0;
	for (ai = d->res; ai != NULL; ai = ai->ai_next) {
		d->naddr++;
	}
	d->ai = NULL;
	snprintf(d->err, sizeof(d->err), "no address");
	return 0;
}

static void
close_fd(struct dial *d)
{
	if (d->fd != -1) {
		close(d->fd);
		d->fd = -1;
	}
}

int
dial_next(struct dial *d)
{
	int one = 1;

	close_fd(d);
	for (;;) {
		d->ai = d->ai == NULL ? d->res : d->ai->ai_next;
		if (d->ai == NULL) {
			return DIAL_FAILED;
		}
		d->fd = socket(d->ai->ai_family, d->ai->ai_socktype |
		    SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (d->fd == -1) {
			set_err(d, errno);
			continue;
		}
		/* From the first byte: no delayed-ACK stall on C1. */
		(void)setsockopt(d->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		if (connect(d->fd, d->ai->ai_addr, d->ai->ai_addrlen) == 0) {
			return DIAL_DONE;
		}
		if (errno == EINPROGRESS) {
			return DIAL_PENDING;
		}
		set_err(d, errno);
		close_fd(d);
	}
}

int
dial_events(struct dial *d)
{
	socklen_t	len = sizeof(int);
	int		e = 0;

	if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1) {
		e = errno;
	}
	if (e == 0) {
		return DIAL_DONE;
	}
	if (e == EINPROGRESS || e == EALREADY) {
		return DIAL_PENDING;
	}
	set_err(d, e);
	return dial_next(d);
}

int
dial_take(struct dial *d)
{
	int fd = d->fd;

	d->fd = -1;
	return fd;
}

void
dial_addr(const struct dial *d, char *out, size_t len)
{
	if (d->ai == NULL || netio_addr_str(d->ai->ai_addr, out, len) == -1) {
		snprintf(out, len, "?");
	}
}

void
dial_free(struct dial *d)
{
	close_fd(d);
	if (d->res != NULL) {
		freeaddrinfo(d->res);
	}
	d->res = d->ai = NULL;
	d->naddr = 0;
}
