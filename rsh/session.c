/*
 * session: the client side of one connection.  C1 and the EXEC record
 * leave in one write (one round trip); then one poll() loop over the
 * socket, stdin (while the server's credit lasts) and the signalfd.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "handshake.h"
#include "log.h"
#include "netio.h"
#include "wire.h"

#include "output.h"
#include "session.h"

#define IN_MAX		(RECV_CHUNK + 2 * WIRE_MAXRECORD)
#define MAX_INTERRUPTS	3	/* then rsh gives up waiting for EXIT */
#define RECV_CHUNK	(256 * 1024)

struct client {
	struct rsh_target	*t;
	int			 fd, sigfd;
	struct wire_dir		*rx, *tx;
	struct buf		 in;
	uint8_t			*rec;		/* one record, reused */
	int			 started;
	uint64_t		 credit;	/* STDIN bytes we may send */
	int			 stdin_open;	/* still forwarding stdin */
	int			 status;	/* -1 until EXIT */
	int			 interrupts;
	struct output		 out;
};

/* "rsh: HOST:PORT: what went wrong" on stderr. */
static void __attribute__((format(printf, 2, 3)))
fail_msg(const struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "rsh: %s: ", c->t->display);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Reads more from the socket, waiting up to the handshake timeout. */
static int
read_more(struct client *c, long long deadline)
{
	struct pollfd	pfd[2] = { { c->fd, POLLIN, 0 }, { c->sigfd, POLLIN, 0 } };
	uint8_t		*p;
	ssize_t		 r;
	long long	 left;

	for (;;) {
		left = deadline - netio_now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(pfd, 2, (int)left) == -1 && errno != EINTR) {
			return -1;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			int sig = SIGINT;

			if (read(c->sigfd, &si, sizeof(si)) == sizeof(si)) {
				sig = (int)si.ssi_signo;
			}
			/* Nothing runs remotely yet: end as the signal says. */
			fprintf(stderr, "rsh: %s: interrupted before the command "
			    "started\n", c->t->display);
			exit(128 + sig);
		}
		if (pfd[0].revents != 0) {
			break;
		}
	}
	if ((p = buf_reserve(&c->in, 65536)) == NULL) {
		return -1;
	}
	if ((r = recv(c->fd, p, 65536, 0)) > 0) {
		buf_commit(&c->in, (size_t)r);
	}
	return (int)r;
}

/* Sends one record built at c->rec (payload already in place); says so
 * when the connection is gone. */
static int
send_rec(struct client *c, uint8_t type, size_t len)
{
	long n = wire_seal(c->tx, type, c->rec, len);

	if (n == -1 || netio_write_full(c->fd, c->rec, (size_t)n) == -1) {
		if (type != REC_BYE) {
			fprintf(stderr, "rsh: connection to %s lost; output "
			    "may be truncated\n", c->t->display);
		}
		return -1;
	}
	return 0;
}

static const char *
refusal_reason(uint8_t reason)
{
	switch (reason) {
	case HS_REFUSE_BUSY: return "busy";
	case HS_REFUSE_ADDR: return "address not allowed";
	case HS_REFUSE_SHUTDOWN: return "shutting down";
	default: return NULL;
	}
}

static int
read_s1(struct client *c, struct hs_client *hs, long long deadline)
{
	struct hs_refusal	ref;
	size_t			used;
	char			vis[1024];
	int			r;

	for (;;) {
		switch (hs_client_read_s1(hs, buf_data(&c->in), c->in.len,
		    &used, &ref)) {
		case WIRE_OK:
			buf_consume(&c->in, used);
			return 0;
		case WIRE_TOOBIG:
			fprintf(stderr, "rsh: %s refused the connection: ",
			    c->t->display);
			if (refusal_reason(ref.reason) != NULL) {
				fprintf(stderr, "%s", refusal_reason(ref.reason));
			} else {
				fprintf(stderr, "reason %u", ref.reason);
			}
			fprintf(stderr, "%s%s\n", ref.text[0] ? ": " : "",
			    log_vis(vis, sizeof(vis), ref.text,
			    strlen(ref.text)));
			return -1;
		case WIRE_BAD:
			fail_msg(c, "%s", "protocol mismatch: not an rsh "
			    "protocol 1 server");
			return -1;
		default:
			break;
		}
		if ((r = read_more(c, deadline)) <= 0) {
			fail_msg(c, "%s", r == 0 ? "connection closed before "
			    "the handshake" : errno == ETIMEDOUT ?
			    "no handshake from the server (timed out)" :
			    strerror(errno));
			return -1;
		}
	}
}

