/*
 * session: one connection, one thread.  The handshake, then a poll() loop
 * over the socket, the shutdown eventfd and the running command's pipes and
 * pidfd, so that no direction can block another.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handshake.h"
#include "keys.h"
#include "log.h"
#include "netio.h"
#include "recloop.h"
#include "wire.h"

#include "audit.h"
#include "authlog.h"
#include "job.h"
#include "keypool.h"
#include "policy.h"
#include "penalty.h"
#include "priv.h"
#include "privmsg.h"
#include "request.h"
#include "session.h"
#include "title.h"

#ifdef RSH_SANITIZE
#define SESSION_STACK	(4 * 1024 * 1024)	/* ASan's redzones */
#else
#define SESSION_STACK	(256 * 1024)
#endif

/* After a non-zero S2: how long to read and discard before closing. */
#define LINGER_MS	1000
/* Flushing the last records before a close. */
#define FLUSH_MS	2000
/* Stop reading the command's output while this much waits for the socket. */
#define SESS_OUT_HIGH	(256 * 1024)
#define SESS_OUT_MAX	(SESS_OUT_HIGH + 4 * WIRE_MAXRECORD)
#define SESS_IN_MAX	(4 * WIRE_MAXRECORD)
#define SESS_RECV_CHUNK	(64 * 1024)
/* Earlier commands of one connection whose groups are still being stopped
 * while the next runs; a client that outruns this gets BUSY. */
#define SESS_MAXOLD	8

static const struct recloop_bounds sess_bounds = {
	SESS_IN_MAX, SESS_OUT_MAX, SESS_OUT_HIGH, SESS_RECV_CHUNK,
	wire_check_c2s
};

struct session {
	struct rshd		*d;
	struct snapshot		*snap;		/* held to the end */
	struct snapshot		*watch;		/* held: the newest the key was
						 * checked against; its
						 * retired_fd wakes us */
	const char		*revoked;	/* what a reload did to the key,
						 * or NULL: close when idle */
	long long		 close_at;	/* over max-sessions: close by
						 * then; 0: no such limit */
	struct admit_ticket	*ticket;	/* its connection slot */
	int			 fd;
	struct sockaddr_storage	 peer;
	char			 peerstr[NETIO_ADDRSTRMAX];
	char			 localname[NETIO_NAMEMAX];
	struct recloop		 rl;		/* the socket's records */
	const struct key	*key;
	int			 shutting_down;	/* SHUTDOWN seen */
	int			 draining;	/* flush out, then close */
	uint64_t		 pong_end;	/* rl.sent when our PONG is gone */
	struct job		*job;		/* the command, or its stop */
	char			 what[128];	/* its argv[0], escaped */
	struct job		*old[SESS_MAXOLD];	/* earlier ones stopping */
	size_t			 nold;
	int			 counted;	/* in the key's max-sessions */
	long long		 idle_since;	/* no command since; 0: one runs */
	long long		 alive_at;	/* next look at the peer; 0: none */
	struct audit_origin	 origin;	/* for the audit log */
};

/* Queues one sealed record; -1 when out is full (the peer stopped reading). */
static int
sess_send(struct session *s, uint8_t type, const void *p, size_t len)
{
	if (recloop_send(&s->rl, type, p, len) == -1) {
		log_warn("%s: %s; closing", s->peerstr, recloop_error(&s->rl));
		return -1;
	}
	return 0;
}

static int
sess_send_error(struct session *s, uint16_t code, const char *text)
{
	uint8_t	p[2 + WIRE_MAXERRTEXT];
	size_t	n = strnlen(text, WIRE_MAXERRTEXT);

	wire_put16(p, code);
	memcpy(p + 2, text, n);
	return sess_send(s, REC_ERROR, p, 2 + n);
}

/* Waits for the socket to be readable until deadline: 1, or 0 on
 * timeout or when rshd is stopping. */
