/*
 * dgram: the client side of the UDP variant.  The request is built once
 * and sent again unchanged (the server's replay cache answers a retry
 * instead of running the command twice) while one poll() waits for a
 * datagram that opens as its reply.  Anything else is ignored: a spoofed
 * datagram or an ICMP error may cost the wait, never the answer.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "netio.h"
#include "udp.h"
#include "wire.h"

#include "dgram.h"
#include "sink.h"

#define RETRY_FIRST_MS	200
#define RETRY_MAX_MS	2000
#define STDIN_TLVHDR	5	/* STDIN_DATA's u8 tag and u32 length */

struct dgram {
	const struct dgram_target *t;
	int		 fd;
	size_t		 maxdgram;	/* the address family's largest */
	uint8_t		 n[UDP_NLEN];
	uint8_t		*req;		/* maxdgram bytes, H first */
	size_t		 reqlen, hlen;
	uint8_t		*tlv;		/* the plaintext */
	size_t		 tlvcap;
	uint8_t		*in;		/* standard input */
	size_t		 incap;
	uint8_t		*rep;		/* max_reply bytes, opened in place */
	int		 neterr;	/* from ICMP, since the last datagram */
	unsigned	 ignored;	/* datagrams that were not the reply */
};

/* "rsh: HOST:PORT: what went wrong", through the sink. */
static void __attribute__((format(printf, 2, 3)))
fail(const struct dgram *d, const char *fmt, ...)
{
	char	text[SINK_ERRMAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sink_msg(d->t->sink, SINK_ERROR, "%s", text);
}

/* strerror(e) as the end of a sentence: "network is unreachable". */
static const char *
errstr(int e, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(e));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

/* The wall clock in Unix milliseconds, as ts_ms and the server count. */

/* An IPv4-mapped IPv6 peer is reached over IPv4, with its smaller limit. */
static size_t
max_dgram(const struct addrinfo *ai)
{
	const struct sockaddr_in6 *sin6;

	if (ai->ai_family != AF_INET6) {
		return UDP_MAXV4;
	}
	sin6 = (const struct sockaddr_in6 *)(const void *)ai->ai_addr;
	return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) ? UDP_MAXV4 : UDP_MAXV6;
}

/*
 * A socket connected to the first address that takes it, so that the
 * kernel passes on only that peer's datagrams and its ICMP errors.
 */
