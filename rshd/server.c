/*
 * server: listeners, the accept loop, connection limits and server names.
 */
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handshake.h"
#include "log.h"
#include "netio.h"

#include "admit.h"
#include "audit.h"
#include "penalty.h"
#include "priv.h"
#include "reaper.h"
#include "server.h"
#include "session.h"
#include "snapmat.h"
#include "snapshot.h"
#include "systemd.h"
#include "title.h"
#include "udpd.h"

/*
 * ListenBacklog 0: the kernel's maximum, which listen() would cut any
 * larger value down to anyway.  128 overflowed when a thousand clients
 * came at once (their SYNs dropped, "no greeting" 10 s later).
 */
static int
listen_backlog(const struct conf *c)
{
	FILE	*fp;
	int	 n = 0;

	if (c->backlog > 0) {
		return c->backlog;
	}
	if ((fp = fopen("/proc/sys/net/core/somaxconn", "re")) != NULL) {
		if (fscanf(fp, "%d", &n) != 1) {
			n = 0;
		}
		fclose(fp);
	}
	return n > 0 ? n : SOMAXCONN;
}

/* Opens one listening socket of socktype for every address of addr. */
static int
listen_one(struct rshd *d, const char *addr, const char *port, int socktype,
    int *fds, size_t maxfds, size_t *n, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	int		 one = 1, rc, fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(addr, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "listen address %s port %s: %s", addr,
		    port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && *n < maxfds; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1) {
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		if (ai->ai_family == AF_INET6) {
			int only = strcmp(addr, "::") != 0;

			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only,
			    sizeof(only));
		}
		if (socktype == SOCK_STREAM) {
			/* Accepted sockets inherit it: no delayed ACK stall,
			 * ever. */
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		}
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    (socktype == SOCK_STREAM ?
		    listen(fd, listen_backlog(&d->boot->conf)) :
		    udpd_prepare_socket(fd, ai->ai_family)) == -1 ||
		    netio_set_nonblock(fd, 1) == -1) {
			int e = errno;

			snprintf(err, errlen, "cannot listen on %s port %s "
			    "(%s): %s", addr, port, socktype == SOCK_STREAM ?
			    "TCP" : "UDP", strerror(e));
			close(fd);
			freeaddrinfo(res);
			errno = e;	/* server_listen() looks at it */
			return -1;
		}
		fds[(*n)++] = fd;
	}
	freeaddrinfo(res);
	return 0;
}

int
server_port(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		return -1;
	}
	return ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void
close_all(int *fds, size_t *n)
{
	while (*n > 0) {
		close(fds[--(*n)]);
	}
}

/* One try at every listener on portstr ("0": the first picks). */
static int
listen_all(struct rshd *d, struct listeners *l, char *portstr,
    size_t portlen, char *err, size_t errlen)
{
	const struct conf	*c = &d->boot->conf;
	static const char	*dual[] = { "::" }, *v4[] = { "0.0.0.0" };
	const char * const	*addrs = (const char * const *)c->listen;
	size_t			 naddrs = c->nlisten;

	if (naddrs == 0) {
		addrs = dual;
		naddrs = 1;
	}
	for (size_t i = 0; i < naddrs; i++) {
		const char *a = addrs[i];

		if (listen_one(d, a, portstr, SOCK_STREAM, l->tcp,
		    SERVER_MAXLISTENERS, &l->ntcp, err, errlen) == -1) {
			if (c->nlisten != 0 || l->ntcp != 0) {
				return -1;
			}
			a = v4[0];	/* no IPv6 here */
			if (listen_one(d, a, portstr, SOCK_STREAM, l->tcp,
			    SERVER_MAXLISTENERS, &l->ntcp, err, errlen) == -1) {
				return -1;
			}
		}
		if (l->ntcp > 0 && strcmp(portstr, "0") == 0) {
			/* The others take the same port, UDP included. */
			snprintf(portstr, portlen, "%d", server_port(l->tcp[0]));
		}
		if (c->udp && listen_one(d, a, portstr, SOCK_DGRAM, l->udp,
		    SERVER_MAXLISTENERS, &l->nudp, err, errlen) == -1) {
			return -1;
		}
	}
	if (l->ntcp == 0) {
		snprintf(err, errlen, "no address to listen on");
		return -1;
	}
	return 0;
}

int
server_listen(struct rshd *d, struct listeners *l, int *port, char *err,
    size_t errlen)
{
	char portstr[16];

	memset(l, 0, sizeof(*l));
	/* With port 0 the UDP port may be taken where TCP's was free: the
	 * two must match, so pick again. */
	for (int tries = 0; tries < 16; tries++) {
		snprintf(portstr, sizeof(portstr), "%s", d->boot->conf.port);
		if (listen_all(d, l, portstr, sizeof(portstr), err,
		    errlen) == 0) {
			*port = server_port(l->tcp[0]);
			return 0;
		}
		close_all(l->tcp, &l->ntcp);
		close_all(l->udp, &l->nudp);
		if (strcmp(d->boot->conf.port, "0") != 0 || errno != EADDRINUSE) {
			break;
		}
	}
	return -1;
}