static int
wait_readable(struct session *s, long long deadline)
{
	struct pollfd	pfd[2] = { { s->fd, POLLIN, 0 },
			    { s->d->shutdown_fd, POLLIN, 0 } };
	long long	left = deadline - netio_now_ms();
	int		r;

	if (left <= 0) {
		return 0;
	}
	do {
		r = poll(pfd, 2, (int)left);
	} while (r == -1 && errno == EINTR);
	return r > 0 && pfd[1].revents == 0;
}

/* After a refusal: stop sending, let the client read the status, close. */
static void
linger_close(struct session *s)
{
	long long	deadline = netio_now_ms() + LINGER_MS;
	uint8_t		junk[4096];

	(void)shutdown(s->fd, SHUT_WR);
	while (wait_readable(s, deadline) &&
	    recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0) {
		continue;
	}
}

/* Reads C1 into hs within the authentication timeout: 0 or -1. */
static int
read_c1(struct session *s, struct hs_server *hs, size_t *used)
{
	long long deadline = netio_now_ms() + s->snap->conf.auth_timeout_ms;

	for (;;) {
		const uint8_t	*p;
		size_t		 have;

		p = recloop_peek(&s->rl, &have);
		switch (hs_server_read_c1(hs, p, have, used)) {
		case WIRE_OK:
			return 0;
		case WIRE_INCOMPLETE:
			break;
		default:
			log_info("%s: malformed handshake; closing",
			    s->peerstr);
			return -1;
		}
		if (!wait_readable(s, deadline)) {
			log_info("%s: no authentication within %d ms; closing",
			    s->peerstr, s->snap->conf.auth_timeout_ms);
			return -1;
		}
		switch (recloop_fill(&s->rl)) {
		case RECLOOP_DATA:
		case RECLOOP_AGAIN:
			continue;
		default:
			log_debug("%s: closed during the handshake",
			    s->peerstr);
			return -1;
		}
	}
}

/*
 * What the privileged part decided of C1, logged, audited and counted
 * here: the first failures count towards the address's penalty.  0, or
 * -1 when the key it proved is not in our snapshot (cannot be: both come
 * from the same files of the same generation).
 */
static int
judged(struct session *s, const struct hs_server *hs,
    const struct priv_auth_res *res)
{
	char	vis[4 * HS_MAXNAMELEN + 1];

	switch (res->why) {
	case PRIV_AUTH_OK:
		break;
	case PRIV_AUTH_UNKNOWN:
	case PRIV_AUTH_MAC:
		authlog_fail(s->peerstr, hs->keyid,
		    res->why == PRIV_AUTH_UNKNOWN);
		penalty_fail(&s->peer, s->peerstr,
		    s->snap->conf.max_auth_failures,
		    s->snap->conf.auth_penalty_ms, netio_now_ms());
		audit_authfail(&s->origin, hs->keyid, strlen(hs->keyid),
		    res->why == PRIV_AUTH_UNKNOWN ? "unknown key id" :
		    "wrong MAC");
		return 0;
	case PRIV_AUTH_ADDRESS:
		log_info("%s: key '%s' may not be used from this address "
		    "(from=)", s->peerstr, hs->keyid);
		audit_authfail(&s->origin, hs->keyid, strlen(hs->keyid),
		    "address not allowed (from=)");
		return 0;
	case PRIV_AUTH_SKIPPED:
		log_info("%s: key '%s' is skipped (its options were refused "
		    "when the keys file was read)", s->peerstr, hs->keyid);
		audit_authfail(&s->origin, hs->keyid, strlen(hs->keyid),
		    "key skipped for its options");
		return 0;
	default:	/* PRIV_AUTH_NAME */
		break;
	}
	penalty_ok(&s->peer);
	if (res->why == PRIV_AUTH_NAME) {
		log_info("%s: key '%s' asked for server name '%s', which "
		    "this server does not answer to", s->peerstr, hs->keyid,
		    log_vis(vis, sizeof(vis), hs->name, hs->namelen));
		audit_authfail(&s->origin, hs->keyid, strlen(hs->keyid),
		    "server name not answered to");
		return 0;
	}
	s->key = keys_find_id(s->snap->keys, hs->keyid, strlen(hs->keyid),
	    hs->name, hs->namelen);
	if (s->key == NULL) {
		log_err("%s: key '%s' was proven, but is not in the network "
		    "part's configuration %lu; closing", s->peerstr, hs->keyid,
		    s->snap->gen);
		return -1;
	}
	return 0;
}

