/*
 * conn: a client connection.  Connecting, the handshake and every record
 * go through one lib/recloop (one output queue, one input buffer), so that
 * nothing waits on the network: C1 and the first EXEC leave in one write
 * (one round trip), and the loop that drives us may drive others
 * alongside.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "handshake.h"
#include "log.h"
#include "netio.h"
#include "recloop.h"
#include "wire.h"

#include "conn.h"
#include "conn_int.h"
#include "dial.h"
#include "sink.h"

#define RECV_CHUNK	(256 * 1024)
#define IN_MAX		(RECV_CHUNK + 2 * WIRE_MAXRECORD)
#define OUT_MAX		(HS_C1MAX + 4 * WIRE_MAXRECORD)
/* Standard input waits while a record is queued: the socket sets the
 * pace. */
#define OUT_HIGH	WIRE_MAXRECORD
/* After an end of file, how long a reset may take to follow, beyond two
 * round trips: rshd shuts the socket down (the end of file) before it
 * closes it (the reset, when our EXEC is unread). */
#define RESET_WAIT_MS	500

static const struct recloop_bounds conn_bounds = {
	IN_MAX, OUT_MAX, OUT_HIGH, RECV_CHUNK, wire_check_s2c
};

double
conn_ms_since(uint64_t t)
{
	return (double)(netio_now_us() - t) / 1000.0;
}

struct conn *
conn_new(const struct conn_params *p, struct sink *s)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		return NULL;
	}
	c->p = *p;
	c->sink = s;
	c->fd = -1;
	dial_init(&c->dial);
	if (recloop_init(&c->rl, &conn_bounds) == -1 ||
	    (c->exec = malloc(WIRE_MAXPAYLOAD)) == NULL) {
		conn_free(c);
		return NULL;
	}
	c->result.status = RSH_EXIT_FAILURE;
	c->result.how = SINK_FAILED;
	return c;
}

void
conn_close_socket(struct conn *c)
{
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	c->reset_wait = 0;
	dial_free(&c->dial);
	crypto_x25519_free(c->xkey);
	c->xkey = NULL;
	c->prepared = 0;
	hs_client_clear(&c->hs);
	recloop_reset(&c->rl);
}

void
conn_free(struct conn *c)
{
	if (c == NULL) {
		return;
	}
	if (c->state == ST_OPEN && c->cmd == CMD_NONE &&
	    conn_send(c, REC_BYE, NULL, 0) == 0) {
		(void)conn_flush(c);
	}
	conn_close_socket(c);
	recloop_free(&c->rl);
	free(c->exec);
	crypto_wipe(c->nc, sizeof(c->nc));
	free(c);
}

void
conn_end_cmd(struct conn *c, int how, int code, int status)
{
	struct sink_result *r = &c->result;

	if (c->cmd == CMD_NONE) {
		return;
	}
	r->how = how;
	r->code = code;
	r->status = status;
	r->duration_ms = (long long)(conn_ms_since(c->exec_us) + 0.5);
	c->cmd = CMD_NONE;
	c->stdin_open = 0;
	c->execlen = 0;
	sink_end(c->sink, r);
	if (r->sigpipe && c->state == ST_OPEN) {
		/* Nobody reads our output: stop the command, as BYE does. */
		conn_close_socket(c);
		c->state = ST_CLOSED;
	}
}

void
conn_fail(struct conn *c, int status, int nohost, const char *fmt, ...)
{
	char	text[SINK_ERRMAX];
	va_list	ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		sink_msg(c->sink, SINK_ERROR | (nohost ? SINK_NOHOST : 0),
		    "%s", text);
	}
	conn_close_socket(c);
	c->state = ST_CLOSED;
	if (c->cmd != CMD_NONE) {
		conn_end_cmd(c, SINK_FAILED, 0, status);
	} else {
		c->result.how = SINK_FAILED;
		c->result.status = status;
		c->result.error = c->sink->error;
	}
}