static int
open_socket(struct dgram *d)
{
	struct addrinfo	 hints, *res, *ai;
	char		 buf[128];
	int		 rc, e = EADDRNOTAVAIL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(d->t->host, d->t->port, &hints, &res)) != 0) {
		fail(d, "%s", gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && d->fd == -1; ai = ai->ai_next) {
		d->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (d->fd == -1) {
			e = errno;
			continue;
		}
		if (connect(d->fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			e = errno;
			close(d->fd);
			d->fd = -1;
			continue;
		}
		d->maxdgram = max_dgram(ai);
	}
	freeaddrinfo(res);
	if (d->fd == -1) {
		fail(d, "%s", errstr(e, buf, sizeof(buf)));
		return -1;
	}
	return 0;
}

/*
 * Reads standard input to its end into d->in.  Returns its length, or -1
 * (said) when it cannot be read or has more than cap bytes: the request
 * must not leave with part of it.
 */
static long
read_stdin(struct dgram *d, size_t cap)
{
	struct pollfd	pfd = { 0, POLLIN, 0 };
	size_t		got = 0;
	ssize_t		r;

	d->incap = cap + 1;
	if ((d->in = malloc(d->incap)) == NULL) {
		fail(d, "%s", "out of memory");
		return -1;
	}
	while (got < d->incap) {
		if ((r = read(0, d->in + got, d->incap - got)) > 0) {
			got += (size_t)r;
		} else if (r == 0) {
			return (long)got;
		} else if (errno == EAGAIN) {
			(void)poll(&pfd, 1, -1);
		} else if (errno != EINTR) {
			sink_msg(d->t->sink, SINK_ERROR | SINK_NOHOST,
			    "reading standard input: %s", strerror(errno));
			return -1;
		}
	}
	fail(d, "standard input is too large for UDP: more than the %zu "
	    "bytes that fit with this command in one %zu-byte request; use "
	    "TCP (without -u)", cap, d->maxdgram);
	return -1;
}

/* The plaintext: e, standard input, PAD up to a third of max_reply. */
static long
encode_tlv(struct dgram *d, const struct wire_exec *e)
{
	struct wire_exec	x = *e;
	long			len;
	size_t			room, pad;
	char			why[256];

	x.stdin_data = NULL;
	x.stdin_len = 0;
	if ((len = wire_exec_encode(&x, d->tlv, d->tlvcap, 0)) == -1) {
		wire_exec_toolarge(&x, d->tlvcap, why, sizeof(why));
		fail(d, "over UDP, %s; use TCP (without -u)", why);
		return -1;
	}
	if (!(x.flags & EXEC_FLAG_NO_STDIN)) {
		room = d->tlvcap - (size_t)len;
		room = room > STDIN_TLVHDR ? room - STDIN_TLVHDR : 0;
		if ((len = read_stdin(d, room)) == -1) {
			return -1;
		}
		x.stdin_data = d->in;
		x.stdin_len = (size_t)len;
		len = wire_exec_encode(&x, d->tlv, d->tlvcap, 0);
	}
	pad = len == -1 ? 0 : udp_req_padlen(d->hlen, (size_t)len,
	    d->t->max_reply);
	if (pad > 0) {
		len = wire_exec_encode(&x, d->tlv, d->tlvcap, pad);
	}
	if (len == -1) {
		fail(d, "the command and its input are too long for one UDP "
		    "request; use TCP (without -u)");
	}
	return len;
}

/* The datagram every send repeats: a fresh N, our clock, sealed. */
static int
build_request(struct dgram *d, const struct wire_exec *e)
{
	const struct key	*k = d->t->key;
	long			 tlvlen, n;

	d->hlen = udp_req_hdrlen(k->idlen, strlen(d->t->name));
	d->tlvcap = d->maxdgram - d->hlen - CRYPTO_TAGLEN;
	if ((d->req = malloc(d->maxdgram)) == NULL ||
	    (d->tlv = malloc(d->tlvcap)) == NULL ||
	    (d->rep = malloc(d->t->max_reply)) == NULL) {
		fail(d, "%s", "out of memory");
		return -1;
	}
	if ((tlvlen = encode_tlv(d, e)) == -1) {
		return -1;
	}
	if (crypto_random(d->n, sizeof(d->n)) == -1) {
		fail(d, "cannot get random bytes: %s", strerror(errno));
		return -1;
	}
	n = udp_req_build(d->req, d->maxdgram, k->id, d->t->name, d->n,
	    netio_wall_ms(), d->t->max_reply, k->psk, d->tlv, (size_t)tlvlen);
	if (n == -1) {
		fail(d, "%s", "cannot build the UDP request");
		return -1;
	}
	d->reqlen = (size_t)n;
	return 0;
}

/*
 * Sends the request.  An error left by an ICMP message takes the place
 * of the datagram, so it is noted and the send tried once more.
 */
static void
send_req(struct dgram *d)
{
	for (int i = 0; i < 2; i++) {
		if (send(d->fd, d->req, d->reqlen, MSG_DONTWAIT) != -1) {
			return;
		}
		if (errno == EAGAIN || errno == ENOBUFS) {
			return;		/* the next retry will do */
		}
		if (errno != EINTR) {
			d->neterr = errno;
		}
	}
}

/* Receives one datagram: 1 when it opens as the reply, into *r. */
static int
recv_reply(struct dgram *d, struct udp_reply *r, size_t *len)
{
	ssize_t n;

	/* MSG_TRUNC: the real length, so an oversized datagram is seen. */
	n = recv(d->fd, d->rep, d->t->max_reply, MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR) {
			d->neterr = errno;
		}
		return 0;
	}
	d->neterr = 0;
	if ((size_t)n > d->t->max_reply || udp_rep_open(d->rep, (size_t)n,
	    d->n, d->req, d->hlen, d->t->key->psk, r) != WIRE_OK) {
		d->ignored++;
		return 0;
	}
	*len = (size_t)n;
	return 1;
}