/*
 * The handshake, its secrets split: the X25519 key is ours, the PSK the
 * privileged part's, which checks Tc and makes S2 and the session keys
 * from our shared secret (priv_auth).
 */
/* Instead of S1: "RSH" 0, reason 1 (busy), and why, then close. */
static void
refuse_busy(struct session *s, int e)
{
	uint8_t	msg[HS_REFUSALMAX];
	int	n;

	log_err("%s: refused: out of resources for its channel to the "
	    "privileged part: %s", s->peerstr, strerror(e));
	n = snprintf((char *)msg + 6, sizeof(msg) - 6, "server out of "
	    "resources: %s", strerror(e));
	if (n < 0) {
		return;
	}
	if (n > 255 || (size_t)n > sizeof(msg) - 6) {
		n = (int)(sizeof(msg) - 6 < 255 ? sizeof(msg) - 6 : 255);
	}
	memcpy(msg, HS_MAGIC, 3);
	msg[3] = 0;
	msg[4] = HS_REFUSE_BUSY;
	msg[5] = (uint8_t)n;
	(void)netio_write_full(s->fd, msg, 6 + (size_t)n);
}

static int
handshake(struct session *s)
{
	struct hs_server	hs;
	struct priv_auth_res	res;
	uint8_t			dh[CRYPTO_KEYLEN], ns[HS_NONCELEN];
	size_t			used = 0;
	int			dh_ok, rc = -1;

	memset(&res, 0, sizeof(res));
	/* The channel first: out of fds or threads, this is the last
	 * moment to refuse (after S1 only "authentication failed" is
	 * left), and the privileged part draws S1's nonce. */
	if (priv_hello(ns) == -1) {
		refuse_busy(s, errno);
		return -1;
	}
	if (hs_server_init(&hs, ns, keypool_take(s->d->pool)) == -1 ||
	    netio_write_full(s->fd, hs.s1, HS_S1LEN) == -1 ||
	    read_c1(s, &hs, &used) == -1) {
		goto out;
	}
	recloop_skip(&s->rl, used);
	admit_spoke(s->d->admit, s->ticket);
	/* An all-zero result (a low-order Pc) still gets Tc judged. */
	dh_ok = hs_server_dh(&hs, dh) == 0;
	if (priv_auth(s->snap->gen, &s->peer, s->localname, hs.s1, hs.c1,
	    hs.c1len, dh_ok ? dh : NULL, &res) == -1 ||
	    judged(s, &hs, &res) == -1 || res.s2len == -1) {
		goto out;
	}
	if (netio_write_full(s->fd, res.s2, (size_t)res.s2len) == -1) {
		goto out;
	}
	if (res.status != HS_OK) {
		linger_close(s);
		goto out;
	}
	if (recloop_keys(&s->rl, res.keys.c2s, res.keys.s2c) == -1) {
		goto out;
	}
	log_info("%s: authenticated key '%s'", s->peerstr, s->key->id);
	/* Over max-sessions the connection answers the EXEC that came with
	 * C1 (BUSY) and closes, within a second if none came: it must not
	 * hold a connection slot until IdleTimeout. */
	s->counted = admit_key_begin(s->d->admit, s->key->id,
	    policy_max_sessions(s->snap->policy, s->key)) == 0;
	if (!s->counted) {
		log_info("%s: key '%s' has all its %d sessions in use "
		    "(max-sessions); closing", s->peerstr, s->key->id,
		    policy_max_sessions(s->snap->policy, s->key));
		s->close_at = netio_now_ms() + LINGER_MS;
	}
	rc = 0;
out:
	crypto_wipe(dh, sizeof(dh));
	crypto_wipe(&res, sizeof(res));
	hs_server_clear(&hs);
	return rc;
}

