/*
 * netio: full reads and writes, nonblocking helpers, and addresses and
 * names as the protocol spells them.  No printing.
 */
#ifndef RSH_NETIO_H
#define RSH_NETIO_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NETIO_NAMEMAX	256	/* a server name (255) and its NUL */
#define NETIO_ADDRSTRMAX 64	/* "[v6%scope]:port" and its NUL */

/*
 * Writes all of buf to fd, retrying on EINTR and waiting with poll() on
 * EAGAIN; sockets are written with MSG_NOSIGNAL.  Returns 0, or -1 with
 * errno set (EPIPE when the peer is gone).
 */
int	netio_write_full(int fd, const void *buf, size_t len);

/*
 * Reads exactly len bytes, waiting at most timeout_ms in all (-1: no
 * limit).  Returns len, fewer at end of file, or -1 with errno
 * (ETIMEDOUT when the time ran out).
 */
ssize_t	netio_read_full(int fd, void *buf, size_t len, int timeout_ms);

/*
 * Reads up to len bytes from fd without waiting, on an fd that is not
 * ours to make nonblocking (a caller's stdin, whose open file its shell
 * shares): preadv2's RWF_NOWAIT where the kernel has it, MSG_DONTWAIT on
 * a socket, no more than FIONREAD says is there on a FIFO; anything
 * else (a file, a terminal) is read as it is.  What read() returns; -1 with EAGAIN when nothing is there now
 * (another reader of the same pipe took it first, say).
 */
ssize_t	netio_read_nowait(int fd, void *buf, size_t len);

/* Sets or clears O_NONBLOCK.  Returns 0 or -1. */
int	netio_set_nonblock(int fd, int on);

/* netio_set_liveness: also bound how long sent data may go unacknowledged. */
#define NETIO_LIVE_SENT	0x1

/*
 * Makes a TCP connection whose peer vanished (a crash, a cut cable, a
 * dropped route) fail within about limit_ms once it is quiet: keepalive
 * probes start after half of it and take the other half.  With
 * NETIO_LIVE_SENT, TCP_USER_TIMEOUT bounds by limit_ms how long data sent
 * may wait for an acknowledgement, where keepalive never fires.  On
 * Linux 5.11 and later that also fails a live peer whose receive window
 * stays shut that long (a reader that stopped), which is why it is a
 * flag.  limit_ms 0 does nothing.  Returns 0, or -1 with errno.
 */
int	netio_set_liveness(int fd, int limit_ms, int flags);

/*
 * How long the peer of a TCP connection has owed an answer: the
 * milliseconds since it last acknowledged anything, when sent data or a
 * probe waits for its acknowledgement, else 0 (a peer that acknowledged
 * everything, even one whose window is shut, owes nothing).  -1 with
 * errno when the kernel cannot say.
 */
long long netio_unanswered_ms(int fd);

/* Milliseconds, and microseconds, from the same monotonic clock. */
long long netio_now_ms(void);
uint64_t netio_now_us(void);
/* The wall clock in Unix milliseconds (UDP timestamps). */
uint64_t netio_wall_ms(void);

/* The CLOCK_REALTIME time ms milliseconds from now, as
 * pthread_cond_timedwait() wants its deadline. */
void	netio_abstime(struct timespec *ts, int ms);

/*
 * Canonical server name for what the user typed (host name or address
 * literal, brackets allowed around IPv6): host names lowercased without a
 * trailing dot; IPv4 dotted quad; IPv6 in RFC 5952 form; IPv4-mapped IPv6
 * as IPv4.  Returns 0, or -1 when the result would be empty or over 255
 * bytes, or the name has bytes a host name cannot have.
 */
int	netio_name_canon(const char *in, char *out, size_t outlen);

/* The canonical name of an address (for the server's own local address). */
int	netio_addr_name(const struct sockaddr *sa, char *out, size_t outlen);

/*
 * The address and port of sa apart, for records that keep them in fields
 * of their own (the audit log, RSH_CLIENT): host as netio_addr_name()
 * names it (an IPv4-mapped IPv6 address as IPv4), port as a number.
 * Returns 0, or -1 for another family.
 */
int	netio_addr_host_port(const struct sockaddr *sa, char *host,
	    size_t hostlen, unsigned *port);

/* "192.0.2.1:22" or "[2001:db8::1]:22" for logs and messages. */
int	netio_addr_str(const struct sockaddr *sa, char *out, size_t outlen);

/*
 * Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 literal
 * into host (brackets removed) and port ("" when absent).  Returns 0 or -1.
 */
int	netio_split_hostport(const char *arg, char *host, size_t hostlen,
	    char *port, size_t portlen);

#endif
