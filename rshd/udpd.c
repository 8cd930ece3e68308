/*
 * udpd: the receiver does what is cheap and needs no child (parse, key,
 * OPEN, the replay cache, re-sending stored replies) so that retries are
 * answered even while every worker runs a command; new requests go to a
 * bounded queue, and a full queue drops them, counted, never blocking.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"
#include "log.h"
#include "netio.h"
#include "udp.h"

#include "job.h"
#include "policy.h"
#include "priv.h"
#include "replay.h"
#include "snapshot.h"
#include "udpd.h"
#include "udpjob.h"

#define DGRAM_MAX	65536	/* a larger datagram is cut, so malformed */
#define DROP_LOG_MS	10000	/* drops are logged at most this often */
#define RECV_BURST	64	/* datagrams read per socket per turn */

enum drop { DROP_MALFORMED, DROP_UNKNOWN_KEY, DROP_BAD_TAG, DROP_RUNNING,
	DROP_MISMATCH, DROP_EXHAUSTED, DROP_FULL, DROP_QUEUE, DROP_NOMEM,
	DROP_OPEN, NDROPS };

static const char *const drop_names[NDROPS] = {
	"malformed", "unknown key", "failed to open", "repeat while running",
	"repeat that differs", "repeat after 3 re-sends",
	"replay cache full for the key", "queue full", "out of memory",
	"privileged part could not open it"
};

struct udpd {
	struct rshd		*d;
	int			 fds[CONF_MAXLISTEN * 2];
	size_t			 nfds;
	struct replay		*replay;
	pthread_t		 receiver;
	pthread_t		*workers;
	int			 nworkers;
	pthread_mutex_t		 lock;		/* guards the queue, stopping */
	pthread_cond_t		 more;		/* the queue grew, or stopping */
	pthread_cond_t		 started;	/* a worker is ready */
	int			 ready;		/* workers ready (lock) */
	struct udpreq		**queue;
	size_t			 qcap, qhead, qlen;
	int			 stopping;
	/* The receiver's own. */
	struct snapshot		*snap;	/* in force when it last looked */
	uint64_t		 drops[NDROPS];
	long long		 logged_at;
	uint8_t			*rbuf, *sbuf;
};

int
udpd_prepare_socket(int fd, int family)
{
	int one = 1;

	if (family == AF_INET) {
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one,
		    sizeof(one));
	}
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
	    sizeof(one));
}


static void
log_replay(struct udpd *u)
{
	size_t		entries, bytes;
	uint64_t	evicted;

	replay_stats(u->replay, &entries, &bytes, &evicted);
	log_info("udp: replay cache: %zu entries, %zu bytes of replies, "
	    "%llu evicted early", entries, bytes,
	    (unsigned long long)evicted);
}

/* Logs the drops counted since the last line, at most every 10 s. */
static void
log_drops(struct udpd *u, int force)
{
	long long	now = netio_now_ms();
	char		line[512];
	size_t		off = 0;
	uint64_t	total = 0;

	if (!force && now - u->logged_at < DROP_LOG_MS) {
		return;
	}
	for (int i = 0; i < NDROPS; i++) {
		if (u->drops[i] == 0) {
			continue;
		}
		total += u->drops[i];
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%llu "
		    "%s", off == 0 ? "" : ", ", (unsigned long long)u->drops[i],
		    drop_names[i]);
		if (off >= sizeof(line)) {
			break;
		}
		u->drops[i] = 0;
	}
	if (total > 0) {
		log_info("udp: dropped %llu datagrams without reply (%s)",
		    (unsigned long long)total, line);
		u->logged_at = now;
	}
	if (total > 0 || force) {
		log_replay(u);
	}
}