/* The TCP sink: the job's output is read straight into sealed records. */
static int
sink_room(void *ctx)
{
	const struct session *s = ctx;

	return recloop_room(&s->rl);
}

static uint8_t *
sink_reserve(void *ctx, enum job_stream stream, size_t *len)
{
	struct session *s = ctx;

	(void)stream;
	return recloop_reserve(&s->rl, len);
}

static int
sink_commit(void *ctx, enum job_stream stream, uint8_t *p, size_t n)
{
	struct session *s = ctx;

	if (recloop_commit(&s->rl, stream == JOB_STDOUT ? REC_STDOUT :
	    REC_STDERR, p, n) == -1) {
		log_err("%s: %s", s->peerstr, recloop_error(&s->rl));
		return -1;
	}
	return 0;
}

static int
sink_started(void *ctx, pid_t pid, uint32_t window)
{
	struct session	*s = ctx;
	uint8_t		 p[8];

	wire_put32(p, (uint32_t)pid);
	wire_put32(p + 4, window);
	log_info("%s: key '%s' runs %s as pid %d", s->peerstr, s->key->id,
	    s->what, (int)pid);
	title_session(s->key->id, s->peerstr, "running");
	return sess_send(s, REC_STARTED, p, sizeof(p));
}

static int
sink_window(void *ctx, uint32_t more)
{
	uint8_t p[4];

	wire_put32(p, more);
	return sess_send(ctx, REC_WINDOW, p, sizeof(p));
}

static int
sink_error(void *ctx, uint16_t code, const char *text)
{
	return sess_send_error(ctx, code, text);
}

static int
sink_exited(void *ctx, int how, int code, uint64_t elapsed_us)
{
	struct session	*s = ctx;
	uint8_t		 p[10];

	p[0] = (uint8_t)how;
	p[1] = (uint8_t)code;
	wire_put64(p + 2, elapsed_us);
	if (s->shutting_down || s->revoked != NULL) {
		s->draining = 1;
	}
	return sess_send(s, REC_EXIT, p, sizeof(p));
}

static const struct job_sink tcp_sink = {
	sink_reserve, sink_commit, sink_room, sink_started, sink_window,
	sink_error, sink_exited
};

/* Frees the jobs that are done; -1 when the current one still stops and
 * there is no room to keep it aside. */
static int
retire(struct session *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nold; i++) {
		if (job_done(s->old[i])) {
			job_free(s->old[i]);
		} else {
			s->old[n++] = s->old[i];
		}
	}
	s->nold = n;
	if (s->job != NULL && job_done(s->job)) {
		job_free(s->job);
		s->job = NULL;
	}
	if (s->job == NULL || job_running(s->job)) {
		return 0;
	}
	if (s->nold == SESS_MAXOLD) {
		return -1;
	}
	s->old[s->nold++] = s->job;
	s->job = NULL;
	return 0;
}

static int
refuse_max_sessions(struct session *s, struct job *j)
{
	char	text[160];

	snprintf(text, sizeof(text), "key '%s' has all its %d sessions in use "
	    "(max-sessions)", s->key->id,
	    policy_max_sessions(s->snap->policy, s->key));
	return job_refuse(j, ERR_BUSY, text, 255);
}

/* An EXEC that crossed the close of a connection whose key a reload
 * removed or changed. */
static int
refuse_revoked(struct session *s, struct job *j)
{
	char	text[160];

	snprintf(text, sizeof(text), "key '%s' %s by a reload of the "
	    "server's keys; connect again", s->key->id, s->revoked);
	s->draining = 1;
	return job_refuse(j, ERR_DENIED, text, 255);
}