/* Sends C1 and the sealed EXEC in one write. */
static int
send_c1_exec(struct client *c, struct hs_client *hs, const uint8_t *exec,
    size_t execlen)
{
	uint8_t	*out;
	size_t	 total = hs->c1len + execlen + WIRE_OVERHEAD;
	long	 n;
	int	 rc = -1;

	if ((out = malloc(total)) == NULL) {
		return -1;
	}
	memcpy(out, hs->c1, hs->c1len);
	memcpy(out + hs->c1len + WIRE_PAYLOADOFF, exec, execlen);
	n = wire_seal(c->tx, REC_EXEC, out + hs->c1len, execlen);
	if (n != -1 &&
	    netio_write_full(c->fd, out, hs->c1len + (size_t)n) == 0) {
		rc = 0;
	} else {
		fail_msg(c, "cannot send: %s", strerror(errno));
	}
	free(out);
	return rc;
}

static int
read_s2(struct client *c, struct hs_client *hs, long long deadline)
{
	size_t	used;
	uint8_t	status;
	char	vis[4 * HS_MAXNAMELEN + 1];

	for (;;) {
		switch (hs_client_read_s2(hs, buf_data(&c->in), c->in.len,
		    &used, &status)) {
		case WIRE_OK:
			buf_consume(&c->in, used);
			return 0;
		case WIRE_BAD:
			fail_msg(c, "the server did not prove it holds key "
			    "'%s'; closing", c->t->key->id);
			return -1;
		case WIRE_TOOBIG:
			if (status == HS_ADDR_DENIED) {
				fail_msg(c, "key '%s' may not be used from "
				    "this address", c->t->key->id);
			} else if (status == HS_BAD_NAME) {
				fprintf(stderr, "rsh: server %s does not "
				    "answer to the name '%s'\n", c->t->display,
				    log_vis(vis, sizeof(vis), c->t->name,
				    strlen(c->t->name)));
			} else {
				fprintf(stderr, "rsh: authentication failed "
				    "for key '%s'\n", c->t->key->id);
			}
			return -1;
		default:
			break;
		}
		if (read_more(c, deadline) <= 0) {
			/* End of file instead of S2 is a failure to authenticate. */
			fprintf(stderr, "rsh: authentication failed for key "
			    "'%s'\n", c->t->key->id);
			return -1;
		}
	}
}

/* The handshake; on success c->rx and c->tx are keyed. */
static int
handshake(struct client *c, const uint8_t *exec, size_t execlen)
{
	struct hs_client	hs;
	struct hs_keys		keys;
	struct crypto_x25519_key *xkey;
	long long		deadline = netio_now_ms() + c->t->timeout_ms;
	int			rc = -1;

	memset(&hs, 0, sizeof(hs));
	if (read_s1(c, &hs, deadline) == -1) {
		goto out;
	}
	/* hs_client_init takes the key over, and frees it, on every path. */
	xkey = c->t->xkey;
	c->t->xkey = NULL;
	if (hs_client_init(&hs, c->t->key->psk, c->t->key->id, c->t->name,
	    c->t->prepared ? c->t->nc : NULL, xkey, &keys) == -1) {
		fail_msg(c, "%s", "handshake failed (bad server key share)");
		goto out;
	}
	c->rx = wire_dir_new(keys.s2c, 0, 0);
	c->tx = wire_dir_new(keys.c2s, 0, 1);
	crypto_wipe(&keys, sizeof(keys));
	if (c->rx == NULL || c->tx == NULL ||
	    send_c1_exec(c, &hs, exec, execlen) == -1 ||
	    read_s2(c, &hs, deadline) == -1) {
		goto out;
	}
	rc = 0;
out:
	hs_client_clear(&hs);
	return rc;
}


