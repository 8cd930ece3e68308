/*
 * netio: full reads and writes, nonblocking helpers, and server names.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netio.h"

#define NETIO_NAMELEN	255	/* the longest server name */

int
netio_write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	struct pollfd pfd;
	ssize_t n;
	int sock = 1;

	while (len > 0) {
		/* send() keeps a vanished peer from raising SIGPIPE. */
		if (sock)
			n = send(fd, p, len, MSG_NOSIGNAL);
		else
			n = write(fd, p, len);
		if (n == -1) {
			if (sock && errno == ENOTSOCK) {
				sock = 0;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
				return -1;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Waits until fd is readable or the deadline (-1: none) passes.  Returns
 * 0 when it may be read, -1 with errno (ETIMEDOUT) otherwise.
 */
static int
netio_wait_in(int fd, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		left = -1;
		if (deadline >= 0) {
			left = deadline - netio_now_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
		}
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
	}
}

ssize_t
netio_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	uint8_t *p = buf;
	long long deadline = -1;
	size_t got = 0;
	ssize_t n;

	if (len > SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (timeout_ms >= 0)
		deadline = netio_now_ms() + timeout_ms;
	while (got < len) {
		/* With a limit, never enter a read that could block past it. */
		if (deadline >= 0 && netio_wait_in(fd, deadline) == -1)
			return -1;
		n = read(fd, p + got, len - got);
		if (n == 0)
			break;
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (deadline < 0 && netio_wait_in(fd, -1) == -1)
			return -1;
	}
	return (ssize_t)got;
}

/* fd is a FIFO, whose read() may wait with nothing in it: 1, else 0.  A
 * terminal is read as before once poll() says so: its line discipline
 * decides what FIONREAD counts. */
static int
may_wait(int fd, int *sock)
{
	struct stat st;

	*sock = 0;
	if (fstat(fd, &st) == -1) {
		return 1;
	}
	if (S_ISSOCK(st.st_mode)) {
		*sock = 1;
		return 0;
	}
	return S_ISFIFO(st.st_mode);
}

ssize_t
netio_read_nowait(int fd, void *buf, size_t len)
{
	struct iovec	v = { buf, len };
	struct pollfd	pfd = { fd, POLLIN, 0 };
	ssize_t		r;
	int		avail = 0, sock;

	do {
		r = preadv2(fd, &v, 1, -1, RWF_NOWAIT);
	} while (r == -1 && errno == EINTR);
	if (r != -1 || (errno != EOPNOTSUPP && errno != EINVAL)) {
		return r;	/* EAGAIN too: nothing there now */
	}
	/* An older kernel, a FIFO, a terminal: no RWF_NOWAIT for reads. */
	if (!may_wait(fd, &sock)) {
		do {
			r = sock ? recv(fd, buf, len, MSG_DONTWAIT) :
			    read(fd, buf, len);
		} while (r == -1 && errno == EINTR);
		return r;
	}
	if (ioctl(fd, FIONREAD, &avail) == -1) {
		avail = 0;
	}
	if (avail > 0) {
		len = (size_t)avail < len ? (size_t)avail : len;
	} else if (poll(&pfd, 1, 0) != 1 || ((pfd.revents & POLLIN) != 0 &&
	    (pfd.revents & POLLHUP) == 0)) {
		/* Readable with nothing in it is the end of file (or a
		 * hang-up), which read() reports at once; otherwise there is
		 * nothing to read now. */
		errno = EAGAIN;
		return -1;
	}
	do {
		r = read(fd, buf, len);
	} while (r == -1 && errno == EINTR);
	return r;
}

int
netio_set_nonblock(int fd, int on)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) == -1 ? -1 : 0;
}

int
netio_set_liveness(int fd, int limit_ms, int flags)
{
	int	on = 1, total, idle, intvl, cnt;

	if (limit_ms <= 0) {
		return 0;
	}
	/* TCP_KEEPIDLE takes at most 32767 s. */
	limit_ms = limit_ms < 65534000 ? limit_ms : 65534000;
	/* Whole seconds, as the kernel counts keepalive: 120 s gives 60 s
	 * quiet, then 4 probes 15 s apart. */
	total = limit_ms / 1000 > 2 ? limit_ms / 1000 : 2;
	idle = total / 2;
	intvl = (total - idle) / 4 > 0 ? (total - idle) / 4 : 1;
	cnt = (total - idle) / intvl;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof(idle)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) == -1) {
		return -1;
	}
	if ((flags & NETIO_LIVE_SENT) && setsockopt(fd, IPPROTO_TCP,
	    TCP_USER_TIMEOUT, &limit_ms, sizeof(limit_ms)) == -1) {
		return -1;
	}
	return 0;
}