static void
no_reply(const struct dgram *d, uint32_t wait_ms)
{
	char	ign[96] = "", buf[128];
	double	secs = wait_ms / 1000.0;

	if (d->ignored > 0) {
		snprintf(ign, sizeof(ign), "; ignored %u datagram%s that "
		    "did not open as its reply", d->ignored,
		    d->ignored == 1 ? "" : "s");
	}
	if (d->neterr == ECONNREFUSED) {
		fail(d, "connection refused over UDP (retried for %g s)%s",
		    secs, ign);
	} else if (d->neterr != 0) {
		fail(d, "no reply over UDP within %g s (%s)%s", secs,
		    errstr(d->neterr, buf, sizeof(buf)), ign);
	} else {
		fail(d, "no reply over UDP within %g s%s", secs, ign);
	}
}

/*
 * Sends and re-sends the request, 200 ms apart and then twice as long
 * each time up to 2 s, until its reply opens (0) or wait_ms has passed
 * (-1, said).
 */
static int
exchange(struct dgram *d, uint32_t wait_ms, struct udp_reply *r,
    size_t *len)
{
	struct pollfd	pfd = { d->fd, POLLIN, 0 };
	long long	now = netio_now_ms(), end = now + wait_ms, next = now;
	int		interval = RETRY_FIRST_MS;

	while ((now = netio_now_ms()) < end) {
		if (now >= next) {
			send_req(d);
			next = now + interval;
			interval = interval < RETRY_MAX_MS / 2 ?
			    interval * 2 : RETRY_MAX_MS;
		}
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)((next < end ? next : end) - now)) ==
		    -1 && errno != EINTR) {
			fail(d, "poll: %s", strerror(errno));
			return -1;
		}
		if (pfd.revents != 0 && recv_reply(d, r, len) == 1) {
			return 0;
		}
	}
	no_reply(d, wait_ms);
	return -1;
}

static int
proto_error(const struct dgram *d, const char *what)
{
	fail(d, "protocol error: %s", what);
	return RSH_EXIT_FAILURE;
}

/* how 3: the server's clock, in out, is too far from ours. */
static int
clock_skew(const struct dgram *d, const struct udp_reply *r)
{
	uint64_t	theirs, ours = netio_wall_ms(), diff;

	if (r->olen != 8) {
		return proto_error(d, "a clock skew reply without the "
		    "server's clock");
	}
	theirs = wire_get64(r->out);
	diff = theirs > ours ? theirs - ours : ours - theirs;
	fail(d, "the server refused the request for clock skew: its clock "
	    "is %llu.%03llu s %s ours", (unsigned long long)(diff / 1000),
	    (unsigned long long)(diff % 1000),
	    theirs > ours ? "ahead of" : "behind");
	return RSH_EXIT_FAILURE;
}

/* Our stdout or stderr broke: one line, or a quiet end on EPIPE. */
static int
output_failed(const struct dgram *d, int fd, struct sink_result *res)
{
	if (errno == EPIPE) {
		res->sigpipe = 1;
	} else {
		sink_msg(d->t->sink, SINK_ERROR | SINK_NOHOST, "cannot write "
		    "standard %s: %s", fd == 1 ? "output" : "error",
		    strerror(errno));
	}
	return RSH_EXIT_FAILURE;
}