static int
proto_error(const struct client *c, const char *what)
{
	fail_msg(c, "protocol error: %s", what);
	return -1;
}

/* One record from the server: 0, 1 after EXIT, -1 on protocol error. */
static int
handle(struct client *c, uint8_t type, const uint8_t *p, size_t len)
{
	if (wire_check_s2c(type, len) != WIRE_OK) {
		return proto_error(c, "unexpected record from the server");
	}
	if (!c->started && (type == REC_STDOUT || type == REC_STDERR ||
	    type == REC_WINDOW)) {
		return proto_error(c, "output before STARTED");
	}
	switch (type) {
	case REC_STARTED:
		if (c->started) {
			return proto_error(c, "STARTED twice");
		}
		c->started = 1;
		c->credit = wire_get32(p + 4);
		return 0;
	case REC_STDOUT:
		output_stdout(&c->out, p, len);
		return 0;
	case REC_STDERR:
		output_stderr(&c->out, p, len);
		return 0;
	case REC_WINDOW:
		if (wire_get32(p) == 0) {
			return proto_error(c, "WINDOW of 0");
		}
		c->credit += wire_get32(p);
		return 0;
	case REC_ERROR:
		output_error(c->t->display, p, len);
		return 0;
	case REC_EXIT:
		c->status = session_exit_status(p[0], p[1]);
		return 1;
	case REC_PONG:
		return proto_error(c, "PONG without PING");
	default:
		return 0;	/* PAD */
	}
}

/* Opens and handles every whole record received. */
static int
process_records(struct client *c)
{
	for (;;) {
		uint8_t	*payload, type;
		size_t	 used, len;
		int	 r;

		switch (wire_open(c->rx, buf_data(&c->in), c->in.len, &used,
		    &type, &payload, &len)) {
		case WIRE_OK:
			break;
		case WIRE_INCOMPLETE:
			return 0;
		default:
			return proto_error(c, "bad record from the server");
		}
		r = handle(c, type, payload, len);
		buf_consume(&c->in, used);
		if (r != 0) {
			return r;
		}
	}
}

/* The payloads batched by output() point into c->in: flush them before
 * the buffer is touched again. */
static int
process_in(struct client *c)
{
	int r = process_records(c);

	output_flush(&c->out);
	return r;
}

static int
lost(const struct client *c)
{
	fprintf(stderr, "rsh: connection to %s lost; output may be "
	    "truncated\n", c->t->display);
	return -1;
}

static int
socket_events(struct client *c)
{
	uint8_t	*p;
	ssize_t	 r;

	if ((p = buf_reserve(&c->in, RECV_CHUNK)) == NULL) {
		return proto_error(c, "record too large");
	}
	do {
		r = recv(c->fd, p, c->in.cap - c->in.off - c->in.len,
		    MSG_DONTWAIT);
	} while (r == -1 && errno == EINTR);
	if (r == -1 && errno == EAGAIN) {
		return 0;
	}
	if (r <= 0) {
		return lost(c);
	}
	buf_commit(&c->in, (size_t)r);
	return process_in(c);
}

/* Forwards stdin within the credit; STDIN_EOF at its end. */
static int
stdin_events(struct client *c)
{
	size_t	want = c->credit < WIRE_MAXPAYLOAD ? c->credit :
		    WIRE_MAXPAYLOAD;
	ssize_t	r;

	do {
		r = read(0, c->rec + WIRE_PAYLOADOFF, want);
	} while (r == -1 && errno == EINTR);
	if (r == -1 && errno == EAGAIN) {
		return 0;
	}
	if (r <= 0) {
		if (r == -1) {
			fprintf(stderr, "rsh: reading standard input: %s; "
			    "sending end of file\n", strerror(errno));
		}
		c->stdin_open = 0;
		return send_rec(c, REC_STDIN_EOF, 0);
	}
	c->credit -= (uint64_t)r;
	return send_rec(c, REC_STDIN, (size_t)r);
}