static int
on_exec(struct session *s, const uint8_t *p, size_t len)
{
	struct wire_exec	*e = NULL;
	struct job_limits	 lim;
	struct job		*j;
	const char		*why = NULL;
	uint64_t		 t0 = netio_now_us();
	int			 rc;

	if (s->job != NULL && job_running(s->job)) {
		log_info("%s: protocol error: EXEC while a command runs",
		    s->peerstr);
		return -1;
	}
	if (wire_exec_decode(p, len, WIRE_TCP, &e, &why) != WIRE_OK) {
		e = NULL;
	}
	request_limits(s->snap, e, 0, &lim);
	if ((j = job_new(&tcp_sink, s, &lim, s->peerstr, t0)) == NULL) {
		log_err("%s: out of memory", s->peerstr);
		wire_exec_free(e);
		return -1;
	}
	job_set_audit(j, audit_rec_new(&s->origin, s->key->id, e));
	if (retire(s) == -1) {
		/* The current job keeps stopping; this one only refuses. */
		rc = job_refuse(j, ERR_BUSY, "earlier commands of this "
		    "connection are still being stopped; try again", 255);
		job_free(j);
		wire_exec_free(e);
		return rc;
	}
	s->job = j;
	if (s->shutting_down) {
		rc = job_refuse(j, ERR_SHUTDOWN, "rshd is stopping; no new "
		    "commands", 255);
	} else if (s->revoked != NULL) {
		rc = refuse_revoked(s, j);
	} else if (e == NULL) {
		rc = job_refuse(j, ERR_BAD_REQUEST, why, 255);
	} else if (!s->counted) {
		rc = refuse_max_sessions(s, j);
		s->draining = 1;	/* then close */
	} else {
		rc = request_start(s->snap, s->key, &s->peer, j, e, p, len,
		    WIRE_TCP, NULL, s->what, sizeof(s->what));
	}
	wire_exec_free(e);
	return rc;
}

static void
on_signal(struct session *s, uint8_t sig)
{
	static const int map[16] = { [WIRE_SIG_HUP] = SIGHUP,
	    [WIRE_SIG_INT] = SIGINT, [WIRE_SIG_QUIT] = SIGQUIT,
	    [WIRE_SIG_KILL] = SIGKILL, [WIRE_SIG_TERM] = SIGTERM };

	if (s->job != NULL && sig < 16 && map[sig] != 0) {
		job_signal(s->job, map[sig]);
	}
}

/* One record from the client, of a type and length recloop_next checked:
 * 0 to go on, 1 to close quietly, -1 error. */
static int
dispatch(struct session *s, uint8_t type, const uint8_t *p, size_t len)
{
	switch (type) {
	case REC_EXEC:
		return on_exec(s, p, len);
	case REC_STDIN:
		return s->job == NULL ? 0 : job_stdin(s->job, p, len);
	case REC_STDIN_EOF:
		if (s->job != NULL) {
			job_stdin_eof(s->job);
		}
		return 0;
	case REC_SIGNAL:
		on_signal(s, p[0]);
		return 0;
	case REC_PING:
		/* One PING outstanding: another before our PONG left is the
		 * client's mistake, and answering it would grow the queue. */
		if (s->rl.sent < s->pong_end) {
			return 0;
		}
		if (sess_send(s, REC_PONG, p, len) == -1) {
			return -1;
		}
		s->pong_end = s->rl.sent + recloop_pending(&s->rl);
		return 0;
	case REC_BYE:
		return 1;
	case REC_WINCH:
		if (s->job != NULL) {
			job_resize(s->job, wire_get16(p), wire_get16(p + 2));
		}
		return 0;
	default:		/* PAD */
		return 0;
	}
}

/* Opens and dispatches every whole record received. */
static int
process_in(struct session *s)
{
	for (;;) {
		uint8_t	*payload, type;
		size_t	 len;
		int	 r;

		switch (recloop_next(&s->rl, &type, &payload, &len)) {
		case WIRE_OK:
			break;
		case WIRE_INCOMPLETE:
			return 0;
		default:
			log_info("%s: protocol error: %s; closing",
			    s->peerstr, recloop_error(&s->rl));
			return -1;
		}
		if ((r = dispatch(s, type, payload, len)) != 0) {
			return r;
		}
	}
}