/*
 * Whether the server provably never read the EXEC under way, as the
 * connection fails with err (an errno, or 0 at end of file).  The protocol
 * has no word for it: rshd closes an idle connection (IdleTimeout, a
 * revoked key, shutdown) without one, since no record may go to a client
 * with no command under way (PROTOCOL.md), and end of file alone proves
 * nothing (rshd may have read the EXEC, started the command and died
 * before STARTED).  So the proof is TCP's, and only for an EXEC sent on a
 * connection already open (in a master's pool), never with C1:
 *  - the EXEC was not all handed to the kernel: its tail never left us;
 *  - or nothing was sent after it and nothing received since it was
 *    queued, and the server's TCP reset the connection (ECONNRESET, or
 *    EPIPE when its end of file came first).  A reset answers bytes the
 *    server's process never read: a close with bytes unread, or bytes
 *    that came after its close (a close with everything read is a FIN).
 *    TCP is a stream, so the bytes not read include our last ones, the
 *    EXEC's tail: the server never had the whole EXEC.  rshd shuts the
 *    socket down before it closes it, so the end of file may come first:
 *    then the reset is waited for (reset_deadline), briefly.
 * Nothing goes out between the EXEC and the server's first answer
 * (STDIN waits for STARTED's credit, a signal before STARTED ends the
 * call) but a PING after AliveInterval, which voids the proof.  A reset
 * forged by someone on the path is taken at its word, as it is by every
 * TCP program.
 */
static int
never_read(const struct conn *c, int err)
{
	socklen_t len = sizeof(err);

	if (!c->p.quiet_unaccepted || c->cmd != CMD_SENT ||
	    c->exec_end == 0) {
		return 0;
	}
	if (c->rl.sent < c->exec_end) {
		return 1;
	}
	if (c->rl.sent + recloop_pending(&c->rl) != c->exec_end ||
	    c->rl.received != c->exec_heard) {
		return 0;
	}
	if (err == 0 && (c->fd == -1 || getsockopt(c->fd, SOL_SOCKET,
	    SO_ERROR, &err, &len) == -1)) {
		return 0;
	}
	return err == ECONNRESET || err == EPIPE;
}

/* An end of file that a reset may still follow: the EXEC went whole and
 * alone, and nothing came back since.  Until when to wait for it. */
static long long
reset_deadline(const struct conn *c)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);
	long long	rtt_ms = 0;

	if (!c->p.quiet_unaccepted || c->cmd != CMD_SENT ||
	    c->exec_end == 0 || c->rl.sent != c->exec_end ||
	    recloop_pending(&c->rl) != 0 || c->rl.received != c->exec_heard) {
		return 0;
	}
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		rtt_ms = ti.tcpi_rtt / 1000;
	}
	return netio_now_ms() + RESET_WAIT_MS + 2 * rtt_ms;
}

/* The command never reached the server's process: it ends without a
 * word but at -v, and conn_unaccepted() says so. */
static void
not_read(struct conn *c, const char *why)
{
	sink_msg(c->sink, SINK_INFO, "the server closed the connection "
	    "before it read the command (%s); it did not run", why);
	c->unaccepted = 1;
	conn_fail(c, RSH_EXIT_FAILURE, 0, NULL);
}

/* The wait after an end of file is over: a reset came, or the command
 * may have run. */
static void
reset_over(struct conn *c)
{
	if (never_read(c, 0)) {
		not_read(c, "end of file, then a reset");
	} else {
		conn_fail(c, RSH_EXIT_FAILURE, 1, "connection to %s lost; "
		    "output may be truncated", c->sink->display);
	}
}

int
conn_flush(struct conn *c)
{
	if (c->fd == -1 || c->state < ST_S2 || recloop_flush(&c->rl) == 0) {
		return 0;
	}
	if (never_read(c, errno)) {
		not_read(c, strerror(errno));
	} else if (c->cmd != CMD_NONE) {
		conn_fail(c, RSH_EXIT_FAILURE, 1, "connection to %s lost; "
		    "output may be truncated", c->sink->display);
	} else {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "cannot send: %s",
		    strerror(errno));
	}
	return -1;
}

int
conn_send(struct conn *c, uint8_t type, const void *p, size_t len)
{
	if (recloop_send(&c->rl, type, p, len) == -1) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", recloop_error(&c->rl));
		return -1;
	}
	return conn_flush(c);
}

/* Fresh Nc and X25519 key; the first use of libcrypto pays its start-up. */
static int
prepare_handshake(struct conn *c)
{
	if (c->prepared) {
		return 0;
	}
	if (crypto_random(c->nc, sizeof(c->nc)) == -1 ||
	    (c->xkey = crypto_x25519_new(NULL)) == NULL) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", crypto_init_error());
		return -1;
	}
	c->prepared = 1;
	return 0;
}

