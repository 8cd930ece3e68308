/*
 * session: one connection, one thread.  The handshake, then a poll() loop
 * over the socket, the shutdown eventfd and the running command's pipes and
 * pidfd, so that no direction can block another.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "handshake.h"
#include "keys.h"
#include "log.h"
#include "netio.h"
#include "wire.h"

#include "keypool.h"
#include "sess.h"
#include "session.h"

#ifdef RSH_SANITIZE
#define SESSION_STACK	(4 * 1024 * 1024)	/* ASan's redzones */
#else
#define SESSION_STACK	(256 * 1024)
#endif

/* After a non-zero S2: how long to read and discard before closing. */
#define LINGER_MS	1000
/* Flushing the last records before a close. */
#define FLUSH_MS	2000

int
sess_send(struct session *s, uint8_t type, const void *p, size_t len)
{
	uint8_t	*rec;
	long	 n;

	if ((rec = buf_reserve(&s->out, len + WIRE_OVERHEAD)) == NULL) {
		log_warn("%s: output queue full; closing", s->peerstr);
		return -1;
	}
	if (len > 0) {
		memcpy(rec + WIRE_PAYLOADOFF, p, len);
	}
	if ((n = wire_seal(s->tx, type, rec, len)) == -1) {
		log_err("%s: cannot seal a record", s->peerstr);
		return -1;
	}
	buf_commit(&s->out, (size_t)n);
	return 0;
}

int
sess_send_error(struct session *s, uint16_t code, const char *text)
{
	uint8_t	p[2 + WIRE_MAXERRTEXT];
	size_t	n = strnlen(text, WIRE_MAXERRTEXT);

	wire_put16(p, code);
	memcpy(p + 2, text, n);
	return sess_send(s, REC_ERROR, p, 2 + n);
}

/* Reads what the socket has into s->in: 1 data, 0 EOF, -1 error. */
static int
fill_in(struct session *s)
{
	uint8_t	*p;
	size_t	 room = 64 * 1024;
	ssize_t	 r;

	if ((p = buf_reserve(&s->in, room)) == NULL) {
		return -1;	/* cannot happen: records are consumed */
	}
	do {
		r = recv(s->fd, p, room, MSG_DONTWAIT);
	} while (r == -1 && errno == EINTR);
	if (r > 0) {
		buf_commit(&s->in, (size_t)r);
		return 1;
	}
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		return 1;
	}
	return r == 0 ? 0 : -1;
}

/* Writes what it can of s->out: 0, or -1 when the peer is gone. */
static int
flush_out(struct session *s)
{
	while (s->out.len > 0) {
		ssize_t w = send(s->fd, buf_data(&s->out), s->out.len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w > 0) {
			buf_consume(&s->out, (size_t)w);
			s->out_sent += (uint64_t)w;
		} else if (w == -1 && errno == EINTR) {
			continue;
		} else if (w == -1 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			return 0;
		} else {
			return -1;
		}
	}
	return 0;
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
	long long deadline = netio_now_ms() + s->d->conf->auth_timeout_ms;

	for (;;) {
		switch (hs_server_read_c1(hs, buf_data(&s->in), s->in.len,
		    used)) {
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
			    s->peerstr, s->d->conf->auth_timeout_ms);
			return -1;
		}
		if (fill_in(s) != 1) {
			log_debug("%s: closed during the handshake",
			    s->peerstr);
			return -1;
		}
	}
}

/* Decides S2's status once C1 is in: verify first, then key and name. */
static uint8_t
judge(struct session *s, struct hs_server *hs)
{
	const struct key	*key;
	char			 vis[4 * HS_MAXNAMELEN + 1];

	key = keys_find_id(s->d->keys, hs->keyid, strlen(hs->keyid));
	if (hs_server_verify(hs, key != NULL ? key->psk : NULL) != 0 ||
	    key == NULL) {
		log_info("%s: authentication failed for key '%s'",
		    s->peerstr, hs->keyid);
		return HS_AUTH_FAILED;
	}
	if (!server_name_ok(s->d, hs->name, hs->namelen, s->localname)) {
		log_info("%s: key '%s' asked for server name '%s', which "
		    "this server does not answer to", s->peerstr, hs->keyid,
		    log_vis(vis, sizeof(vis), hs->name, hs->namelen));
		return HS_BAD_NAME;
	}
	s->key = key;
	return HS_OK;
}

static int
handshake(struct session *s)
{
	struct hs_server	hs;
	struct hs_keys		keys;
	uint8_t			s2[HS_S2LEN];
	uint8_t			status;
	size_t			used = 0;
	long			n;
	int			rc = -1;

	if (hs_server_init(&hs, NULL, keypool_take(s->d->pool)) == -1 ||
	    netio_write_full(s->fd, hs.s1, HS_S1LEN) == -1 ||
	    read_c1(s, &hs, &used) == -1) {
		goto out;
	}
	buf_consume(&s->in, used);
	status = judge(s, &hs);
	if ((n = hs_server_finish(&hs, status, s2, &keys)) == -1) {
		goto out;
	}
	if (netio_write_full(s->fd, s2, (size_t)n) == -1) {
		crypto_wipe(&keys, sizeof(keys));
		goto out;
	}
	if (status != HS_OK) {
		linger_close(s);
		goto out;
	}
	s->rx = wire_dir_new(keys.c2s, 0, 0);
	s->tx = wire_dir_new(keys.s2c, 0, 1);
	crypto_wipe(&keys, sizeof(keys));
	if (s->rx == NULL || s->tx == NULL) {
		goto out;
	}
	log_info("%s: authenticated key '%s'", s->peerstr, s->key->id);
	rc = 0;
out:
	hs_server_clear(&hs);
	return rc;
}