/* The destination address and interface of a received datagram. */
static void
read_pktinfo(struct msghdr *m, struct udpreq *q)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL;
	    c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo	 pi;
			struct sockaddr_in	*sin = (void *)&q->dst;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			sin->sin_family = AF_INET;
			sin->sin_addr = pi.ipi_addr;
			q->ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo	 pi;
			struct sockaddr_in6	*sin6 = (void *)&q->dst;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = pi.ipi6_addr;
			q->ifindex = (int)pi.ipi6_ifindex;
		}
	}
}

/* Sends a reply from the address the request reached. */
static void
send_reply(const struct udpreq *q, const uint8_t *p, size_t len)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cm;
	struct iovec	 iov = { (void *)(uintptr_t)p, len };
	struct msghdr	 m;
	struct cmsghdr	*c;

	memset(&m, 0, sizeof(m));
	memset(&cm, 0, sizeof(cm));
	m.msg_name = (void *)(uintptr_t)&q->src;
	m.msg_namelen = q->srclen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cm.buf;
	c = &cm.hdr;
	if (q->dst.ss_family == AF_INET) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = ((const struct sockaddr_in *)&q->dst)->
		    sin_addr;
		m.msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else if (q->dst.ss_family == AF_INET6) {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = ((const struct sockaddr_in6 *)&q->dst)->
		    sin6_addr;
		pi.ipi6_ifindex = (unsigned)q->ifindex;
		m.msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		m.msg_control = NULL;
	}
	if (sendmsg(q->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {
		log_debug("%s: udp: cannot send the reply: %s", q->peerstr,
		    strerror(errno));
	}
}

/* A copy of the received request for a worker, its pointers moved along. */
static struct udpreq *
copy_request(const struct udpreq *rq, const uint8_t *rbuf)
{
	struct udpreq	*q;
	uint8_t		*p;

	if ((q = malloc(sizeof(*q))) == NULL ||
	    (p = malloc(rq->len)) == NULL) {
		free(q);
		return NULL;
	}
	*q = *rq;
	memcpy(p, rbuf, rq->len);
#define MOVE(f, T) q->r.f = (T)(uintptr_t)(p + \
	((const uint8_t *)rq->r.f - rbuf))
	MOVE(h, const uint8_t *);
	MOVE(keyid, const char *);
	MOVE(name, const char *);
	MOVE(n, const uint8_t *);
	MOVE(sealed, uint8_t *);
	MOVE(payload, uint8_t *);
#undef MOVE
	q->dgram = p;
	snapshot_hold(q->snap);
	return q;
}

static void
free_request(struct udpreq *q)
{
	snapshot_put(q->snap);
	free(q->dgram);
	free(q);
}

static int
enqueue(struct udpd *u, struct udpreq *q)
{
	int rc = -1;

	pthread_mutex_lock(&u->lock);
	if (u->qlen < u->qcap && !u->stopping) {
		u->queue[(u->qhead + u->qlen++) % u->qcap] = q;
		pthread_cond_signal(&u->more);
		rc = 0;
	}
	pthread_mutex_unlock(&u->lock);
	return rc;
}

/*
 * OPEN, by the privileged part, which holds the PSK: the payload comes
 * back decrypted into its place in u->rbuf, with the request's token.
 * 0, or -1 with the drop counted.
 */
static int
open_request(struct udpd *u, struct udpreq *rq)
{
	size_t	len = rq->r.sealedlen - CRYPTO_TAGLEN, got = 0;
	int	why;

	why = priv_udp_open(u->snap->gen, &rq->src, u->rbuf, rq->len,
	    rq->r.sealed, len, &got, rq->token);
	if (why == 0 && got != len) {
		priv_udp_drop(rq->token);
		why = PRIV_UDP_FULL;
	}
	if (why != 0) {
		u->drops[why == PRIV_UDP_BADTAG ? DROP_BAD_TAG :
		    why == PRIV_UDP_UNKNOWN ? DROP_UNKNOWN_KEY : DROP_OPEN]++;
		return -1;
	}
	rq->r.payload = rq->r.sealed;
	rq->r.paylen = len;
	return 0;
}

