/*
 * conn: one client connection to an rshd, as an object a loop it does
 * not own drives: conn_pollfds() says what to wait for, conn_timeout()
 * how long, conn_events() acts on what poll() found.  Nothing in it
 * blocks except name resolution (getaddrinfo), nothing prints but its
 * sink, and nothing exits.  One command runs at a time; after its EXIT
 * another may follow on the same connection (line mode).
 *
 * Life:  conn_new -> conn_exec (queued until the handshake) -> conn_start
 *        -> loop while conn_busy() -> conn_result -> [conn_exec ...]
 *        -> conn_free (which says BYE).
 */
#ifndef RSH_CONN_H
#define RSH_CONN_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "sink.h"
#include "wire.h"

#define CONN_MAXPOLL	2	/* pollfds a connection asks for, at most */

struct conn_params {
	const char		*host;		/* to resolve, no brackets */
	const char		*port;
	const char		*name;		/* the server name to present */
	const struct key	*key;
	int			 connect_ms;	/* connect plus handshake */
	int			 alive_ms;	/* silence before PING; 0: none */
	int			 alive_count;	/* unanswered PINGs, then give up */
	int			 retries;	/* "busy" refusals to retry */
	const char		*max_time;	/* -m as given, or NULL */
	int			 in_fd;		/* stdin to forward, or -1 */
	/*
	 * The command's stdin is pushed by the caller with conn_input()
	 * and ended with conn_input_end() instead of read from in_fd
	 * (which is -1): rcp's copy stream, made in the same process.
	 */
	int			 in_push;
	/*
	 * A terminal session (the EXEC asks for a PTY): a signal to rsh
	 * ends it instead of being forwarded, WINCH goes out on resize.
	 */
	int			 pty;
	/*
	 * When not NULL, what is read from in_fd passes through it before
	 * it is sent (a terminal's escapes): n bytes in, up to n + 1 out in
	 * out, *outlen set; 0, or -1 to drop the connection (said by the
	 * connection, exit 255).
	 */
	int	(*in_filter)(void *ctx, const uint8_t *in, size_t n,
		    uint8_t *out, size_t *outlen);
	void			*filter_ctx;
	/*
	 * A master's pooled connection: a command sent on the open, idle
	 * connection that the server provably never read (conn_unaccepted)
	 * ends without a message but at -v, for the pool to run it on
	 * another connection.
	 */
	int			 quiet_unaccepted;
	/*
	 * When not NULL, a dial to host and port that the caller started
	 * (dial_next said DIAL_PENDING or DIAL_DONE): conn_start takes it
	 * over, address list and socket, and leaves *dial empty.  rsh
	 * starts its connect before it loads libcrypto and reads its key,
	 * so that the SYN, the server's accept and its greeting travel
	 * meanwhile.  Only the first attempt uses it; a retry dials anew.
	 */
	struct dial		*dial;
};

struct conn;
struct dial;

/*
 * A connection for p (copied; its strings and key must outlive the
 * connection) reporting to s, which the caller keeps.  NULL when memory
 * runs out.
 */
struct conn	*conn_new(const struct conn_params *p, struct sink *s);

/*
 * Resolves the host and starts connecting.  Returns 0, or -1 when the
 * connection has already failed (conn_result says why).
 */
int	conn_start(struct conn *c);

/*
 * Sends e as the next command (with C1 when the handshake has not got
 * that far).  Only while !conn_busy() and the connection is not closed.
 * Returns 0, or -1 when e cannot be encoded (said; the connection is
 * unchanged).
 */
int	conn_exec(struct conn *c, const struct wire_exec *e);

/* Fills up to CONN_MAXPOLL pollfds and returns how many. */
int	conn_pollfds(struct conn *c, struct pollfd *pfd);

/*
 * Milliseconds until the connection has something to do without any
 * event (a deadline, a PING, a retry), 0 when due, -1 when never.
 */
int	conn_timeout(const struct conn *c);

/* Acts on the revents of the n pollfds conn_pollfds() filled, and on
 * every deadline that has passed. */
void	conn_events(struct conn *c, const struct pollfd *pfd, int n);

/*
 * A signal rsh received: forwarded to a running command (the third one
 * gives up on it); before the command started it ends the connection
 * with 128 + sig.
 */
void	conn_signal(struct conn *c, int sig);

/*
 * With in_push: frames bytes of p (n of them) into STDIN records, as many
 * as the server's credit and the output queue take now, and starts
 * sending them.  Returns how many it took (p is not kept); 0 before the
 * command has started, while the credit or the queue is short (drive
 * the connection, then call again) and once stdin has ended or the
 * connection has (conn_busy() tells).
 */
size_t	conn_input(struct conn *c, const void *p, size_t n);

/* With in_push: the end of the command's stdin (STDIN_EOF). */
void	conn_input_end(struct conn *c);

/* The terminal of a PTY command has a new size: a WINCH record once its
 * EXEC is on its way; nothing otherwise. */
void	conn_resize(struct conn *c, uint16_t rows, uint16_t cols);

/*
 * Holds the connection's input while its sink cannot take more (a
 * master's caller reads slowly): no POLLIN on the socket and no alive
 * timer, the silence being ours.  On release the timer starts afresh.
 */
void	conn_hold(struct conn *c, int hold);

/* The sink failed to write the command's output to fd (1 or 2) after the
 * fact (errno err): the command stops as when a write fails at once. */
void	conn_output_failed(struct conn *c, int fd, int err);

/* 1 while a command is under way or the connection is being made. */
int	conn_busy(const struct conn *c);

/* 1 when the handshake is done and no command is under way: ready for
 * conn_exec without a round trip more (a master's idle connection). */
int	conn_ready(const struct conn *c);

/*
 * The next command's standard input (or -1) and -m text, for a connection
 * that runs commands for many callers (master.c).  Only while !conn_busy().
 */
void	conn_rebind(struct conn *c, int in_fd, const char *max_time);

/*
 * 1 when the last command was sent on an open, idle connection and the
 * connection ended before the server can have read all of its EXEC, so
 * it never ran: the EXEC was not all written when it failed, or, with
 * nothing sent after it and nothing received since, the server reset the
 * connection (a TCP reset says bytes we sent were never read by the
 * server's process, and the EXEC's were the last).  See conn.c.
 */
int	conn_unaccepted(const struct conn *c);

/*
 * 1 while an open connection with no command under way has neither end
 * of file nor an error waiting (a peek, nothing read): checked before a
 * command is handed to a pooled connection.  0 fails the connection.
 */
int	conn_still_open(struct conn *c);

/* 1 once the connection has ended (failure, signal, protocol error). */
int	conn_closed(const struct conn *c);

/* How the last command (or the connection) ended. */
const struct sink_result *conn_result(const struct conn *c);

/* Says BYE when it can, closes, wipes and frees; NULL does nothing. */
void	conn_free(struct conn *c);

#endif