/* One record from the client: 0 to go on, 1 to close quietly, -1 error. */
static int
dispatch(struct session *s, uint8_t type, const uint8_t *p, size_t len)
{
	if (wire_check_c2s(type, len) != WIRE_OK) {
		log_info("%s: protocol error: record type 0x%02x with %zu "
		    "bytes", s->peerstr, type, len);
		return -1;
	}
	switch (type) {
	case REC_EXEC:
		return command_exec(s, p, len);
	case REC_STDIN:
		return command_stdin(s, p, len);
	case REC_STDIN_EOF:
		return command_stdin_eof(s);
	case REC_SIGNAL:
		command_signal(s, p[0]);
		return 0;
	case REC_PING:
		/* One PING outstanding: another before our PONG left is the
		 * client's mistake, and answering it would grow the queue. */
		if (s->out_sent < s->pong_end) {
			return 0;
		}
		if (sess_send(s, REC_PONG, p, len) == -1) {
			return -1;
		}
		s->pong_end = s->out_sent + s->out.len;
		return 0;
	case REC_BYE:
		return 1;
	default:		/* WINCH (no PTY yet), PAD */
		return 0;
	}
}

/* Opens and dispatches every whole record in s->in. */
static int
process_in(struct session *s)
{
	for (;;) {
		uint8_t	*payload, type;
		size_t	 used, len;
		int	 r;

		switch (wire_open(s->rx, buf_data(&s->in), s->in.len, &used,
		    &type, &payload, &len)) {
		case WIRE_OK:
			break;
		case WIRE_INCOMPLETE:
			return 0;
		default:
			log_info("%s: protocol error: bad record; closing",
			    s->peerstr);
			return -1;
		}
		r = dispatch(s, type, payload, len);
		buf_consume(&s->in, used);
		if (r != 0) {
			return r;
		}
	}
}

/* Socket events: 0 go on, 1 close quietly, -1 close on error. */
static int
socket_events(struct session *s, short revents)
{
	if (revents & POLLOUT) {
		if (flush_out(s) == -1) {
			return 1;
		}
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		if (fill_in(s) != 1) {
			log_debug("%s: connection closed", s->peerstr);
			return 1;
		}
		return process_in(s);
	}
	return 0;
}

static int
loop_timeout(const struct session *s)
{
	int t = command_timeout(s);

	if (s->draining && (t == -1 || t > 50)) {
		t = 50;
	}
	return t;
}

/* The session's poll() loop, until the connection should close. */
static void
run(struct session *s)
{
	struct pollfd	pfd[6];
	long long	drain_until = 0;
	int		r;

	/* Records that came with C1 wait in s->in: the one round trip. */
	r = process_in(s);
	while (r == 0) {
		pfd[0].fd = s->fd;
		pfd[0].events = (s->draining ? 0 : POLLIN) |
		    (s->out.len > 0 ? POLLOUT : 0);
		pfd[1].fd = s->shutting_down ? -1 : s->d->shutdown_fd;
		pfd[1].events = POLLIN;
		command_pollfds(s, pfd + 2);
		if (poll(pfd, 6, loop_timeout(s)) == -1 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			s->shutting_down = 1;
			r = command_shutdown(s);
		}
		if (r == 0) {
			r = socket_events(s, pfd[0].revents);
		}
		if (r == 0) {
			r = command_events(s, pfd + 2);
		}
		if (r == 0 && flush_out(s) == -1) {
			r = 1;
		}
		command_cleanup(s);
		if (r == 0 && s->draining && !s->cmd.running) {
			if (drain_until == 0) {
				drain_until = netio_now_ms() + FLUSH_MS;
			}
			if (s->out.len == 0 || netio_now_ms() >= drain_until) {
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
	struct rshd *d = s->d;

	/* The peer learns at once; killing the command may take a while. */
	(void)shutdown(s->fd, SHUT_RDWR);
	if (s->cmd.running) {
		command_abort(s);
	}
	command_cleanup(s);
	if (!s->authed) {
		server_auth_done(s->d, &s->peer);
	}
	close(s->fd);
	wire_dir_free(s->rx);
	wire_dir_free(s->tx);
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->cmd.stdin_q);
	free(s);
	crypto_thread_done();
	server_conn_done(d);
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
	if (handshake(s) == 0) {
		server_auth_done(s->d, &s->peer);
		s->authed = 1;
		if (netio_set_nonblock(s->fd, 1) == 0) {
			run(s);
		}
	}
	session_free(s);
	return NULL;
}

int
session_start(struct rshd *d, int fd, const struct sockaddr_storage *peer)
{
	struct session	*s;
	pthread_attr_t	 attr;
	pthread_t	 tid;
	int		 rc = -1;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return -1;
	}
	s->d = d;
	s->fd = fd;
	s->peer = *peer;
	s->cmd.child.pidfd = -1;
	(void)netio_addr_str((const struct sockaddr *)peer, s->peerstr,
	    sizeof(s->peerstr));
	if (buf_init(&s->in, WIRE_MAXRECORD, SESS_IN_MAX) == -1 ||
	    buf_init(&s->out, 2 * WIRE_MAXRECORD, SESS_OUT_MAX) == -1 ||
	    buf_init(&s->cmd.stdin_q, 0, d->conf->stdin_window) == -1) {
		goto fail;
	}
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
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->cmd.stdin_q);
	free(s);
	return -1;
}