/* Parse, key, OPEN, replay cache; then the queue. */
static void
admit(struct udpd *u, struct udpreq *rq)
{
	struct replay_entry	*entry;
	struct udpreq		*q;
	uint8_t			 hash[REPLAY_HASHLEN];
	size_t			 slen;
	struct crypto_part	 whole = { u->rbuf, rq->len };
	enum replay_verdict	 v;

	if (udp_req_parse(u->rbuf, rq->len, &rq->r) != WIRE_OK) {
		u->drops[DROP_MALFORMED]++;
		return;
	}
	/* After a reload, requests take the new configuration. */
	if (u->snap == NULL || server_generation(u->d) != u->snap->gen) {
		snapshot_put(u->snap);
		u->snap = server_snapshot(u->d);
	}
	rq->snap = u->snap;
	/* A key skipped for its options is as good as unknown. */
	if ((rq->key = keys_find_id(u->snap->keys, rq->r.keyid,
	    rq->r.idlen, rq->r.name, rq->r.namelen)) == NULL || policy_admit(u->snap->policy, rq->key,
	    &rq->src, WIRE_TCP) == POLICY_KEY_SKIPPED) {
		u->drops[DROP_UNKNOWN_KEY]++;
		return;
	}
	/* The hash is of the datagram as sent: before OPEN decrypts it. */
	if (crypto_sha256(hash, &whole, 1) == -1) {
		u->drops[DROP_BAD_TAG]++;
		return;
	}
	if (open_request(u, rq) == -1) {
		return;
	}
	v = replay_check(u->replay, rq->r.keyid, rq->r.idlen, rq->r.n, hash,
	    &rq->src, rq->r.ts_ms, &entry, u->sbuf, DGRAM_MAX, &slen);
	if (v != REPLAY_NEW) {
		priv_udp_drop(rq->token);	/* it will not run */
	}
	switch (v) {
	case REPLAY_NEW:
		break;
	case REPLAY_RESEND:
		send_reply(rq, u->sbuf, slen);
		return;
	default:
		/* A repeat from elsewhere is logged with the others: one
		 * captured datagram sent from many addresses must not flood
		 * the log. */
		u->drops[v == REPLAY_RUNNING ? DROP_RUNNING :
		    v == REPLAY_MISMATCH ? DROP_MISMATCH :
		    v == REPLAY_EXHAUSTED ? DROP_EXHAUSTED : DROP_FULL]++;
		return;
	}
	rq->entry = entry;
	rq->t_recv_us = netio_now_us();
	rq->id = server_next_id(u->d);
	(void)netio_addr_str((const struct sockaddr *)&rq->src, rq->peerstr,
	    sizeof(rq->peerstr));
	if ((q = copy_request(rq, u->rbuf)) == NULL || enqueue(u, q) == -1) {
		u->drops[q == NULL ? DROP_NOMEM : DROP_QUEUE]++;
		priv_udp_drop(rq->token);
		replay_forget(u->replay, entry);
		if (q != NULL) {
			free_request(q);
		}
	}
}

/* Reads one datagram from fd into u->rbuf: 1, or 0 when there is none. */
static int
receive(struct udpd *u, int fd)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cm;
	struct udpreq	 rq;
	struct iovec	 iov = { u->rbuf, DGRAM_MAX };
	struct msghdr	 m;
	ssize_t		 r;

	memset(&rq, 0, sizeof(rq));
	memset(&m, 0, sizeof(m));
	m.msg_name = &rq.src;
	m.msg_namelen = sizeof(rq.src);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cm.buf;
	m.msg_controllen = sizeof(cm.buf);
	do {
		r = recvmsg(fd, &m, MSG_DONTWAIT);
	} while (r == -1 && errno == EINTR);
	if (r == -1) {
		return 0;
	}
	if ((m.msg_flags & MSG_TRUNC) || r == 0) {
		u->drops[DROP_MALFORMED]++;
		return 1;
	}
	rq.fd = fd;
	rq.len = (size_t)r;
	rq.srclen = m.msg_namelen;
	read_pktinfo(&m, &rq);
	admit(u, &rq);
	return 1;
}