static int
signal_events(struct client *c)
{
	struct signalfd_siginfo	si;
	uint8_t			sig;

	if (read(c->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si)) {
		return 0;
	}
	switch (si.ssi_signo) {
	case SIGHUP: sig = WIRE_SIG_HUP; break;
	case SIGINT: sig = WIRE_SIG_INT; break;
	case SIGQUIT: sig = WIRE_SIG_QUIT; break;
	default: sig = WIRE_SIG_TERM; break;
	}
	if (++c->interrupts >= MAX_INTERRUPTS) {
		fprintf(stderr, "rsh: %s: giving up on the command after %d "
		    "signals\n", c->t->display, c->interrupts);
		c->status = 128 + (int)si.ssi_signo;
		return 1;
	}
	c->rec[WIRE_PAYLOADOFF] = sig;
	return send_rec(c, REC_SIGNAL, 1);
}

static int
loop(struct client *c)
{
	struct pollfd	pfd[3];
	int		r = process_in(c);

	while (r == 0) {
		pfd[0].fd = c->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = c->started && c->stdin_open && c->credit > 0 ?
		    0 : -1;
		pfd[1].events = POLLIN;
		pfd[2].fd = c->sigfd;
		pfd[2].events = POLLIN;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		if (pfd[0].revents != 0) {
			r = socket_events(c);
		}
		if (r == 0 && pfd[1].revents != 0) {
			r = stdin_events(c);
		}
		if (r == 0 && pfd[2].revents != 0) {
			r = signal_events(c);
		}
	}
	return r == 1 ? 0 : -1;
}

int
session_exit_status(uint8_t how, uint8_t code)
{
	if (how == EXIT_HOW_SIGNALED) {
		return code < 128 ? 128 + code : RSH_EXIT_FAILURE;
	}
	return how <= EXIT_HOW_NOTSTARTED ? code : RSH_EXIT_FAILURE;
}

int
session_run(int fd, int sigfd, struct rsh_target *t,
    const struct wire_exec *e)
{
	struct client	 c;
	uint8_t		*exec;
	long		 execlen;
	int		 status = RSH_EXIT_FAILURE;

	memset(&c, 0, sizeof(c));
	c.t = t;
	c.fd = fd;
	c.sigfd = sigfd;
	c.status = -1;
	c.stdin_open = !(e->flags & EXEC_FLAG_NO_STDIN);
	if ((exec = malloc(WIRE_MAXPAYLOAD)) == NULL ||
	    (c.rec = malloc(WIRE_MAXRECORD)) == NULL ||
	    buf_init(&c.in, WIRE_MAXRECORD, IN_MAX) == -1) {
		fprintf(stderr, "rsh: out of memory\n");
		goto out;
	}
	if ((execlen = wire_exec_encode(e, exec, WIRE_MAXPAYLOAD, 0)) == -1) {
		fprintf(stderr, "rsh: the command is too long for one request "
		    "(at most %d bytes with its arguments)\n", WIRE_MAXPAYLOAD);
		goto out;
	}
	if (handshake(&c, exec, (size_t)execlen) == 0 && loop(&c) == 0) {
		/* Output lost on our side is a failure of rsh's own. */
		status = c.out.failed ? RSH_EXIT_FAILURE : c.status;
		c.rec[WIRE_PAYLOADOFF] = 0;
		(void)send_rec(&c, REC_BYE, 0);
	}
out:
	free(exec);
	free(c.rec);
	buf_free(&c.in);
	wire_dir_free(c.rx);
	wire_dir_free(c.tx);
	return status;
}