/* AliveInterval times AliveCount + 1: silence for that long is a lost
 * server; 0 when AliveInterval is 0. */
static int
alive_limit(const struct conn_params *p)
{
	long long ms = (long long)p->alive_ms * (p->alive_count + 1);

	return p->alive_ms <= 0 || p->alive_count < 0 ? 0 :
	    ms > INT_MAX ? INT_MAX : (int)ms;
}

static void
connected(struct conn *c)
{
	char addr[NETIO_ADDRSTRMAX];

	dial_addr(&c->dial, addr, sizeof(addr));
	sink_msg(c->sink, SINK_INFO, "connected to %s at %.1f ms", addr,
	    conn_ms_since(c->t0_us));
	c->fd = dial_take(&c->dial);
	dial_free(&c->dial);
	/* A server that vanished fails the connection within the time
	 * AliveInterval and AliveCount promise, even while what we sent
	 * waits unacknowledged or the connection idles in a master's pool
	 * (no PING there). */
	(void)netio_set_liveness(c->fd, alive_limit(&c->p), NETIO_LIVE_SENT);
	recloop_attach(&c->rl, c->fd);
	c->state = ST_S1;
	(void)prepare_handshake(c);
}

static void
dial_result(struct conn *c, int r)
{
	if (r == DIAL_DONE) {
		connected(c);
	} else if (r == DIAL_FAILED) {
		/* Refused or reset before the server said a word: one
		 * restarting, say; nothing can have run.  Retried when asked
		 * to, as busy is. */
		if ((c->dial.errnum == ECONNREFUSED ||
		    c->dial.errnum == ECONNRESET) &&
		    conn_hs_retry(c, c->dial.err)) {
			return;
		}
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", c->dial.err);
	} else {
		/* The handshake's crypto, while SYN and S1 travel. */
		(void)prepare_handshake(c);
	}
}

/* One attempt: resolve, connect, with the connect timeout from here. */
static void
attempt(struct conn *c)
{
	int r = -1;

	c->state = ST_CONNECT;
	c->deadline = netio_now_ms() + c->p.connect_ms;
	if (c->p.dial != NULL) {
		/* The caller's dial, its connect under way: ours from here. */
		c->dial = *c->p.dial;
		dial_init(c->p.dial);
		c->p.dial = NULL;
		c->t0_us = c->dial.t0_us;
		r = DIAL_PENDING;	/* poll says when it is done */
	} else if (dial_resolve(&c->dial, c->p.host, c->p.port) == -1) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", c->dial.err);
		return;
	}
	sink_msg(c->sink, SINK_INFO, "resolved to %d address%s in %.1f ms",
	    c->dial.naddr, c->dial.naddr == 1 ? "" : "es",
	    c->dial.resolve_ms);
	dial_result(c, r != -1 ? r : dial_next(&c->dial));
}

int
conn_start(struct conn *c)
{
	c->t0_us = netio_now_us();
	if (crypto_init() == -1) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s",
		    "cannot initialize OpenSSL's libcrypto");
		return -1;
	}
	attempt(c);
	return c->state == ST_CLOSED ? -1 : 0;
}

/* The server closed the connection, or it broke. */
static void
eof(struct conn *c, ssize_t r)
{
	char	e[128], why[192];
	int	err = r == 0 ? 0 : errno;

	snprintf(e, sizeof(e), "%s", r == 0 ? "" : strerror(errno));
	switch (c->state) {
	case ST_S1:
		/* Nor here: the server closed without a word. */
		snprintf(why, sizeof(why), "connection closed before the "
		    "handshake%s%s", e[0] ? ": " : "", e);
		if (!conn_hs_retry(c, why)) {
			conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", why);
		}
		break;
	case ST_S2:
		/* End of file instead of S2 is a failure to authenticate. */
		conn_hs_refused(c, HS_AUTH_FAILED);
		break;
	default:
		if (never_read(c, err)) {
			not_read(c, r == 0 ? "end of file, then a reset" : e);
		} else if (r == 0 && c->reset_wait == 0 &&
		    (c->reset_wait = reset_deadline(c)) != 0) {
			/* The reset, if one comes, wakes poll (POLLERR). */
		} else if (c->cmd != CMD_NONE) {
			conn_fail(c, RSH_EXIT_FAILURE, 1, "connection to %s "
			    "lost; output may be truncated", c->sink->display);
		} else {
			conn_fail(c, RSH_EXIT_FAILURE, 0, "the server closed "
			    "the connection%s%s", e[0] ? ": " : "", e);
		}
	}
}

