/*
 * udpjob: a UDP request's command, with a sink that keeps each stream in
 * a buffer of the reply's budget, and the reply built from them.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netio.h"
#include "udp.h"
#include "wire.h"

#include "admit.h"
#include "audit.h"
#include "job.h"
#include "policy.h"
#include "priv.h"
#include "request.h"
#include "udpjob.h"

#define SCRATCH		WIRE_MAXPAYLOAD		/* output beyond the budget */

/* What the job told the UDP sink. */
struct usink {
	uint8_t	*buf[2];	/* stdout, stderr: budget bytes each */
	size_t	 len[2];
	size_t	 budget;
	uint8_t	 flags;		/* UDP_FLAG_* for output that overflowed */
	uint8_t	*scratch;	/* where overflow is read and dropped */
	int	 started;
	int	 exited, how, code;
	char	 what[128];	/* argv[0], escaped, for the log */
	const struct udpreq *q;
};

static uint8_t *
us_reserve(void *ctx, enum job_stream st, size_t *len)
{
	struct usink *u = ctx;

	if (u->len[st] < u->budget) {
		if (*len > u->budget - u->len[st]) {
			*len = u->budget - u->len[st];
		}
		return u->buf[st] + u->len[st];
	}
	/* Keep reading, so the command never blocks on a full pipe. */
	if (*len > SCRATCH) {
		*len = SCRATCH;
	}
	return u->scratch;
}

static int
us_commit(void *ctx, enum job_stream st, uint8_t *p, size_t n)
{
	struct usink *u = ctx;

	if (p == u->scratch) {
		u->flags |= st == JOB_STDOUT ? UDP_FLAG_OUT_CUT :
		    UDP_FLAG_ERR_CUT;
	} else {
		u->len[st] += n;
	}
	return 0;
}

static int
us_room(void *ctx)
{
	(void)ctx;
	return 1;
}

static int
us_started(void *ctx, pid_t pid, uint32_t window)
{
	struct usink *u = ctx;

	(void)window;
	u->started = 1;
	log_info("udp %s: key '%s' runs %s as pid %d", u->q->peerstr,
	    u->q->key->id, u->what, (int)pid);
	return 0;
}

/* UDP has no ERROR record: a refusal is the reply's error text, and an
 * error while the command runs (time limit, shutdown, output cut) ends
 * its stderr as a line "rshd: TEXT". */
static int
us_error(void *ctx, uint16_t code, const char *text)
{
	struct usink	*u = ctx;
	char		 line[WIRE_MAXERRTEXT + 16];
	size_t		 n, room;

	(void)code;
	n = (size_t)snprintf(line, sizeof(line), u->started ? "rshd: %s\n" :
	    "%s", text);
	if (n >= sizeof(line)) {
		n = sizeof(line) - 1;
	}
	if (!u->started) {
		u->len[JOB_STDERR] = 0;
	}
	room = u->budget - u->len[JOB_STDERR];
	if (n > room) {
		n = room;
		u->flags |= UDP_FLAG_ERR_CUT;
	}
	memcpy(u->buf[JOB_STDERR] + u->len[JOB_STDERR], line, n);
	u->len[JOB_STDERR] += n;
	return 0;
}

static int
us_exited(void *ctx, int how, int code, uint64_t elapsed_us)
{
	struct usink *u = ctx;

	(void)elapsed_us;
	u->exited = 1;
	u->how = how;
	u->code = code;
	return 0;
}

static const struct job_sink udp_sink = {
	us_reserve, us_commit, us_room, us_started, NULL, us_error, us_exited
};