uint64_t
server_next_id(struct rshd *d)
{
	return __atomic_add_fetch(&d->last_id, 1, __ATOMIC_RELAXED);
}

struct snapshot *
server_snapshot(struct rshd *d)
{
	struct snapshot *snap;

	pthread_mutex_lock(&d->snap_lock);
	snap = d->cur;
	snapshot_hold(snap);
	pthread_mutex_unlock(&d->snap_lock);
	return snap;
}

unsigned long
server_generation(struct rshd *d)
{
	return __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE);
}

int
server_reload(struct rshd *d)
{
	struct snapshot	*next, *old;
	struct snapmat	 m;
	char		 err[1024], fixed[512], said[64];
	unsigned long	 gen = d->cur->gen + 1;
	int		 fd;

	/* The privileged part loads the files, and reports what is wrong
	 * in them: it judges commands by its own copy, and a generation it
	 * could not load never comes into force.  This part builds its
	 * snapshot from what it hands over, secrets out. */
	if ((fd = priv_reload(gen, err, sizeof(err))) == -1) {
		log_err("reload refused, the configuration in force stays: %s",
		    err);
		return -1;
	}
	next = snapmat_read(fd, &m, err, sizeof(err)) == -1 ? NULL :
	    snapshot_load_handed(d->src, &m, gen, err, sizeof(err));
	snapmat_free(&m);
	close(fd);
	if (next == NULL) {
		priv_forget(gen);
		log_err("reload refused, the configuration in force stays: %s",
		    err);
		return -1;
	}
	snapshot_fixed_changes(d->boot, next, fixed, sizeof(fixed));
	if (fixed[0] != '\0') {
		log_warn("reload: %s changed; that takes a restart, and the "
		    "values rshd started with stay in force", fixed);
	}
	pthread_mutex_lock(&d->snap_lock);
	old = d->cur;
	d->cur = next;
	__atomic_store_n(&d->gen, gen, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&d->snap_lock);
	log_info("reloaded: configuration %lu in force (%s); "
	    "connections keep the one they started with, unless their key "
	    "was removed or changed", gen,
	    snapshot_keys_said(next, said, sizeof(said)));
	/* Open connections check their keys against next now. */
	snapshot_retire(old);
	snapshot_put(old);
	return 0;
}

/* "RSH" 0x00 reason n text, best effort, then close. */
static void
refuse(int fd, uint8_t reason, const char *text)
{
	uint8_t	msg[HS_REFUSALMAX];
	size_t	n = strlen(text);

	memcpy(msg, HS_MAGIC, 3);
	msg[3] = 0;
	msg[4] = reason;
	msg[5] = (uint8_t)n;
	memcpy(msg + 6, text, n);
	(void)send(fd, msg, 6 + n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void
accept_one(struct rshd *d, int lfd)
{
	struct sockaddr_storage	 peer;
	socklen_t		 len = sizeof(peer);
	char			 addr[NETIO_ADDRSTRMAX], text[128];
	struct admit_limits	 lim;
	struct admit_ticket	*t;
	struct snapshot		*snap;
	const char		*why = NULL;
	long long		 left;
	int			 fd;

	memset(&peer, 0, sizeof(peer));
	fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED) {
			log_warn("accept: %s", strerror(errno));
			if (errno == EMFILE || errno == ENFILE) {
				(void)poll(NULL, 0, 100);	/* let fds free */
			}
		}
		return;
	}
	(void)netio_addr_str((struct sockaddr *)&peer, addr, sizeof(addr));
	snap = server_snapshot(d);
	if ((left = penalty_left(&peer, netio_now_ms())) > 0) {
		snprintf(text, sizeof(text), "too many failed authentications "
		    "from your address; try again in %lld s",
		    (left + 999) / 1000);
		log_debug("%s: refused: %s", addr, text);
		refuse(fd, HS_REFUSE_ADDR, text);
		snapshot_put(snap);
		return;
	}
	lim.max_conns = snap->conf.max_conns;
	lim.max_unauth = snap->conf.max_unauth;
	lim.max_unauth_src = snap->conf.max_unauth_src;
	lim.stale_ms = snap->conf.auth_timeout_ms / 4;
	/* Another source's handshake must have had a second (or that
	 * quarter of AuthTimeout, if shorter): time for a round trip even
	 * over a slow link, yet short enough that a long AuthTimeout does
	 * not leave a table full of idle handshakes standing. */
	lim.min_age_ms = lim.stale_ms < ADMIT_MIN_AGE_MS ? lim.stale_ms :
	    ADMIT_MIN_AGE_MS;
	if ((t = admit_enter(d->admit, &lim, &peer, fd, &why)) == NULL) {
		log_warn("%s: refused: %s", addr, why);
		refuse(fd, HS_REFUSE_BUSY, why);
		snapshot_put(snap);
		return;
	}
	/* The session owns snap, t and fd from here, if it starts. */
	if (session_start(d, snap, t, fd, &peer) == -1) {
		log_err("%s: cannot start a session thread", addr);
		admit_leave(d->admit, t);
		snapshot_put(snap);
		refuse(fd, HS_REFUSE_BUSY, "server out of resources");
	}
}