/* how 0 and 1: the output, byte for byte; cut output is a failure. */
static int
print_output(const struct dgram *d, const struct udp_reply *r,
    size_t replen, struct sink_result *res)
{
	struct sink	*s = d->t->sink;
	int		 status = sink_exit_status(r->how, r->code, &res->how);
	unsigned	 cut = r->flags & (UDP_FLAG_OUT_CUT | UDP_FLAG_ERR_CUT);

	res->code = r->code;
	res->out_bytes = r->olen;
	res->err_bytes = r->elen;
	if ((r->olen > 0 && (sink_data(s, 1, r->out, r->olen) == -1 ||
	    sink_flush(s) == -1))) {
		return output_failed(d, 1, res);
	}
	if (r->elen > 0 && sink_data(s, 2, r->err, r->elen) == -1) {
		return output_failed(d, 2, res);
	}
	if (cut != 0) {
		fail(d, "output cut to fit one reply of %zu bytes (%s); the "
		    "command exited with status %d; use TCP or a larger "
		    "--max-reply", replen, cut == UDP_FLAG_OUT_CUT ? "stdout" :
		    cut == UDP_FLAG_ERR_CUT ? "stderr" : "stdout and stderr",
		    status);
		return RSH_EXIT_FAILURE;
	}
	return status;
}

static int
finish(const struct dgram *d, const struct udp_reply *r, size_t replen,
    struct sink_result *res)
{
	char vis[4 * WIRE_MAXERRTEXT + 1];

	switch (r->how) {
	case EXIT_HOW_EXITED:
	case EXIT_HOW_SIGNALED:
		return print_output(d, r, replen, res);
	case EXIT_HOW_NOTSTARTED:
		if (r->elen > 0) {
			fail(d, "%s", log_vis(vis, sizeof(vis), r->err,
			    r->elen));
			sink_hint_account(d->t->sink, r->err, r->elen);
		} else {
			fail(d, "%s", "the server did not run the command");
		}
		return sink_exit_status(r->how, r->code, &res->how);
	case EXIT_HOW_CLOCKSKEW:
		return clock_skew(d, r);
	default:
		return proto_error(d, "a reply of an unknown kind");
	}
}

/* Frees a buffer that held a plaintext or the command's output. */
static void
wipe_free(uint8_t *p, size_t len)
{
	if (p != NULL) {
		crypto_wipe(p, len);
		free(p);
	}
}

int
dgram_run(const struct dgram_target *t, const struct wire_exec *e,
    struct sink_result *res)
{
	struct dgram		d;
	struct udp_reply	r;
	size_t			replen = 0;
	uint32_t		wait_ms = DGRAM_MAXTIME_MS;
	uint64_t		t0 = netio_now_us();

	memset(&d, 0, sizeof(d));
	memset(&r, 0, sizeof(r));
	d.t = t;
	d.fd = -1;
	if (e->has_timeout && e->timeout_ms > 0 &&
	    e->timeout_ms < DGRAM_MAXTIME_MS) {
		wait_ms = e->timeout_ms;
	}
	memset(res, 0, sizeof(*res));
	res->timed_out = -1;	/* a reply does not say */
	res->how = SINK_FAILED;
	res->status = RSH_EXIT_FAILURE;
	sink_begin(t->sink, e);
	if (crypto_init() == -1) {
		fail(&d, "%s", crypto_init_error());
		goto out;
	}
	if (open_socket(&d) == -1 || build_request(&d, e) == -1 ||
	    exchange(&d, wait_ms + DGRAM_SLACK_MS, &r, &replen) == -1) {
		goto out;
	}
	res->status = finish(&d, &r, replen, res);
	if (res->status == RSH_EXIT_FAILURE && t->sink->error[0] != '\0') {
		res->how = SINK_FAILED;
	}
out:
	res->duration_ms = (long long)((netio_now_us() - t0) / 1000);
	sink_end(t->sink, res);
	if (d.fd != -1) {
		close(d.fd);
	}
	wipe_free(d.rep, t->max_reply);
	wipe_free(d.in, d.incap);
	wipe_free(d.tlv, d.tlvcap);
	/* Sealed, unless udp_req_build() failed half way. */
	wipe_free(d.req, d.maxdgram);
	return res->status;
}