long long
netio_unanswered_ms(int fd)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1) {
		return -1;
	}
	/* A shut window's probes are answered, and reset tcpi_probes. */
	if (ti.tcpi_unacked == 0 && ti.tcpi_probes == 0) {
		return 0;
	}
	return ti.tcpi_last_ack_recv;
}

long long
netio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
netio_abstime(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

uint64_t
netio_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
netio_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * RFC 5952 text for an IPv6 address: lowercase hex without leading
 * zeros, the longest run of two or more zero fields (the first of equal
 * runs) as "::".  Written out here rather than taken from inet_ntop(),
 * which in glibc prints "::a.b.c.d" for the deprecated IPv4-compatible
 * form; plain hex is what RFC 5952 section 4 asks for and what other
 * implementations (Python, Go, Rust) produce, and the name is bound into
 * the handshake, so both sides must spell it the same way.
 */
static int
netio_fmt6(const uint8_t a[16], char *out, size_t outlen)
{
	char tmp[INET6_ADDRSTRLEN];
	size_t used = 0;
	int w[8], i, best = -1, bestlen = 0, run;

	for (i = 0; i < 8; i++)
		w[i] = a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && w[i + run] == 0; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	if (bestlen < 2) {
		best = -1;
		bestlen = 0;
	}
	tmp[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (i == best) {
			used += (size_t)snprintf(tmp + used, sizeof(tmp) - used,
			    "::");
			i += bestlen - 1;
			continue;
		}
		used += (size_t)snprintf(tmp + used, sizeof(tmp) - used,
		    "%s%x", i == 0 || i == best + bestlen ? "" : ":",
		    (unsigned)w[i]);
	}
	return strlcpy(out, tmp, outlen) < outlen ? 0 : -1;
}

/* The canonical name of a raw address; IPv4-mapped IPv6 becomes IPv4. */
static int
netio_fmt_addr(int af, const void *addr, char *out, size_t outlen)
{
	const uint8_t *a = addr;

	if (af == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a))
		return netio_fmt_addr(AF_INET, a + 12, out, outlen);
	if (af == AF_INET6)
		return netio_fmt6(a, out, outlen);
	if (af != AF_INET || outlen > INT_MAX) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return inet_ntop(AF_INET, a, out, (socklen_t)outlen) == NULL ? -1 : 0;
}

/* ASCII only, whatever the locale says. */
static int
netio_isalnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* A zone index ("%eth0") as getaddrinfo() takes it: a short plain word. */
static int
netio_zone_valid(const char *z)
{
	size_t i;

	for (i = 0; z[i] != '\0'; i++) {
		if (!netio_isalnum(z[i]) && z[i] != '-' &&
		    z[i] != '_' && z[i] != '.')
			return 0;
	}
	return i > 0 && i < IF_NAMESIZE;
}

/*
 * s (writable) must be an IPv6 literal.  A zone index is dropped: it names
 * an interface of the client, which the server cannot know, and the
 * server's own name for the address it was reached at carries none; the
 * caller still connects with the zone as the user typed it.
 */
static int
netio_canon_v6(char *s, char *out, size_t outlen)
{
	struct in6_addr a;
	char *zone;

	if ((zone = strchr(s, '%')) != NULL) {
		*zone++ = '\0';
		if (!netio_zone_valid(zone))
			return -1;
	}
	if (inet_pton(AF_INET6, s, &a) != 1)
		return -1;
	return netio_fmt_addr(AF_INET6, &a, out, outlen);
}

/*
 * A host name: 1 to 255 bytes of letters, digits, '-', '_' and '.' after
 * its trailing dot goes, no empty label, lowercased.  Digits and dots
 * alone that inet_pton() refused ("127.1", "1.2.3.04") are refused too:
 * the resolver would read them as some address the server could never
 * call itself by that spelling.
 */
static int
netio_canon_host(const char *in, char *out, size_t outlen)
{
	size_t len = strlen(in), i;
	int numeric = 1;
	char c;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > NETIO_NAMELEN || len >= outlen ||
	    in[len - 1] == '.')
		return -1;
	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '.' && (i == 0 || in[i - 1] == '.'))
			return -1;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!netio_isalnum(c) && c != '-' && c != '_' && c != '.')
			return -1;
		if (c != '.' && !(c >= '0' && c <= '9'))
			numeric = 0;
		out[i] = c;
	}
	out[len] = '\0';
	return numeric ? -1 : 0;
}

