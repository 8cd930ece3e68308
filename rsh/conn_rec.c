/*
 * conn_rec: a connection's records once the handshake is done: what the
 * server sends, in the order the protocol allows; standard input within
 * the server's credit; signals; PING when the server has been silent.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"
#include "recloop.h"
#include "wire.h"

#include "conn.h"
#include "conn_int.h"
#include "sink.h"

#define MAX_INTERRUPTS	3	/* then rsh gives up waiting for EXIT */

static void	stdin_eof(struct conn *);

static void
proto_error(struct conn *c, const char *what)
{
	conn_fail(c, RSH_EXIT_FAILURE, 0, "protocol error: %s", what);
}

/* Our stdout or stderr broke: stop the command (BYE, then close). */
static void
output_failed(struct conn *c, int fd)
{
	int e = errno;

	if (e == EPIPE) {
		c->result.sigpipe = 1;
	}
	if (c->state == ST_OPEN && conn_send(c, REC_BYE, NULL, 0) == -1) {
		return;
	}
	if (e == EPIPE) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, NULL);
	} else {
		/* Local, not the server's: no host in the message. */
		conn_fail(c, RSH_EXIT_FAILURE, 1, "cannot write standard %s: "
		    "%s", fd == 1 ? "output" : "error", strerror(e));
	}
}

void
conn_output_failed(struct conn *c, int fd, int err)
{
	if (c->state != ST_CLOSED && c->cmd != CMD_NONE) {
		errno = err;
		output_failed(c, fd);
	}
}

static void
output(struct conn *c, int fd, const uint8_t *p, size_t len)
{
	if (!c->first_byte) {
		c->first_byte = 1;
		sink_msg(c->sink, SINK_INFO, "first byte of output at %.1f ms",
		    conn_ms_since(c->exec_us));
	}
	if (fd == 1) {
		c->result.out_bytes += len;
	} else {
		c->result.err_bytes += len;
	}
	if (sink_data(c->sink, fd, p, len) == -1) {
		output_failed(c, fd);
	}
}

static void
on_error(struct conn *c, const uint8_t *p, size_t len)
{
	/* A started command's errors explain its status: warnings. */
	int	level = c->cmd == CMD_STARTED ? SINK_WARN : SINK_ERROR;
	char	note[80];

	c->error_seen = 1;
	if (wire_get16(p) == ERR_TIMEOUT) {
		c->result.timed_out = 1;	/* kept until the next EXEC */
	}
	if (wire_get16(p) == ERR_TIMEOUT && c->p.max_time != NULL) {
		snprintf(note, sizeof(note), "-m %s", c->p.max_time);
		(void)sink_server_error(c->sink, level, p, len, note);
	} else {
		(void)sink_server_error(c->sink, level, p, len, NULL);
	}
}

static void
on_exit_rec(struct conn *c, const uint8_t *p)
{
	int status, how;

	if (c->cmd != CMD_STARTED && !c->error_seen) {
		proto_error(c, "EXIT without STARTED or ERROR");
		return;
	}
	status = sink_exit_status(p[0], p[1], &how);
	sink_msg(c->sink, SINK_INFO, "exit status %d at %.1f ms (%.1f ms on "
	    "the server)", status, conn_ms_since(c->exec_us),
	    (double)wire_get64(p + 2) / 1000.0);
	conn_end_cmd(c, how, p[1], status);
}

/* Order: what needs a command under way, what needs it started. */
static int
in_order(struct conn *c, uint8_t type)
{
	switch (type) {
	case REC_STARTED:
	case REC_ERROR:
	case REC_EXIT:
		return c->cmd != CMD_NONE;
	case REC_STDOUT:
	case REC_STDERR:
	case REC_WINDOW:
		return c->cmd == CMD_STARTED;
	case REC_PONG:
		return c->ping_out;
	default:
		return 1;
	}
}

/*
 * The least credit for which stdin is read: a quarter of the window, at
 * most a whole record.  A client that sent whatever sliver of credit came
 * back would split the stream into ever smaller records (a sliver
 * returned is a sliver sent), each costing a wakeup and a syscall on
 * both sides and a WINDOW.  Waiting cannot stall: once the command has
 * taken everything, the server has given all of the window back.
 */
static uint64_t
credit_min(uint64_t window)
{
	return window / 4 < WIRE_MAXPAYLOAD ? window / 4 : WIRE_MAXPAYLOAD;
}