static void *
receiver_main(void *arg)
{
	struct udpd	*u = arg;
	struct pollfd	 pfd[CONF_MAXLISTEN * 2 + 1];
	size_t		 n = u->nfds;

	/* It opens every request through the privileged part: its
	 * channel, made now, is part of rshd's baseline. */
	if (priv_open() == -1) {
		log_warn("udp: the receiver cannot reach the privileged part: "
		    "%s", strerror(errno));
	}
	pthread_mutex_lock(&u->lock);
	u->ready++;
	pthread_cond_broadcast(&u->started);
	pthread_mutex_unlock(&u->lock);

	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = u->fds[i];
		pfd[i].events = POLLIN;
	}
	pfd[n].fd = u->d->shutdown_fd;
	pfd[n].events = POLLIN;
	for (;;) {
		if (poll(pfd, n + 1, DROP_LOG_MS) == -1 && errno != EINTR) {
			log_err("udp: poll: %s", strerror(errno));
			break;
		}
		if (pfd[n].revents != 0) {
			break;
		}
		for (size_t i = 0; i < n; i++) {
			for (int k = 0; (pfd[i].revents & POLLIN) &&
			    k < RECV_BURST && receive(u, u->fds[i]); k++) {
				continue;
			}
		}
		log_drops(u, 0);
	}
	log_drops(u, 1);
	snapshot_put(u->snap);
	u->snap = NULL;
	crypto_thread_done();
	return NULL;
}

/* The next request, or NULL once stopping with none left; *stopping says
 * whether the daemon is on its way out (a queued request is then not run). */
static struct udpreq *
dequeue(struct udpd *u, int *stopping)
{
	struct udpreq *q = NULL;

	pthread_mutex_lock(&u->lock);
	while (u->qlen == 0 && !u->stopping) {
		pthread_cond_wait(&u->more, &u->lock);
	}
	if (u->qlen > 0) {
		q = u->queue[u->qhead];
		u->qhead = (u->qhead + 1) % u->qcap;
		u->qlen--;
	}
	*stopping = u->stopping;
	pthread_mutex_unlock(&u->lock);
	return q;
}

static void *
worker_main(void *arg)
{
	struct udpd	*u = arg;
	struct udpreq		*q;
	struct job		*rest;
	struct udpjob_bufs	 b;
	long			 n;
	int			 stopping, skewed;

	/* A worker lives as long as rshd: its channel to the privileged
	 * part is made now, and is part of rshd's baseline. */
	if (priv_open() == -1) {
		log_warn("udp: a worker cannot reach the privileged part: %s",
		    strerror(errno));
	}
	pthread_mutex_lock(&u->lock);
	u->ready++;
	pthread_cond_broadcast(&u->started);
	pthread_mutex_unlock(&u->lock);
	if (udpjob_bufs_init(&b) == -1) {
		log_err("udp: a worker is out of memory");
		return NULL;
	}
	while ((q = dequeue(u, &stopping)) != NULL) {
		if (stopping) {
			priv_udp_drop(q->token);
			replay_forget(u->replay, q->entry);	/* never ran */
		} else {
			n = udpjob_answer(u->d, replay_floor(u->replay,
			    q->r.keyid, q->r.idlen), q, &b, &rest, &skewed);
			/* Stored before it is sent: a repeat from now on gets
			 * these bytes, never another run. */
			replay_store(u->replay, q->entry, b.reply,
			    n > 0 ? (size_t)n : 0, skewed);
			if (n > 0) {
				send_reply(q, b.reply, (size_t)n);
			}
			job_free(rest);
		}
		free_request(q);
	}
	udpjob_bufs_free(&b);
	crypto_thread_done();
	return NULL;
}