int
netio_name_canon(const char *in, char *out, size_t outlen)
{
	char lit[NETIO_NAMEMAX + 1];	/* a longest name and its dot */
	struct in_addr a4;
	size_t len = strlen(in);

	if (in[0] == '[') {
		/* Brackets are for IPv6 literals only. */
		if (len < 2 || in[len - 1] != ']' || len - 2 >= sizeof(lit))
			return -1;
		memcpy(lit, in + 1, len - 2);
		lit[len - 2] = '\0';
		return netio_canon_v6(lit, out, outlen);
	}
	if (len >= sizeof(lit))
		return -1;
	memcpy(lit, in, len + 1);
	if (inet_pton(AF_INET, lit, &a4) == 1)
		return netio_fmt_addr(AF_INET, &a4, out, outlen);
	/* No host name holds a colon. */
	if (strchr(lit, ':') != NULL)
		return netio_canon_v6(lit, out, outlen);
	return netio_canon_host(lit, out, outlen);
}

int
netio_addr_name(const struct sockaddr *sa, char *out, size_t outlen)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		return netio_fmt_addr(AF_INET, &sin->sin_addr, out, outlen);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		return netio_fmt_addr(AF_INET6, &sin6->sin6_addr, out, outlen);
	default:
		errno = EAFNOSUPPORT;
		return -1;
	}
}

int
netio_addr_host_port(const struct sockaddr *sa, char *host, size_t hostlen,
    unsigned *port)
{
	if (netio_addr_name(sa, host, hostlen) == -1)
		return -1;
	*port = sa->sa_family == AF_INET ?
	    ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port) :
	    ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

int
netio_addr_str(const struct sockaddr *sa, char *out, size_t outlen)
{
	const struct sockaddr_in6 *sin6;
	char host[INET6_ADDRSTRLEN], zone[IF_NAMESIZE + 1];
	unsigned port;
	int n;

	if (netio_addr_name(sa, host, sizeof(host)) == -1)
		return -1;
	if (sa->sa_family == AF_INET) {
		port = ntohs(((const struct sockaddr_in *)
		    (const void *)sa)->sin_port);
		n = snprintf(out, outlen, "%s:%u", host, port);
		return n < 0 || (size_t)n >= outlen ? -1 : 0;
	}
	sin6 = (const struct sockaddr_in6 *)(const void *)sa;
	port = ntohs(sin6->sin6_port);
	zone[0] = '\0';
	if (sin6->sin6_scope_id != 0) {
		zone[0] = '%';
		if (if_indextoname(sin6->sin6_scope_id, zone + 1) == NULL)
			snprintf(zone, sizeof(zone), "%%%u",
			    (unsigned)sin6->sin6_scope_id);
	}
	/* A mapped address was named as IPv4: no brackets then. */
	if (strchr(host, ':') == NULL)
		n = snprintf(out, outlen, "%s:%u", host, port);
	else
		n = snprintf(out, outlen, "[%s%s]:%u", host, zone, port);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Copies in[0..len) into out as a string; -1 when it does not fit. */
static int
netio_copy(char *out, size_t outlen, const char *in, size_t len)
{
	if (len >= outlen)
		return -1;
	memcpy(out, in, len);
	out[len] = '\0';
	return 0;
}

int
netio_split_hostport(const char *arg, char *host, size_t hostlen,
    char *port, size_t portlen)
{
	const char *end, *colon;
	size_t i;

	if (arg[0] == '[') {
		if ((end = strchr(arg, ']')) == NULL || end == arg + 1)
			return -1;
		if (end[1] != '\0' && end[1] != ':')
			return -1;
		if (netio_copy(host, hostlen, arg + 1, (size_t)(end - arg - 1)))
			return -1;
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strchr(arg, ':');
		/* Two colons or more: a bare IPv6 literal, no port. */
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;
		i = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
		if (i == 0 || netio_copy(host, hostlen, arg, i) == -1)
			return -1;
	}
	if (colon == NULL)
		return netio_copy(port, portlen, "", 0);
	/* A port number or a service name; getaddrinfo() judges it. */
	for (i = 1; colon[i] != '\0'; i++) {
		if (!netio_isalnum(colon[i]) && colon[i] != '-')
			return -1;
	}
	if (i == 1)
		return -1;
	return netio_copy(port, portlen, colon + 1, i - 1);
}