/* One record, of a type and length recloop_next checked. */
static void
handle(struct conn *c, uint8_t type, const uint8_t *p, size_t len)
{
	if (!in_order(c, type)) {
		proto_error(c, type == REC_PONG ? "PONG without PING" :
		    c->cmd == CMD_NONE ? "a record with no command under way" :
		    "output before STARTED");
		return;
	}
	switch (type) {
	case REC_STARTED:
		if (c->cmd == CMD_STARTED) {
			proto_error(c, "STARTED twice");
			return;
		}
		c->cmd = CMD_STARTED;
		c->credit = wire_get32(p + 4);
		c->credit_min = credit_min(c->credit);
		if (c->eof_due && c->stdin_open) {
			stdin_eof(c);
		}
		break;
	case REC_STDOUT:
	case REC_STDERR:
		output(c, type == REC_STDOUT ? 1 : 2, p, len);
		break;
	case REC_WINDOW:
		if (wire_get32(p) == 0) {
			proto_error(c, "WINDOW of 0");
			return;
		}
		c->credit += wire_get32(p);
		break;
	case REC_ERROR:
		on_error(c, p, len);
		break;
	case REC_EXIT:
		on_exit_rec(c, p);
		break;
	case REC_PONG:
		c->ping_out = 0;
		break;
	default:
		break;		/* PAD */
	}
}

void
conn_rec_process(struct conn *c)
{
	while (c->state == ST_OPEN) {
		uint8_t	*payload, type;
		size_t	 len;

		/* A consumed record stays in place until the next receive. */
		switch (recloop_next(&c->rl, &type, &payload, &len)) {
		case WIRE_OK:
			break;
		case WIRE_INCOMPLETE:
			goto flush;
		default:
			proto_error(c, recloop_error(&c->rl));
			return;
		}
		handle(c, type, payload, len);
	}
	return;
flush:
	/* The payloads a sink queued point into the input: out before recv. */
	if (c->cmd != CMD_NONE && sink_flush(c->sink) == -1) {
		output_failed(c, 1);
	}
}

#define TERM_READ	4096	/* a terminal's input, read at once */
#define STDIN_BURST	4	/* records of stdin per wakeup, at most */
#define FILTER_DROP	(-2)	/* the filter drops the connection */
#define FILTER_NOTHING	(-3)	/* the filter took all of it */

/*
 * Reads stdin through the filter into p (room for want bytes, at least
 * 2): what read() returns, or FILTER_DROP or FILTER_NOTHING.
 */
static ssize_t
read_filtered(struct conn *c, uint8_t *p, size_t want)
{
	uint8_t	in[TERM_READ];
	size_t	outlen = 0;
	ssize_t	r;

	/* The filter may add one byte to what it is given. */
	if (want < 2) {
		return FILTER_NOTHING;	/* conn_pollfds waits for 2 */
	}
	want = want - 1 < sizeof(in) ? want - 1 : sizeof(in);
	r = netio_read_nowait(c->p.in_fd, in, want);
	if (r <= 0) {
		return r;
	}
	if (c->p.in_filter(c->p.filter_ctx, in, (size_t)r, p,
	    &outlen) == -1) {
		return FILTER_DROP;
	}
	return outlen == 0 ? FILTER_NOTHING : (ssize_t)outlen;
}

/* The n bytes written at p (recloop_reserve's room) go out as a STDIN
 * record within the credit.  0, or -1 when the connection failed. */
static int
stdin_commit(struct conn *c, uint8_t *p, size_t n)
{
	if (recloop_commit(&c->rl, REC_STDIN, p, n) == -1) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "%s", recloop_error(&c->rl));
		return -1;
	}
	c->credit -= (uint64_t)n;
	return conn_flush(c);
}

static void
stdin_eof(struct conn *c)
{
	c->stdin_open = 0;
	(void)conn_send(c, REC_STDIN_EOF, NULL, 0);
}

/*
 * One STDIN record (or STDIN_EOF) from what in_fd has: 1 when a whole
 * record went out and another may follow at once, else 0.
 */
static int
stdin_record(struct conn *c)
{
	size_t	 want = c->credit < WIRE_MAXPAYLOAD ? c->credit :
		    WIRE_MAXPAYLOAD;
	uint8_t	*p;
	ssize_t	 r;

	if ((p = recloop_reserve(&c->rl, &want)) == NULL) {
		return 0;	/* the socket drains the queue first */
	}
	if (c->p.in_filter != NULL) {
		r = read_filtered(c, p, want);
		if (r == FILTER_DROP) {
			recloop_abandon(&c->rl);
			conn_fail(c, RSH_EXIT_FAILURE, 0, "%s",
			    "connection closed (~.)");
			return 0;
		}
		if (r == FILTER_NOTHING) {
			return 0;
		}
	} else {
		r = netio_read_nowait(c->p.in_fd, p, want);
	}
	if (r == -1 && errno == EAGAIN) {
		return 0;
	}
	if (r <= 0) {
		if (r == -1) {
			sink_msg(c->sink, SINK_WARN | SINK_NOHOST, "reading "
			    "standard input: %s; sending end of file",
			    strerror(errno));
		}
		stdin_eof(c);
		return 0;
	}
	if (stdin_commit(c, p, (size_t)r) == -1) {
		return 0;
	}
	/* A full read says more is there: the next record needs no poll(),
	 * if the socket took this one and the credit is worth a read. */
	return (size_t)r == want && c->p.in_filter == NULL &&
	    c->state == ST_OPEN && c->credit > 0 &&
	    c->credit >= c->credit_min && recloop_pending(&c->rl) == 0;
}

