/*
 * pool: the master's connections.  Each caller with a command (caller.c)
 * is bound to an idle connection, or a new one, or waits for one; its
 * command's output goes to its fds through an outq, never blocking: a
 * caller whose reader is slow holds its own connection's input, not the
 * master.  One spare connection is kept ready for the next caller.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netio.h"
#include "wire.h"

#include "conn.h"
#include "ctl.h"
#include "master.h"
#include "outq.h"
#include "pool.h"
#include "pool_int.h"
#include "sink.h"

#define SPARE_RETRY_MS	5000	/* after a spare connection failed */
#define NPOLL		(2 + 2 * MASTER_CLIENTS + MASTER_POOL * CONN_MAXPOLL)

static int
slot_data(struct sink *s, int fd, const uint8_t *p, size_t len)
{
	struct slot *sl = (struct slot *)(void *)s;

	int rc;

	if (sl->cl == NULL) {
		return 0;
	}
	rc = outq_write(&sl->cl->out, fd, p, len);
	conn_hold(sl->c, outq_pending(&sl->cl->out) > 0);
	return rc;
}

static int
slot_nothing(struct sink *s)
{
	(void)s;
	return 0;
}

static int
slot_end(struct sink *s, const struct sink_result *r)
{
	(void)s;
	(void)r;
	return 0;
}

/* rsh's messages go to the caller's stderr; with no caller, to rsh -M
 * while it waits, else nowhere (a spare connection's end is no news). */
static void
slot_msg(struct sink *s, const char *line, size_t len)
{
	struct slot *sl = (struct slot *)(void *)s;

	if (sl->cl != NULL) {
		/* After the output before it. */
		caller_say(sl->cl, line, len);
		conn_hold(sl->c, outq_pending(&sl->cl->out) > 0);
	} else if (sl->pool->p->ready_fd != -1) {
		(void)caller_write(sl->pool->p->ready_fd, line, len);
	}
}

static void	slot_check(struct pool *, struct slot *);

static const struct sink_ops slot_ops = {
	NULL, slot_data, slot_nothing, slot_end, slot_msg
};

static struct slot *
slot_new(struct pool *pl)
{
	const struct target	*t = pl->p->t;
	struct conn_params	 cp;
	struct slot		*sl;
	int			 i;

	for (i = 0; i < MASTER_POOL && pl->slots[i] != NULL; i++) {
		continue;
	}
	if (i == MASTER_POOL || (sl = calloc(1, sizeof(*sl))) == NULL) {
		return NULL;
	}
	sl->s.ops = &slot_ops;
	sl->s.display = t->display;
	sl->pool = pl;
	memset(&cp, 0, sizeof(cp));
	cp.host = t->connect;
	cp.port = t->port;
	cp.name = t->name;
	cp.key = pl->p->k;
	cp.connect_ms = (int)t->connect_ms;
	cp.alive_ms = (int)t->alive_ms;
	cp.alive_count = t->alive_count;
	cp.retries = pl->p->retries;
	cp.in_fd = -1;
	cp.quiet_unaccepted = 1;
	if ((sl->c = conn_new(&cp, &sl->s)) == NULL) {
		free(sl);
		return NULL;
	}
	pl->slots[i] = sl;
	return sl;
}

void
pool_slot_free(struct pool *pl, struct slot *sl)
{
	for (int i = 0; i < MASTER_POOL; i++) {
		if (pl->slots[i] == sl) {
			pl->slots[i] = NULL;
		}
	}
	if (sl->cl != NULL) {
		sl->cl->slot = NULL;
	}
	conn_free(sl->c);
	free(sl);
}

static void
bind_client(struct pool *pl, struct slot *sl, struct client *cl)
{
	sl->cl = cl;
	cl->slot = sl;
	cl->waiting = 0;
	sl->s.verbose = (cl->flags & CTL_F_VERBOSE) != 0;
	sl->s.quiet = (cl->flags & CTL_F_QUIET) != 0;
	conn_rebind(sl->c, cl->fds[0], cl->max_time[0] != '\0' ?
	    cl->max_time : NULL);
	if (conn_exec(sl->c, cl->exec) == -1) {
		sl->cl = NULL;
		cl->slot = NULL;
		caller_done(pl, cl, RSH_EXIT_FAILURE, 0);
		return;
	}
	sink_msg(&sl->s, SINK_INFO, "through the master (pid %d)",
	    (int)getpid());
}