static void
socket_events(struct conn *c)
{
	switch (recloop_fill(&c->rl)) {
	case RECLOOP_DATA:
		break;
	case RECLOOP_AGAIN:
		return;
	case RECLOOP_FULL:
		conn_fail(c, RSH_EXIT_FAILURE, 0, "protocol error: %s",
		    recloop_error(&c->rl));
		return;
	case RECLOOP_EOF:
		eof(c, 0);
		return;
	default:
		eof(c, -1);
		return;
	}
	c->unanswered = 0;
	c->alive_at = netio_now_ms() + c->p.alive_ms;
	if (c->state != ST_OPEN && conn_hs_input(c) == -1) {
		return;
	}
	if (c->state == ST_OPEN) {
		conn_rec_process(c);
	}
}

int
conn_exec(struct conn *c, const struct wire_exec *e)
{
	char	why[256];
	long	n;

	memset(&c->result, 0, sizeof(c->result));
	c->unaccepted = 0;
	c->exec_end = 0;
	c->reset_wait = 0;
	c->cmd = CMD_SENT;
	c->error_seen = c->interrupts = c->first_byte = c->eof_due = 0;
	c->credit = c->credit_min = 0;
	c->stdin_open = (c->p.in_fd != -1 || c->p.in_push) &&
	    !(e->flags & EXEC_FLAG_NO_STDIN);
	c->exec_us = netio_now_us();
	sink_begin(c->sink, e);
	if ((n = wire_exec_encode(e, c->exec, WIRE_MAXPAYLOAD, 0)) == -1) {
		wire_exec_toolarge(e, WIRE_MAXPAYLOAD, why, sizeof(why));
		sink_msg(c->sink, SINK_ERROR | SINK_NOHOST, "%s", why);
		conn_end_cmd(c, SINK_FAILED, 0, RSH_EXIT_FAILURE);
		return -1;
	}
	c->execlen = (size_t)n;
	if (c->state == ST_S2) {
		c->execlen = 0;
		(void)conn_send(c, REC_EXEC, c->exec, (size_t)n);
	} else if (c->state == ST_OPEN) {
		c->execlen = 0;
		if (recloop_send(&c->rl, REC_EXEC, c->exec, (size_t)n) == -1) {
			conn_fail(c, RSH_EXIT_FAILURE, 0, "%s",
			    recloop_error(&c->rl));
			return 0;
		}
		/* never_read()'s marks, before anything is written. */
		c->exec_end = c->rl.sent + recloop_pending(&c->rl);
		c->exec_heard = c->rl.received;
		(void)conn_flush(c);
	}
	return 0;
}

int
conn_still_open(struct conn *c)
{
	uint8_t	b;
	ssize_t	r;

	if (c->state != ST_OPEN || c->cmd != CMD_NONE) {
		return c->state != ST_CLOSED;
	}
	r = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR)) {
		return 1;
	}
	/* End of file, a reset, or a record while idle (read, and judged,
	 * as the loop would have). */
	socket_events(c);
	return c->state == ST_OPEN && c->cmd == CMD_NONE;
}

int
conn_unaccepted(const struct conn *c)
{
	return c->unaccepted;
}

int
conn_pollfds(struct conn *c, struct pollfd *pfd)
{
	int n = 0;

	if (c->state == ST_CONNECT && c->dial.fd != -1) {
		pfd[n].fd = c->dial.fd;
		pfd[n++].events = POLLOUT;
	} else if (c->fd != -1 && c->reset_wait != 0) {
		pfd[n].fd = c->fd;		/* POLLERR, POLLHUP only */
		pfd[n++].events = 0;
	} else if (c->fd != -1) {
		pfd[n].fd = c->fd;
		pfd[n++].events = recloop_events(&c->rl) &
		    (c->held ? ~POLLIN : ~0);
	}
	/* Stdin waits while the queue is full: the socket sets the pace;
	 * and while the credit is worth less than a whole record (see
	 * conn_rec.c).  A filter may add a byte (a held '~'), so it needs 2
	 * of credit. */
	if (c->state == ST_OPEN && c->cmd == CMD_STARTED && c->stdin_open &&
	    c->p.in_fd != -1 &&
	    c->credit > (c->p.in_filter != NULL ? 1U : 0U) &&
	    c->credit >= c->credit_min && recloop_room(&c->rl)) {
		pfd[n].fd = c->p.in_fd;
		pfd[n++].events = POLLIN;
	}
	for (int i = 0; i < n; i++) {
		pfd[i].revents = 0;
	}
	return n;
}