void
conn_rec_stdin(struct conn *c)
{
	/* A few records per wakeup at most: incoming records (a WINDOW,
	 * output, EXIT) and signals are looked at between bursts. */
	for (int i = 0; i < STDIN_BURST && stdin_record(c) == 1; i++) {
		continue;
	}
}

size_t
conn_input(struct conn *c, const void *p, size_t n)
{
	const uint8_t	*in = p;
	uint8_t		*room;
	size_t		 done = 0, want;

	/* As from in_fd: no sliver of credit is sent, unless it is all
	 * that is left to send. */
	while (done < n && c->state == ST_OPEN && c->cmd == CMD_STARTED &&
	    c->stdin_open && c->credit > 0 && (c->credit >= c->credit_min ||
	    c->credit >= n - done)) {
		want = c->credit < n - done ? (size_t)c->credit : n - done;
		if ((room = recloop_reserve(&c->rl, &want)) == NULL) {
			break;	/* the socket drains the queue first */
		}
		memcpy(room, in + done, want);
		if (stdin_commit(c, room, want) == -1) {
			break;
		}
		done += want;
	}
	return done;
}

void
conn_input_end(struct conn *c)
{
	if (c->state != ST_OPEN || !c->stdin_open) {
		return;
	}
	if (c->cmd == CMD_STARTED) {
		stdin_eof(c);
	} else {
		c->eof_due = 1;	/* sent once STARTED comes */
	}
}

void
conn_rec_alive(struct conn *c)
{
	uint8_t ping[8];

	/* As ssh counts: AliveCount silent intervals after the first PING. */
	if (++c->unanswered > c->p.alive_count) {
		conn_fail(c, RSH_EXIT_FAILURE, 0, "no answer from the server "
		    "for %g s (AliveInterval %g s, AliveCount %d); giving up",
		    (double)c->p.alive_ms * c->unanswered / 1000.0,
		    c->p.alive_ms / 1000.0, c->p.alive_count);
		return;
	}
	c->alive_at = netio_now_ms() + c->p.alive_ms;
	if (!c->ping_out) {
		wire_put64(ping, netio_now_us());
		if (conn_send(c, REC_PING, ping, sizeof(ping)) == 0) {
			c->ping_out = 1;
		}
	}
}

void
conn_signal(struct conn *c, int sig)
{
	uint8_t s;

	if (c->state == ST_CLOSED) {
		return;
	}
	if (c->cmd != CMD_STARTED || c->state != ST_OPEN) {
		/* Nothing runs remotely yet: end as the signal says. */
		conn_fail(c, 128 + sig, 0, "%s", c->cmd == CMD_NONE ?
		    "interrupted" : "interrupted before the command started");
		return;
	}
	if (c->p.pty) {
		/* ^C on a terminal is a byte; a signal to rsh itself (its
		 * terminal gone, a kill) ends the session, as with ssh: the
		 * server hangs the remote terminal up. */
		conn_fail(c, 128 + sig, 0, "terminal session ended by signal "
		    "%d", sig);
		return;
	}
	if (++c->interrupts >= MAX_INTERRUPTS) {
		conn_fail(c, 128 + sig, 0, "giving up on the command after %d "
		    "signals", c->interrupts);
		return;
	}
	switch (sig) {
	case SIGHUP: s = WIRE_SIG_HUP; break;
	case SIGINT: s = WIRE_SIG_INT; break;
	case SIGQUIT: s = WIRE_SIG_QUIT; break;
	default: s = WIRE_SIG_TERM; break;
	}
	(void)conn_send(c, REC_SIGNAL, &s, 1);
}

void
conn_resize(struct conn *c, uint16_t rows, uint16_t cols)
{
	uint8_t p[4];

	if (!c->p.pty || c->cmd == CMD_NONE || !recloop_keyed(&c->rl) ||
	    c->state == ST_CLOSED) {
		return;
	}
	wire_put16(p, rows);
	wire_put16(p + 2, cols);
	(void)conn_send(c, REC_WINCH, p, sizeof(p));
}