/* Wakes the workers to leave and waits for them. */
static void
udpd_stop_workers(struct udpd *u)
{
	pthread_mutex_lock(&u->lock);
	u->stopping = 1;
	pthread_cond_broadcast(&u->more);
	pthread_mutex_unlock(&u->lock);
	for (int i = 0; i < u->nworkers; i++) {
		(void)pthread_join(u->workers[i], NULL);
	}
	u->nworkers = 0;
}

static void
udpd_free(struct udpd *u)
{
	for (size_t i = 0; i < u->nfds; i++) {
		close(u->fds[i]);
	}
	replay_free(u->replay);
	pthread_cond_destroy(&u->more);
	pthread_cond_destroy(&u->started);
	pthread_mutex_destroy(&u->lock);
	free(u->workers);
	free(u->queue);
	free(u->rbuf);
	free(u->sbuf);
	free(u);
}

/* Threads with signals blocked (they are the main thread's) and a small
 * stack: a worker's buffers are on the heap. */
static int
spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t	attr;
	int		rc;

	if (pthread_attr_init(&attr) != 0) {
		return -1;
	}
	(void)pthread_attr_setstacksize(&attr, 512 * 1024);
	rc = pthread_create(t, &attr, fn, arg) == 0 ? 0 : -1;
	pthread_attr_destroy(&attr);
	return rc;
}

struct udpd *
udpd_start(struct rshd *d, const int *fds, size_t nfds, char *err,
    size_t errlen)
{
	const struct conf	*c = &d->boot->conf;
	struct replay_limits	 lim;
	struct udpd		*u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		goto nomem;
	}
	u->d = d;
	memcpy(u->fds, fds, nfds * sizeof(*fds));
	u->nfds = nfds;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->more, NULL);
	pthread_cond_init(&u->started, NULL);
	lim.max_entries = (size_t)c->udp_replay_entries;
	lim.per_key = (size_t)c->udp_replay_per_key;
	lim.max_bytes = c->udp_replay_bytes;
	lim.keep_ms = 2LL * c->udp_window_ms;
	lim.window_ms = c->udp_window_ms;
	u->qcap = (size_t)c->udp_queue;
	if ((u->replay = replay_new(&lim, netio_wall_ms())) == NULL ||
	    (u->queue = calloc(u->qcap, sizeof(struct udpreq *))) == NULL ||
	    (u->workers = calloc((size_t)c->udp_workers,
	    sizeof(*u->workers))) == NULL ||
	    (u->rbuf = malloc(DGRAM_MAX)) == NULL ||
	    (u->sbuf = malloc(DGRAM_MAX)) == NULL) {
		udpd_free(u);
		goto nomem;
	}
	for (; u->nworkers < c->udp_workers; u->nworkers++) {
		if (spawn(&u->workers[u->nworkers], worker_main, u) == -1) {
			break;
		}
	}
	if (u->nworkers < c->udp_workers ||
	    spawn(&u->receiver, receiver_main, u) == -1) {
		snprintf(err, errlen, "cannot start the UDP threads");
		u->nfds = 0;	/* the caller still owns them */
		udpd_stop_workers(u);
		udpd_free(u);
		return NULL;
	}
	pthread_mutex_lock(&u->lock);
	while (u->ready < u->nworkers + 1) {	/* and the receiver */
		pthread_cond_wait(&u->started, &u->lock);
	}
	pthread_mutex_unlock(&u->lock);
	return u;
nomem:
	snprintf(err, errlen, "out of memory for the UDP service");
	return NULL;
}

void
udpd_stop(struct udpd *u)
{
	if (u == NULL) {
		return;
	}
	(void)pthread_join(u->receiver, NULL);
	udpd_stop_workers(u);
	udpd_free(u);
}