/* Drives j until the sink has heard its exit; TERM on shutdown. */
static void
drive(struct job *j, const struct usink *u, int shutdown_fd, int grace_ms)
{
	struct pollfd	pfd[JOB_NPOLL + 1];
	int		stopping = 0;

	while (!u->exited && !job_done(j)) {
		job_pollfds(j, pfd);
		pfd[JOB_NPOLL].fd = stopping ? -1 : shutdown_fd;
		pfd[JOB_NPOLL].events = POLLIN;
		pfd[JOB_NPOLL].revents = 0;
		if (poll(pfd, JOB_NPOLL + 1, job_timeout(j)) == -1 &&
		    errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (pfd[JOB_NPOLL].revents != 0) {
			stopping = 1;
			(void)job_shutdown(j, grace_ms);
		}
		(void)job_events(j, pfd);
	}
}

/* Runs the request's EXEC with u as the sink until its exit is heard;
 * returns the job, which may still be stopping what the command left. */
static struct job *
run(const struct rshd *d, const struct udpreq *q, struct usink *u)
{
	struct wire_exec	*e = NULL;
	struct job_limits	 lim;
	struct job		*j;
	const char		*why = NULL;
	char			 tag[80];
	struct audit_origin	 origin = { q->id, 1, &q->src };

	snprintf(tag, sizeof(tag), "udp %s", q->peerstr);
	if (wire_exec_decode(q->r.payload, q->r.paylen, WIRE_UDP, &e,
	    &why) != WIRE_OK) {
		e = NULL;
	}
	request_limits(q->snap, e, d->boot->conf.udp_window_ms, &lim);
	/* Stdin is STDIN_DATA, in one piece, then end of file. */
	lim.stdin_window = e != NULL && e->stdin_data != NULL ?
	    (uint32_t)e->stdin_len : 0;
	if (e != NULL && lim.stdin_window == 0) {
		e->has_flags = 1;
		e->flags |= EXEC_FLAG_NO_STDIN;
	}
	if ((j = job_new(&udp_sink, u, &lim, tag, q->t_recv_us)) == NULL) {
		(void)us_error(u, ERR_INTERNAL, "rshd is out of memory");
		(void)us_exited(u, EXIT_HOW_NOTSTARTED, 255, 0);
	} else if (e == NULL) {
		job_set_audit(j, audit_rec_new(&origin, q->key->id, NULL));
		(void)job_refuse(j, ERR_BAD_REQUEST, why, 255);
	} else {
		job_set_audit(j, audit_rec_new(&origin, q->key->id, e));
		(void)request_start(q->snap, q->key, &q->src, j, e,
		    q->r.payload, q->r.paylen, WIRE_UDP, q->token, u->what,
		    sizeof(u->what));
		if (lim.stdin_window > 0) {
			(void)job_stdin(j, e->stdin_data, e->stdin_len);
			job_stdin_eof(j);
		}
		drive(j, u, d->shutdown_fd, q->snap->conf.shutdown_grace_ms);
	}
	wire_exec_free(e);
	return j;
}

/* how 2 with text, or how 3 with the server's clock; audited. */
static void
refusal(const struct udpreq *q, struct usink *u, int how, const char *text,
    uint64_t now)
{
	struct audit_origin	 origin = { q->id, 1, &q->src };
	struct audit_rec	*r = audit_rec_new(&origin, q->key->id, NULL);
	struct audit_end	 e;

	memset(&e, 0, sizeof(e));
	e.how = EXIT_HOW_NOTSTARTED;
	e.code = 255;
	e.refused = text;
	e.elapsed_us = netio_now_us() - q->t_recv_us;
	audit_rec_write(r, &e);
	audit_rec_free(r);
	u->exited = 1;
	u->how = how;
	u->code = how == EXIT_HOW_CLOCKSKEW ? 0 : 255;
	if (how == EXIT_HOW_CLOCKSKEW) {
		wire_put64(u->buf[JOB_STDOUT], now);
		u->len[JOB_STDOUT] = 8;
	} else {
		(void)us_error(u, ERR_DENIED, text);
	}
}

/* The name the client means, checked against ours at the address it
 * reached (its destination address). */
static int
name_ok(const struct udpreq *q)
{
	char local[NETIO_NAMEMAX];

	if (netio_addr_name((const struct sockaddr *)&q->dst, local,
	    sizeof(local)) == -1) {
		local[0] = '\0';
	}
	return snapshot_name_ok(q->snap, q->r.name, q->r.namelen, local);
}

static long
build(const struct udpreq *q, const struct usink *u, size_t limit,
    uint8_t *reply, size_t cap)
{
	struct udp_reply	rep;
	size_t			olen = u->len[JOB_STDOUT];
	size_t			elen = u->len[JOB_STDERR];

	memset(&rep, 0, sizeof(rep));
	rep.flags = u->flags;
	if (u->how != EXIT_HOW_CLOCKSKEW) {
		udp_cut(limit - UDP_REPOVERHEAD, &olen, &elen, &rep.flags);
	}
	rep.how = (uint8_t)u->how;
	rep.code = (uint8_t)u->code;
	rep.out = u->buf[JOB_STDOUT];
	rep.olen = olen;
	rep.err = u->buf[JOB_STDERR];
	rep.elen = elen;
	/* Sealed by the privileged part, with the PSK and the header of
	 * the request that token opened. */
	return priv_udp_seal(q->token, &rep, reply, cap);
}

int
udpjob_bufs_init(struct udpjob_bufs *b)
{
	memset(b, 0, sizeof(*b));
	if ((b->out = malloc(UDP_MAXV6)) == NULL ||
	    (b->err = malloc(UDP_MAXV6)) == NULL ||
	    (b->scratch = malloc(SCRATCH)) == NULL ||
	    (b->reply = malloc(UDP_MAXV6)) == NULL) {
		udpjob_bufs_free(b);
		return -1;
	}
	return 0;
}

void
udpjob_bufs_free(struct udpjob_bufs *b)
{
	free(b->out);
	free(b->err);
	free(b->scratch);
	free(b->reply);
	memset(b, 0, sizeof(*b));
}

long
udpjob_answer(const struct rshd *d, uint64_t floor_ms,
    const struct udpreq *q, struct udpjob_bufs *b, struct job **rest,
    int *skewed)
{
	struct usink	 u;
	uint64_t	 now = netio_wall_ms();
	int64_t		 skew = (int64_t)(q->r.ts_ms - now);
	int64_t		 window = d->boot->conf.udp_window_ms;
	size_t		 limit;
	long		 n = -1;
	char		 text[160];

	*rest = NULL;
	*skewed = 0;
	limit = q->src.ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(
	    &((const struct sockaddr_in6 *)&q->src)->sin6_addr) ?
	    UDP_MAXV6 : UDP_MAXV4;
	if ((size_t)q->snap->conf.udp_max_reply < limit) {
		limit = (size_t)q->snap->conf.udp_max_reply;
	}
	limit = udp_reply_limit(q->r.max_reply, limit, q->len);
	memset(&u, 0, sizeof(u));
	u.q = q;
	u.budget = limit - UDP_REPOVERHEAD;
	u.buf[JOB_STDOUT] = b->out;
	u.buf[JOB_STDERR] = b->err;
	u.scratch = b->scratch;
	if (skew > window || skew < -window || q->r.ts_ms <= floor_ms) {
		log_info("%s: udp: key '%s': clock skew of %lld ms; refused",
		    q->peerstr, q->key->id, (long long)skew);
		snprintf(text, sizeof(text), "clock skew of %lld ms",
		    (long long)skew);
		refusal(q, &u, EXIT_HOW_CLOCKSKEW, text, now);
		*skewed = 1;
	} else if (policy_admit(q->snap->policy, q->key, &q->src, WIRE_UDP) !=
	    POLICY_OK) {
		log_info("%s: udp: key '%s' may not be used over UDP",
		    q->peerstr, q->key->id);
		snprintf(text, sizeof(text), "key '%s' may not be used over UDP "
		    "(no-udp, or from=)", q->key->id);
		refusal(q, &u, EXIT_HOW_NOTSTARTED, text, now);
	} else if (!name_ok(q)) {
		log_info("%s: udp: key '%s' asked for a server name this "
		    "server does not answer to", q->peerstr, q->key->id);
		refusal(q, &u, EXIT_HOW_NOTSTARTED, "this server does not "
		    "answer to that name", now);
	} else if (admit_key_begin(d->admit, q->key->id,
	    policy_max_sessions(q->snap->policy, q->key)) == -1) {
		snprintf(text, sizeof(text), "key '%s' has all its sessions "
		    "in use (max-sessions)", q->key->id);
		refusal(q, &u, EXIT_HOW_NOTSTARTED, text, now);
	} else {
		*rest = run(d, q, &u);
		admit_key_end(d->admit, q->key->id);
	}
	if ((n = build(q, &u, limit, b->reply, UDP_MAXV6)) == -1) {
		log_err("%s: udp: cannot build the reply", q->peerstr);
	}
	return n;
}