/* Socket events: 0 go on, 1 close quietly, -1 close on error. */
static int
socket_events(struct session *s, short revents)
{
	if (revents & POLLOUT) {
		if (recloop_flush(&s->rl) == -1) {
			return 1;
		}
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		switch (recloop_fill(&s->rl)) {
		case RECLOOP_DATA:
		case RECLOOP_AGAIN:
			return process_in(s);
		case RECLOOP_FULL:
			log_info("%s: %s; closing", s->peerstr,
			    recloop_error(&s->rl));
			return -1;
		default:
			log_debug("%s: connection closed", s->peerstr);
			return 1;
		}
	}
	return 0;
}

static int
running(const struct session *s)
{
	return s->job != NULL && job_running(s->job);
}

static int
earlier(int a, int b)
{
	return a == -1 ? b : b == -1 ? a : a < b ? a : b;
}

static int
loop_timeout(const struct session *s)
{
	int t = s->job != NULL ? job_timeout(s->job) : -1;

	for (size_t i = 0; i < s->nold; i++) {
		t = earlier(t, job_timeout(s->old[i]));
	}
	if (s->draining) {
		t = earlier(t, 50);
	}
	if (s->close_at != 0) {
		long long left = s->close_at - netio_now_ms();

		t = earlier(t, left < 0 ? 0 : (int)left);
	}
	if (s->idle_since != 0 && s->snap->conf.idle_timeout_ms > 0) {
		long long left = s->idle_since + s->snap->conf.idle_timeout_ms -
		    netio_now_ms();

		t = earlier(t, left < 0 ? 0 : left > INT_MAX ? INT_MAX :
		    (int)left);
	}
	if (s->alive_at != 0) {
		long long left = s->alive_at - netio_now_ms();

		t = earlier(t, left < 0 ? 0 : (int)left);
	}
	return t;
}

/* IdleTimeout: no command for that long, and the slot goes back. */
static int
idle_check(struct session *s)
{
	int limit = s->snap->conf.idle_timeout_ms;

	if (running(s)) {
		s->idle_since = 0;
		return 0;
	}
	if (s->idle_since == 0) {
		s->idle_since = netio_now_ms();
		title_session(s->key->id, s->peerstr, "idle");
	}
	if (limit > 0 && netio_now_ms() - s->idle_since >= limit) {
		log_info("%s: no command for %d ms (IdleTimeout); closing",
		    s->peerstr, limit);
		return 1;
	}
	return 0;
}

/*
 * TCPKeepAlive's promise while the client owes an acknowledgement (output
 * sent, or a probe): nothing heard for that long and it is gone, so the
 * slot goes back and the command is stopped.  Keepalive cannot see this
 * (it waits while data is unacknowledged; the kernel's retransmissions
 * alone took 15 minutes), and TCP_USER_TIMEOUT would also cut a live
 * client that merely stopped reading (a pager, a stopped job): its
 * acknowledgements of the window probes say it is there.
 */
static int
alive_check(struct session *s)
{
	int		limit = s->snap->conf.keepalive_ms;
	long long	now = netio_now_ms(), owed;

	if (s->alive_at == 0 || now < s->alive_at) {
		return 0;
	}
	if ((owed = netio_unanswered_ms(s->fd)) < limit) {
		/* Look again when what is owed would reach the limit, or
		 * an eighth of it later if nothing is owed yet. */
		owed = owed > 0 ? limit - owed : limit / 8;
		s->alive_at = now + (owed > 100 ? owed : 100);
		return 0;
	}
	log_info("%s: nothing heard from the client for %lld ms while it "
	    "owes an acknowledgement (TCPKeepAlive %d ms); closing",
	    s->peerstr, owed, limit);
	return 1;
}