/* Waits up to wait_ms for every session to end: how many remain. */
static int
wait_sessions(struct rshd *d, int wait_ms)
{
	int left = admit_wait_idle(d->admit, wait_ms);

	if (left > 0) {
		log_warn("%d sessions still open at exit", left);
	}
	return left;
}

int
server_run(struct rshd *d, const int *fds, size_t nfds, int sigfd)
{
	struct pollfd		pfd[CONF_MAXLISTEN * 2 + 2];
	struct signalfd_siginfo	si;
	uint64_t		one = 1;
	int			reap_pending = 0;

	for (size_t i = 0; i < nfds; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	pfd[nfds].fd = sigfd;
	pfd[nfds].events = POLLIN;
	/* The privileged part never writes there: any event is its end. */
	pfd[nfds + 1].fd = priv_hello_fd();
	pfd[nfds + 1].events = POLLIN;
	for (;;) {
		int conns, unauth;

		admit_counts(d->admit, &conns, &unauth);
		title_counts(conns, unauth);
		/* While connections are open, look again now and then, so that
		 * the title follows them as they end. */
		if (poll(pfd, nfds + 2, reap_pending ? 50 : conns > 0 ?
		    1000 : -1) == -1) {
			if (errno == EINTR) {
				continue;
			}
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (reap_pending) {
			reap_pending = reaper_reap() == -1;
		}
		if (pfd[nfds + 1].revents != 0) {
			log_err("the privileged part of rshd has exited; "
			    "shutting down");
			break;
		}
		if ((pfd[nfds].revents & POLLIN) &&
		    read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				reap_pending = reaper_reap() == -1;
				continue;
			}
			if (si.ssi_signo == SIGHUP) {
				if (audit_enabled() && audit_reopen() == 0) {
					log_info("SIGHUP: audit log reopened");
				}
				(void)server_reload(d);
				continue;
			}
			log_info("signal %u: shutting down", si.ssi_signo);
			break;
		}
		for (size_t i = 0; i < nfds; i++) {
			if (pfd[i].revents & POLLIN) {
				accept_one(d, fds[i]);
			}
		}
	}
	systemd_notify("STOPPING=1");
	/* Sessions see the eventfd, stop their commands and close. */
	if (write(d->shutdown_fd, &one, sizeof(one)) == -1) {
		log_err("eventfd: %s", strerror(errno));
	}
	for (size_t i = 0; i < nfds; i++) {
		close(fds[i]);
	}
	return wait_sessions(d, d->cur->conf.shutdown_grace_ms +
	    d->cur->conf.kill_grace_ms + 3000);
}

int
server_serve_one(struct rshd *d, int fd, int sigfd)
{
	struct sockaddr_storage	 peer;
	socklen_t		 len = sizeof(peer);
	struct pollfd		 pfd = { sigfd, POLLIN, 0 };
	struct signalfd_siginfo	 si;
	struct admit_limits	 lim;
	struct admit_ticket	*t;
	struct snapshot		*snap;
	const char		*why = NULL;
	uint64_t		 one = 1;
	int			 stopping = 0;

	memset(&peer, 0, sizeof(peer));
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1 ||
	    (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)) {
		log_err("-i: standard input is not a TCP connection");
		close(fd);
		return -1;
	}
	snap = server_snapshot(d);
	memset(&lim, 0, sizeof(lim));
	lim.max_conns = lim.max_unauth = lim.max_unauth_src = 1;
	if ((t = admit_enter(d->admit, &lim, &peer, fd, &why)) == NULL ||
	    session_start(d, snap, t, fd, &peer) == -1) {
		log_err("-i: cannot start the session: %s", why != NULL ? why :
		    "out of resources");
		admit_leave(d->admit, t);
		snapshot_put(snap);
		close(fd);
		return -1;
	}
	/* The session owns fd, t and snap now.  A signal stops it as it
	 * would stop every session of the daemon. */
	while (admit_wait_idle(d->admit, 100) > 0) {
		if (stopping || poll(&pfd, 1, 0) != 1 ||
		    read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si) ||
		    si.ssi_signo == SIGHUP || si.ssi_signo == SIGCHLD) {
			if (reaper_needed()) {
				(void)reaper_reap();
			}
			continue;
		}
		log_info("signal %u: stopping the session", si.ssi_signo);
		stopping = 1;
		if (write(d->shutdown_fd, &one, sizeof(one)) == -1) {
			log_err("eventfd: %s", strerror(errno));
		}
	}
	return 0;
}