static long long
next_deadline(const struct conn *c)
{
	if (c->reset_wait != 0) {
		return c->reset_wait;
	}
	switch (c->state) {
	case ST_CONNECT:
	case ST_S1:
	case ST_S2:
		return c->deadline;
	case ST_RETRY:
		return c->retry_at;
	case ST_OPEN:
		return c->cmd != CMD_NONE && c->p.alive_ms > 0 &&
		    !c->held ? c->alive_at : 0;
	default:
		return 0;
	}
}

int
conn_timeout(const struct conn *c)
{
	long long at = next_deadline(c), left;

	if (at == 0) {
		return -1;
	}
	left = at - netio_now_ms();
	return left <= 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
}

static void
timed_out(struct conn *c)
{
	double	s = c->p.connect_ms / 1000.0;
	char	why[128];

	if (c->state == ST_CONNECT) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "connection timed out after "
		    "%g s", s);
	} else if (c->state == ST_S1) {
		/* The server never spoke: nothing can have run. */
		snprintf(why, sizeof(why), "no greeting from the server "
		    "within %g s", s);
		if (!conn_hs_retry(c, why)) {
			conn_fail(c, RSH_EXIT_FAILURE, 0, "%s (timed out)",
			    why);
		}
	} else {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "the server greeted but did "
		    "not answer the handshake within %g s (timed out)", s);
	}
}

static void
timers(struct conn *c)
{
	long long at = next_deadline(c);

	if (at == 0 || netio_now_ms() < at) {
		return;
	}
	if (c->reset_wait != 0) {
		reset_over(c);
	} else if (c->state == ST_RETRY) {
		attempt(c);
	} else if (c->state == ST_OPEN) {
		conn_rec_alive(c);
	} else {
		timed_out(c);
	}
}

void
conn_events(struct conn *c, const struct pollfd *pfd, int n)
{
	for (int i = 0; i < n; i++) {
		short ev = pfd[i].revents;

		if (ev == 0 || c->state == ST_CLOSED) {
			continue;
		}
		if (c->state == ST_CONNECT && pfd[i].fd == c->dial.fd) {
			dial_result(c, dial_events(&c->dial));
		} else if (pfd[i].fd == c->fd && c->reset_wait != 0) {
			reset_over(c);
		} else if (pfd[i].fd == c->fd) {
			if ((ev & POLLOUT) && conn_flush(c) == -1) {
				continue;
			}
			/* Held, a hang-up waits too: it is read once the
			 * sink has room, after the data before it. */
			if ((ev & (POLLIN | POLLHUP | POLLERR)) && !c->held) {
				socket_events(c);
			}
		} else if (pfd[i].fd == c->p.in_fd && c->stdin_open &&
		    c->state == ST_OPEN) {
			conn_rec_stdin(c);
		}
	}
	timers(c);
}

void
conn_hold(struct conn *c, int hold)
{
	if (c->held && !hold) {
		c->unanswered = 0;
		c->alive_at = netio_now_ms() + c->p.alive_ms;
	}
	c->held = hold != 0;
}

int
conn_busy(const struct conn *c)
{
	return c->state != ST_CLOSED && c->cmd != CMD_NONE;
}

int
conn_ready(const struct conn *c)
{
	return c->state == ST_OPEN && c->cmd == CMD_NONE;
}

void
conn_rebind(struct conn *c, int in_fd, const char *max_time)
{
	c->p.in_fd = in_fd;
	c->p.max_time = max_time;
}

int
conn_closed(const struct conn *c)
{
	return c->state == ST_CLOSED;
}

const struct sink_result *
conn_result(const struct conn *c)
{
	return &c->result;
}