/* Whether a reload put another configuration in force since the one
 * watched. */
static int
reloaded(const struct session *s)
{
	return s->revoked == NULL && server_generation(s->d) != s->watch->gen;
}

/*
 * A reload put another snapshot in force: does the key still stand?  A
 * removed or changed key ends the connection at once when no command
 * runs, else right after the command's EXIT.  0 to go on, 1 to close.
 */
static int
recheck_key(struct session *s)
{
	struct snapshot	*cur = server_snapshot(s->d);
	const char	*what;

	what = snapshot_key_change(cur, s->key, &s->peer);
	snapshot_unwatch(s->watch);
	snapshot_put(s->watch);
	s->watch = cur;
	/* Retired already by a later reload: the generation check in run()
	 * sees it. */
	(void)snapshot_watch(cur);
	if (what == NULL || s->revoked != NULL) {
		return 0;
	}
	s->revoked = what;
	log_info("%s: key '%s' %s by reload %lu; closing%s", s->peerstr,
	    s->key->id, what, cur->gen, running(s) ?
	    " when its command ends" : "");
	if (running(s)) {
		return 0;
	}
	s->draining = 1;
	return 0;
}

/* The jobs' turn: the current one's fds, and every job's timers. */
static int
jobs_events(struct session *s, const struct pollfd *pfd)
{
	struct pollfd none[JOB_NPOLL];

	for (size_t i = 0; i < s->nold; i++) {
		job_pollfds(s->old[i], none);
		(void)job_events(s->old[i], none);
	}
	if (s->job != NULL && job_events(s->job, pfd) == -1) {
		return -1;
	}
	(void)retire(s);	/* a full list waits for the next EXEC */
	return 0;
}

/* The session's poll() loop, until the connection should close. */
static void
run(struct session *s)
{
	struct pollfd	pfd[3 + JOB_NPOLL];
	long long	drain_until = 0;
	int		r;

	/* IdleTimeout counts from here: a client that authenticates and
	 * never sends an EXEC holds its slot no longer than one that ran
	 * a command. */
	s->idle_since = netio_now_ms();
	title_session(s->key->id, s->peerstr, "idle");
	if (s->snap->conf.keepalive_ms > 0) {
		s->alive_at = s->idle_since;
	}
	/* A reload since this connection was accepted: its key is checked
	 * against the configuration in force before the EXEC that came with
	 * C1 runs (it was authenticated against the older one). */
	r = reloaded(s) ? recheck_key(s) : 0;
	/* Records that came with C1 are already in: the one round trip. */
	if (r == 0) {
		r = process_in(s);
	}
	while (r == 0) {
		pfd[0].fd = s->fd;
		pfd[0].events = recloop_events(&s->rl) &
		    (short)~(s->draining ? POLLIN : 0);
		pfd[1].fd = s->shutting_down ? -1 : s->d->shutdown_fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		pfd[2].fd = s->revoked != NULL ? -1 : s->watch->retired_fd;
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		if (s->job != NULL) {
			job_pollfds(s->job, pfd + 3);
		} else {
			for (int i = 3; i < 3 + JOB_NPOLL; i++) {
				pfd[i].fd = -1;
				pfd[i].revents = 0;
			}
		}
		if (poll(pfd, 3 + JOB_NPOLL, loop_timeout(s)) == -1 &&
		    errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			s->shutting_down = 1;
			if (running(s)) {
				r = job_shutdown(s->job,
				    s->snap->conf.shutdown_grace_ms);
			} else {
				s->draining = 1;
			}
		}
		if ((pfd[2].revents & POLLIN) || reloaded(s)) {
			r = recheck_key(s);
		}
		if (r == 0) {
			r = socket_events(s, pfd[0].revents);
		}
		if (r == 0) {
			r = jobs_events(s, pfd + 3);
		}
		if (r == 0 && recloop_flush(&s->rl) == -1) {
			r = 1;
		}
		if (r == 0) {
			r = idle_check(s);
		}
		if (r == 0) {
			r = alive_check(s);
		}
		if (r == 0 && s->close_at != 0 && !running(s) &&
		    netio_now_ms() >= s->close_at) {
			r = 1;	/* over max-sessions, and no EXEC came */
		}
		if (r == 0 && s->draining && !running(s)) {
			if (drain_until == 0) {
				drain_until = netio_now_ms() + FLUSH_MS;
			}
			if (recloop_pending(&s->rl) == 0 ||
			    netio_now_ms() >= drain_until) {
				r = 1;
			}
		}
	}
}