/*
 * An idle connection to hand a command to.  One the server has closed
 * meanwhile (IdleTimeout, a reload) is freed here rather than given the
 * command: its end of file may be waiting unread.
 */
static struct slot *
idle_slot(struct pool *pl)
{
	for (int j = 0; j < MASTER_POOL; j++) {
		struct slot *sl = pl->slots[j];

		if (sl == NULL || sl->cl != NULL || !conn_ready(sl->c)) {
			continue;
		}
		if (conn_still_open(sl->c)) {
			return sl;
		}
		pl->spare_at = netio_now_ms() + SPARE_RETRY_MS;
		pool_slot_free(pl, sl);
	}
	return NULL;
}

/* Waiting callers, in the order they came, onto idle or new connections. */
static void
dispatch(struct pool *pl)
{
	for (int i = 0; i < MASTER_CLIENTS; i++) {
		struct client	*cl = pl->clients[i];
		struct slot	*sl;

		if (cl == NULL || !cl->waiting) {
			continue;
		}
		if ((sl = idle_slot(pl)) != NULL) {
			bind_client(pl, sl, cl);
		} else if ((sl = slot_new(pl)) != NULL) {
			bind_client(pl, sl, cl);
			if (sl->cl != NULL) {
				(void)conn_start(sl->c);
			}
		} else {
			return;		/* the pool is full: they wait */
		}
		/* Its EXEC could not even be written: elsewhere, now (no
		 * event would come to wake the loop for it). */
		if (sl->cl == cl && conn_closed(sl->c) &&
		    conn_unaccepted(sl->c)) {
			slot_check(pl, sl);
			i -= cl->waiting;
		}
	}
}

/* One connection ready (or on its way) for the next caller. */
static void
keep_spare(struct pool *pl)
{
	struct slot	*sl;
	int		 n = 0;

	for (int j = 0; j < MASTER_POOL; j++) {
		sl = pl->slots[j];
		if (sl == NULL) {
			continue;
		}
		n++;
		if (sl->cl == NULL && !conn_closed(sl->c)) {
			return;
		}
	}
	if (n < MASTER_POOL && netio_now_ms() >= pl->spare_at &&
	    (sl = slot_new(pl)) != NULL) {
		(void)conn_start(sl->c);
	}
}

/* After events: a command ended, the first handshake, a death. */
static void
slot_check(struct pool *pl, struct slot *sl)
{
	struct pool_params *p = pl->p;

	/* The exit status goes after the last of the output. */
	if (sl->cl != NULL && !conn_busy(sl->c) &&
	    outq_pending(&sl->cl->out) == 0) {
		const struct sink_result *r = conn_result(sl->c);
		struct client *cl = sl->cl;

		sl->cl = NULL;
		cl->slot = NULL;
		/* Nothing of the caller's stays with the connection. */
		conn_rebind(sl->c, -1, NULL);
		if (conn_unaccepted(sl->c)) {
			/* The server closed the connection (IdleTimeout) as
			 * the command came, and provably never read it
			 * (conn.c): it runs on another connection, once. */
			cl->waiting = 1;
		} else {
			caller_done(pl, cl, r->status, r->sigpipe);
		}
	}
	if (conn_ready(sl->c)) {
		if (p->ready_fd != -1) {
			dprintf(p->ready_fd, "ok %d\n", (int)getpid());
			close(p->ready_fd);
			p->ready_fd = -1;
		}
	}
	if (conn_closed(sl->c) && sl->cl == NULL) {
		if (p->ready_fd != -1) {
			pl->failed = pl->quit = 1;
		} else {
			/* A spare the server would not keep (never opened,
			 * or closed at once: max-sessions, a revoked key)
			 * is not dialled again and again; a caller still
			 * gets a connection of its own at once. */
			pl->spare_at = netio_now_ms() + SPARE_RETRY_MS;
		}
		pool_slot_free(pl, sl);
	}
}

/* Milliseconds poll() may wait: the connections' timers, the idle limit,
 * the next spare. */
