/*
 * server: listeners, the accept loop, connection limits and server names.
 */
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handshake.h"
#include "log.h"
#include "netio.h"

#include "audit.h"
#include "reaper.h"
#include "server.h"
#include "session.h"
#include "systemd.h"
#include "udpd.h"

static int
add_name(struct rshd *d, const char *name)
{
	char canon[NETIO_NAMEMAX];

	if (d->nnames == SERVER_MAXNAMES ||
	    netio_name_canon(name, canon, sizeof(canon)) == -1) {
		return -1;
	}
	for (size_t i = 0; i < d->nnames; i++) {
		if (strcmp(d->names[i], canon) == 0) {
			return 0;
		}
	}
	if ((d->names[d->nnames] = strdup(canon)) == NULL) {
		return -1;
	}
	d->nnames++;
	return 0;
}

/* The host name and its fully qualified form, as the resolver has it. */
static void
add_host_names(struct rshd *d)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];

	if (gethostname(host, sizeof(host) - 1) == -1) {
		return;
	}
	host[sizeof(host) - 1] = '\0';
	(void)add_name(d, host);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) == 0) {
		if (res->ai_canonname != NULL) {
			(void)add_name(d, res->ai_canonname);
		}
		freeaddrinfo(res);
	}
}

int
server_names_init(struct rshd *d)
{
	const struct conf *c = d->conf;

	for (size_t i = 0; i < c->nnames; i++) {
		if (strcmp(c->names[i], "*") == 0) {
			d->any_name = 1;
		} else if (add_name(d, c->names[i]) == -1) {
			log_err("ServerName '%s' is not a valid name",
			    c->names[i]);
			return -1;
		}
	}
	if (c->nnames == 0) {
		add_host_names(d);
		(void)add_name(d, "localhost");
	}
	return 0;
}

int
server_name_ok(const struct rshd *d, const char *name, size_t len,
    const char *localname)
{
	if (d->any_name) {
		return 1;
	}
	for (size_t i = 0; i < d->nnames; i++) {
		if (strlen(d->names[i]) == len &&
		    memcmp(d->names[i], name, len) == 0) {
			return 1;
		}
	}
	/* The address the client reached, unless names were configured. */
	return d->conf->nnames == 0 && localname[0] != '\0' &&
	    strlen(localname) == len && memcmp(localname, name, len) == 0;
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
		    listen(fd, d->conf->backlog) :
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
	const struct conf	*c = d->conf;
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
		snprintf(portstr, sizeof(portstr), "%s", d->conf->port);
		if (listen_all(d, l, portstr, sizeof(portstr), err,
		    errlen) == 0) {
			*port = server_port(l->tcp[0]);
			return 0;
		}
		close_all(l->tcp, &l->ntcp);
		close_all(l->udp, &l->nudp);
		if (strcmp(d->conf->port, "0") != 0 || errno != EADDRINUSE) {
			break;
		}
	}
	return -1;
}

/* The unauth slot of one source address; NULL when none is free. */
static struct src_count *
src_slot(struct rshd *d, const struct in6_addr *a, int create)
{
	struct src_count *free_slot = NULL;

	for (int i = 0; i < d->conf->max_unauth; i++) {
		struct src_count *sc = &d->srcs[i];

		if (sc->n > 0 && memcmp(&sc->addr, a, sizeof(*a)) == 0) {
			return sc;
		}
		if (sc->n == 0 && free_slot == NULL) {
			free_slot = sc;
		}
	}
	if (create && free_slot != NULL) {
		free_slot->addr = *a;
	}
	return create ? free_slot : NULL;
}

static void
src_addr(const struct sockaddr_storage *ss, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->s6_addr[10] = a->s6_addr[11] = 0xff;
		memcpy(&a->s6_addr[12],
		    &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else {
		*a = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
}

/* Takes a connection and an unauth slot; NULL, or the refusal reason. */
static const char *
admit(struct rshd *d, const struct sockaddr_storage *peer)
{
	const struct conf	*c = d->conf;
	struct src_count	*sc;
	struct in6_addr		 a;
	const char		*why = NULL;

	src_addr(peer, &a);
	pthread_mutex_lock(&d->lock);
	if (d->nconns >= c->max_conns) {
		why = "too many connections";
	} else if (d->nunauth >= c->max_unauth) {
		why = "too many unauthenticated connections";
	} else if ((sc = src_slot(d, &a, 1)) == NULL ||
	    sc->n >= c->max_unauth_src) {
		why = "too many unauthenticated connections from your address";
	} else {
		sc->n++;
		d->nunauth++;
		d->nconns++;
	}
	pthread_mutex_unlock(&d->lock);
	return why;
}

void
server_auth_done(struct rshd *d, const struct sockaddr_storage *peer)
{
	struct src_count	*sc;
	struct in6_addr		 a;

	src_addr(peer, &a);
	pthread_mutex_lock(&d->lock);
	if ((sc = src_slot(d, &a, 0)) != NULL) {
		sc->n--;
	}
	d->nunauth--;
	pthread_mutex_unlock(&d->lock);
}

uint64_t
server_next_id(struct rshd *d)
{
	return __atomic_add_fetch(&d->last_id, 1, __ATOMIC_RELAXED);
}

void
server_conn_done(struct rshd *d)
{
	pthread_mutex_lock(&d->lock);
	d->nconns--;
	pthread_cond_broadcast(&d->idle);
	pthread_mutex_unlock(&d->lock);
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
	char			 addr[NETIO_ADDRSTRMAX];
	const char		*why;
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
	if ((why = admit(d, &peer)) != NULL) {
		log_warn("%s: refused: %s", addr, why);
		refuse(fd, HS_REFUSE_BUSY, why);
		return;
	}
	if (session_start(d, fd, &peer) == -1) {
		log_err("%s: cannot start a session thread", addr);
		server_auth_done(d, &peer);
		server_conn_done(d);
		refuse(fd, HS_REFUSE_BUSY, "server out of resources");
	}
}

/* Waits up to wait_ms for every session to end: how many remain. */
static int
wait_sessions(struct rshd *d, int wait_ms)
{
	struct timespec	ts;
	int		left;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&d->lock);
	while (d->nconns > 0) {
		if (pthread_cond_timedwait(&d->idle, &d->lock, &ts) != 0) {
			break;
		}
	}
	left = d->nconns;
	pthread_mutex_unlock(&d->lock);
	if (left > 0) {
		log_warn("%d sessions still open at exit", left);
	}
	return left;
}

int
server_run(struct rshd *d, const int *fds, size_t nfds, int sigfd)
{
	struct pollfd		pfd[CONF_MAXLISTEN * 2 + 1];
	struct signalfd_siginfo	si;
	uint64_t		one = 1;
	int			reap_pending = 0;

	for (size_t i = 0; i < nfds; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	pfd[nfds].fd = sigfd;
	pfd[nfds].events = POLLIN;
	for (;;) {
		if (poll(pfd, nfds + 1, reap_pending ? 50 : -1) == -1) {
			if (errno == EINTR) {
				continue;
			}
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (reap_pending) {
			reap_pending = reaper_reap() == -1;
		}
		if ((pfd[nfds].revents & POLLIN) &&
		    read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				reap_pending = reaper_reap() == -1;
				continue;
			}
			if (si.ssi_signo == SIGHUP) {
				if (audit_enabled()) {
					(void)audit_reopen();
				}
				log_info("SIGHUP: audit log reopened; "
				    "configuration reload is not supported yet");
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
	return wait_sessions(d, d->conf->shutdown_grace_ms +
	    d->conf->kill_grace_ms + 3000);
}