/* Frees the session; the connection slot is given back last of all, since
 * main may exit as soon as the count reaches 0. */
static void
session_free(struct session *s)
{
	struct rshd		*d = s->d;
	struct admit_ticket	*t;

	/* The peer learns at once; stopping the commands may take a while,
	 * and nothing else waits on this thread now. */
	(void)shutdown(s->fd, SHUT_RDWR);
	if (s->job != NULL) {
		job_abort(s->job);
	}
	for (size_t i = 0; i < s->nold; i++) {
		job_free(s->old[i]);
	}
	job_free(s->job);
	if (s->counted) {
		admit_key_end(d->admit, s->key->id);
	}
	recloop_free(&s->rl);
	close(s->fd);
	snapshot_unwatch(s->watch);
	snapshot_put(s->watch);
	snapshot_put(s->snap);
	t = s->ticket;
	free(s);
	crypto_thread_done();
	admit_leave(d->admit, t);
}

static void *
session_main(void *arg)
{
	struct session		*s = arg;
	struct sockaddr_storage	 local;
	socklen_t		 len = sizeof(local);

	if (getsockname(s->fd, (struct sockaddr *)&local, &len) == -1 ||
	    netio_addr_name((struct sockaddr *)&local, s->localname,
	    sizeof(s->localname)) == -1) {
		s->localname[0] = '\0';
	}
	/* A client that vanished while quiet is let go within TCPKeepAlive
	 * (alive_check covers one that owes an acknowledgement). */
	(void)netio_set_liveness(s->fd, s->snap->conf.keepalive_ms, 0);
	title_session(NULL, s->peerstr, "authenticating");
	/* An eviction that came too late to stop the handshake still
	 * closes the connection: its slot went to another. */
	if (handshake(s) == 0 && admit_authed(s->d->admit, s->ticket) == 0) {
		if (netio_set_nonblock(s->fd, 1) == 0) {
			run(s);
		}
	}
	session_free(s);
	return NULL;
}

int
session_start(struct rshd *d, struct snapshot *snap, struct admit_ticket *t,
    int fd, const struct sockaddr_storage *peer)
{
	struct session	*s;
	pthread_attr_t	 attr;
	pthread_t	 tid;
	int		 rc = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return -1;
	}
	s->d = d;
	s->snap = snap;
	s->watch = snap;
	snapshot_hold(snap);	/* the watch's own reference */
	(void)snapshot_watch(snap);	/* run() checks the generation */
	s->ticket = t;
	s->fd = fd;
	s->peer = *peer;
	s->origin.conn = server_next_id(d);
	s->origin.peer = &s->peer;
	(void)netio_addr_str((const struct sockaddr *)peer, s->peerstr,
	    sizeof(s->peerstr));
	if (recloop_init(&s->rl, &sess_bounds) == -1) {
		goto fail;
	}
	recloop_attach(&s->rl, fd);
	if (pthread_attr_init(&attr) != 0) {
		goto fail;
	}
	(void)pthread_attr_setstacksize(&attr, SESSION_STACK);
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, session_main, s) == 0 ? 0 : -1;
	pthread_attr_destroy(&attr);
	if (rc == 0) {
		return 0;
	}
fail:
	recloop_free(&s->rl);
	snapshot_unwatch(s->watch);
	snapshot_put(s->watch);
	free(s);
	return -1;
}