static int
next_timeout(struct pool *pl)
{
	long long	now = netio_now_ms(), left;
	int		t = -1, busy = 0, ct;

	for (int j = 0; j < MASTER_POOL; j++) {
		if (pl->slots[j] == NULL) {
			continue;
		}
		ct = conn_timeout(pl->slots[j]->c);
		t = ct != -1 && (t == -1 || ct < t) ? ct : t;
	}
	for (int i = 0; i < MASTER_CLIENTS; i++) {
		busy |= pl->clients[i] != NULL;
	}
	if (!busy && pl->p->persist_ms > 0) {
		left = pl->idle_since + pl->p->persist_ms - now;
		if (left <= 0) {
			pl->quit = 1;
			return 0;
		}
		t = t == -1 || left < t ? (int)left : t;
	}
	if (pl->spare_at > now) {
		left = pl->spare_at - now;
		t = t == -1 || left < t ? (int)left : t;
	}
	return t;
}

/* One poll() round over everything. */
static int
step(struct pool *pl)
{
	struct pollfd	 pfd[NPOLL];
	struct client	*cls[MASTER_CLIENTS];
	struct slot	*sls[MASTER_POOL];
	int		 off[MASTER_POOL], cnt[MASTER_POOL];
	int		 coff[MASTER_CLIENTS], qoff[MASTER_CLIENTS];
	int		 n = 2, nc = 0, ns = 0, timeout;

	pfd[0].fd = pl->p->lfd;
	pfd[1].fd = pl->p->sigfd;
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	for (int i = 0; i < MASTER_CLIENTS; i++) {
		if (pl->clients[i] != NULL) {
			cls[nc] = pl->clients[i];
			coff[nc] = n;
			pfd[n].fd = cls[nc]->fd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
			/* Its output waiting for its reader, refusals too. */
			qoff[nc] = outq_pollfd(&cls[nc]->out, pfd + n) ? n++ :
			    -1;
			nc++;
		}
	}
	/* A full table leaves new callers in the backlog, waiting. */
	pfd[0].events = nc < MASTER_CLIENTS ? POLLIN : 0;
	for (int j = 0; j < MASTER_POOL; j++) {
		if (pl->slots[j] != NULL) {
			sls[ns] = pl->slots[j];
			off[ns] = n;
			cnt[ns] = conn_pollfds(sls[ns]->c, pfd + n);
			n += cnt[ns];
			ns++;
		}
	}
	if ((timeout = next_timeout(pl)) == 0 && pl->quit) {
		return 0;
	}
	if (poll(pfd, (nfds_t)n, timeout) == -1) {
		return errno == EINTR ? 0 : -1;
	}
	if (pfd[1].revents & POLLIN) {
		struct signalfd_siginfo si;

		if (read(pl->p->sigfd, &si, sizeof(si)) ==
		    (ssize_t)sizeof(si)) {
			pl->quit = 1;
		}
	}
	if (pfd[0].revents & POLLIN) {
		caller_accept(pl);
	}
	for (int i = 0; i < nc; i++) {
		if (qoff[i] != -1 && pfd[qoff[i]].revents != 0 &&
		    caller_live(pl, cls[i])) {
			caller_flush(pl, cls[i]);
		}
		if (pfd[coff[i]].revents != 0 && caller_live(pl, cls[i])) {
			caller_input(pl, cls[i]);
		}
	}
	for (int j = 0; j < ns; j++) {
		int alive = 0;

		for (int k = 0; k < MASTER_POOL; k++) {
			alive |= pl->slots[k] == sls[j];
		}
		if (alive) {
			conn_events(sls[j]->c, pfd + off[j], cnt[j]);
			slot_check(pl, sls[j]);
		}
	}
	return 0;
}

int
pool_run(struct pool_params *p)
{
	struct pool pl;

	memset(&pl, 0, sizeof(pl));
	pl.p = p;
	pl.idle_since = netio_now_ms();
	while (!pl.quit) {
		dispatch(&pl);
		keep_spare(&pl);
		if (step(&pl) == -1) {
			break;
		}
	}
	for (int i = 0; i < MASTER_CLIENTS; i++) {
		if (pl.clients[i] != NULL) {
			caller_free(&pl, pl.clients[i]);
		}
	}
	for (int j = 0; j < MASTER_POOL; j++) {
		if (pl.slots[j] != NULL) {
			pool_slot_free(&pl, pl.slots[j]);
		}
	}
	if (p->ready_fd != -1) {
		close(p->ready_fd);
		p->ready_fd = -1;
	}
	return pl.failed ? RSH_EXIT_FAILURE : 0;
}
