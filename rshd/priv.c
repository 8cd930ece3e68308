/*
 * priv: the network part's calls into the privileged part, one request
 * and one answer each, on the calling thread's own channel.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "wire.h"

#include "priv.h"
#include "privmsg.h"
#include "privspare.h"

static int		hello = -1;
static pthread_key_t	chan_key;
static pthread_once_t	chan_once = PTHREAD_ONCE_INIT;
static __thread int	chan = -1;
static __thread int	answered;	/* chan has answered once */
static __thread int	fds_lost;	/* the last answer's fds were */

#ifdef RSHD_TEST_HOOKS
/* RSHD_TEST_OPLOG: a file that gets a line for each request sent to the
 * privileged part, its op's name, for tests/privsep.bats to count a
 * command's round trips. */
static int		oplog = -1;

static void
oplog_put(const struct priv_req *q)
{
	static const char *const names[] = { "?", "PREPARE", "START",
	    "REAP", "SIGNAL", "HOLDERS", "SIGNAL_HOLDER", "HAS_RUNNER",
	    "POPULATED", "CLOSE", "STARTING", "RELOAD", "FORGET", "AUTH",
	    "UDP_OPEN", "UDP_SEAL", "UDP_DROP", "HELLO", "PORT_FILE",
	    "AUDIT_OPEN", "RUN" };
	char	line[64];
	int	n;

	if (oplog == -1) {
		return;
	}
	n = snprintf(line, sizeof(line), "%s%s\n", q->op < sizeof(names) /
	    sizeof(names[0]) ? names[q->op] : "?", q->op == PRIV_REAP &&
	    (q->flags & PRIV_REAP_CLOSE) ? "+CLOSE" : "");
	if (write(oplog, line, (size_t)n) != n) {
		return;	/* a test's count, nothing more */
	}
}
#endif

/* A thread's channel goes with the thread: the privileged part then
 * stops whatever that thread left running. */
static void
chan_drop(void *p)
{
	close((int)(intptr_t)p - 1);
}

static void
chan_key_make(void)
{
	(void)pthread_key_create(&chan_key, chan_drop);
}

void
priv_init(int hello_fd)
{
	hello = hello_fd;
#ifdef RSHD_TEST_HOOKS
	if (getenv("RSHD_TEST_OPLOG") != NULL) {
		oplog = open(getenv("RSHD_TEST_OPLOG"), O_WRONLY | O_CREAT |
		    O_APPEND | O_CLOEXEC, 0600);
	}
#endif
}

void
priv_end(void)
{
	privspare_end();
	if (chan != -1) {
		(void)pthread_setspecific(chan_key, NULL);
		close(chan);
		chan = -1;
	}
	if (hello != -1) {
		close(hello);
		hello = -1;
	}
}

int
priv_hello_fd(void)
{
	return hello;
}

int
priv_channel_new(void)
{
	char		 cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr	 m;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	uint8_t		 one = 1;
	int		 sv[2], e;
	ssize_t		 n;

	if (hello == -1) {
		errno = ENOTCONN;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		return -1;
	}
	memset(&m, 0, sizeof(m));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = &one;
	iov.iov_len = 1;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[1], sizeof(int));
	do {
		n = sendmsg(hello, &m, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	e = errno;
	close(sv[1]);
	if (n != 1) {
		close(sv[0]);
		errno = n == -1 ? e : EPIPE;
		return -1;
	}
	return sv[0];
}

/* fd becomes the calling thread's channel, and goes with the thread:
 * 0, or -1 (fd then closed). */
static int
adopt(int fd, int was_answered)
{
	(void)pthread_once(&chan_once, chan_key_make);
	if (pthread_setspecific(chan_key, (void *)(intptr_t)(fd + 1)) != 0) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	chan = fd;
	answered = was_answered;
	return 0;
}

/* The calling thread's channel, made and handed over at its first call. */
static int
channel(void)
{
	int fd;

	if (chan != -1) {
		return chan;
	}
	if ((fd = priv_channel_new()) == -1 || adopt(fd, 0) == -1) {
		return -1;
	}
	return chan;
}

/*
 * One exchange on channel fd: q (and its payload) out, *r back with up
 * to 4 fds into fds (-1 where none came) and up to rcap bytes after it
 * into rpay (their count in r->paylen).  The bytes of the answer, 0
 * when the channel closed or broke the rules, -1 with errno.
 */
static ssize_t
exchange(int fd, struct priv_req *q, const uint8_t *pay, size_t paylen,
    struct priv_rep *r, int *fds, uint8_t *rpay, size_t rcap)
{
	char		 cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct msghdr	 m;
	struct iovec	 iov[2];
	struct cmsghdr	*cm;
	ssize_t		 n;
	int		 malformed;

	q->paylen = (uint32_t)paylen;
#ifdef RSHD_TEST_HOOKS
	oplog_put(q);
#endif
	memset(&m, 0, sizeof(m));
	iov[0].iov_base = q;
	iov[0].iov_len = sizeof(*q);
	iov[1].iov_base = (void *)(uintptr_t)pay;
	iov[1].iov_len = paylen;
	m.msg_iov = iov;
	m.msg_iovlen = paylen > 0 ? 2 : 1;
	do {
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)(sizeof(*q) + paylen)) {
		return n == -1 ? -1 : 0;
	}
	memset(&m, 0, sizeof(m));
	iov[0].iov_base = r;
	iov[0].iov_len = sizeof(*r);
	iov[1].iov_base = rpay;
	iov[1].iov_len = rcap;
	m.msg_iov = iov;
	m.msg_iovlen = rcap > 0 ? 2 : 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	do {
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		return -1;
	}
	/* A malformed answer is dropped with the fds that came with it. */
	malformed = n < (ssize_t)sizeof(*r) || (m.msg_flags & MSG_TRUNC) ||
	    (size_t)n - sizeof(*r) != r->paylen;
	/* No fd left here for what came: the answer stands, its fds are
	 * lost (the caller undoes what they were for). */
	fds_lost = (m.msg_flags & MSG_CTRUNC) != 0;
	for (int i = 0; i < 4 && fds != NULL; i++) {
		fds[i] = -1;
	}
	for (cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (!malformed && fds != NULL && i < 4) {
				fds[i] = got;
			} else {
				close(got);
			}
		}
	}
	if (malformed) {
		return 0;
	}
	r->msg[sizeof(r->msg) - 1] = '\0';
	return n;
}

/*
 * One call on the calling thread's channel (see exchange): 0, or -1
 * when the privileged part cannot be reached (errno says why); the
 * channel is then dropped.
 */
static int
call_bytes(struct priv_req *q, const uint8_t *pay, size_t paylen,
    struct priv_rep *r, int *fds, uint8_t *rpay, size_t rcap)
{
	ssize_t	n;
	int	fd, e;

	if ((fd = channel()) == -1) {
		return -1;
	}
	if ((n = exchange(fd, q, pay, paylen, r, fds, rpay, rcap)) > 0) {
		answered = 1;
		return 0;
	}
	/* A channel closed before its first answer never reached the
	 * privileged part's table: it had no fd or thread left for it. */
	e = n == 0 ? (answered ? EPIPE : EAGAIN) : errno;
	log_err("the privileged part of rshd does not answer: %s",
	    strerror(e));
	chan = -1;
	(void)pthread_setspecific(chan_key, NULL);
	close(fd);
	errno = e;
	return -1;
}

static int
call(struct priv_req *q, const uint8_t *pay, size_t paylen,
    struct priv_rep *r, int *fds)
{
	return call_bytes(q, pay, paylen, r, fds, NULL, 0);
}

/*
 * Why a call failed, in msg, from errno: 1 when rshd is out of resources
 * (no fd or memory for a channel), 0 when the privileged part is gone.
 */
static int
lost(char *msg, size_t msglen)
{
	int e = errno;

	if (e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS ||
	    e == EAGAIN) {
		snprintf(msg, msglen, "cannot start command: %s; the server "
		    "is out of resources", strerror(e));
		return 1;
	}
	snprintf(msg, msglen, "cannot start command: the server's "
	    "privileged part is gone");
	return 0;
}

static void
req_init(struct priv_req *q, enum priv_op op, const struct child *c)
{
	memset(q, 0, sizeof(*q));
	q->op = op;
	q->pid = c != NULL ? c->pid : 0;
}

int
priv_open(void)
{
	struct priv_req	q;
	struct priv_rep	r;

	req_init(&q, PRIV_STARTING, NULL);
	return call(&q, NULL, 0, &r, NULL);
}

/* A PREPARE or RUN request for a, and its payload in *p, *len. */
static void
ask_init(struct priv_req *q, enum priv_op op, const struct priv_ask *a,
    const uint8_t **p, size_t *len, uint8_t *forged, size_t forgedcap)
{
	const char	*keyid = a->keyid;

	*p = a->p;
	*len = a->len;
#ifdef RSHD_TEST_HOOKS
	long		n;

	/* A compromised network part, for tests/privsep.bats: it asks for
	 * another command than the client's, as a shell command line. */
	if (getenv("RSHD_TEST_FORGE_EXEC") != NULL) {
		char		*argv[2] = { getenv("RSHD_TEST_FORGE_EXEC"),
				    NULL };
		struct wire_exec f = { .argv = argv, .argc = 1,
				    .has_flags = 1,
				    .flags = EXEC_FLAG_SHELL |
				    EXEC_FLAG_NO_STDIN };

		if ((n = wire_exec_encode(&f, forged, forgedcap, 0)) > 0) {
			*p = forged;
			*len = (size_t)n;
		}
	}
	/* It claims another key than the one its client proved. */
	if (getenv("RSHD_TEST_FORGE_KEY") != NULL) {
		keyid = getenv("RSHD_TEST_FORGE_KEY");
	}
#else
	(void)forged;
	(void)forgedcap;
#endif
	req_init(q, op, NULL);
	q->gen = a->gen;
	q->transport = a->transport;
	q->peer = *a->peer;
	(void)strlcpy(q->keyid, keyid, sizeof(q->keyid));
	if (a->token != NULL) {
		memcpy(q->token, a->token, PRIV_TOKENLEN);
	}
}

/* The plan that came with r (r->paylen checked), its strings ended. */
static void
take_plan(struct priv_plan *out)
{
	out->account[sizeof(out->account) - 1] = '\0';
	out->cwd[sizeof(out->cwd) - 1] = '\0';
	out->forced[sizeof(out->forced) - 1] = '\0';
}

static void
malformed(struct priv_refusal *no)
{
	no->err = ERR_INTERNAL;
	no->code = 255;
	(void)strlcpy(no->msg, "the privileged part's plan is malformed",
	    sizeof(no->msg));
}

static void
refused(const struct priv_rep *r, struct priv_refusal *no)
{
	no->err = (uint16_t)r->err;
	no->code = r->code;
	(void)strlcpy(no->msg, r->msg, sizeof(no->msg));
}

static void
unreached(struct priv_refusal *no)
{
	no->err = lost(no->msg, sizeof(no->msg)) ? ERR_EXEC_FAILED :
	    ERR_INTERNAL;
	no->code = 255;
}

int
priv_prepare(const struct priv_ask *a, struct priv_plan *out,
    struct priv_refusal *no)
{
	struct priv_req	 q;
	struct priv_rep	 r;
	uint8_t		 forged[4096];
	const uint8_t	*p;
	size_t		 len;

	ask_init(&q, PRIV_PREPARE, a, &p, &len, forged, sizeof(forged));
	if (call_bytes(&q, p, len, &r, NULL, (uint8_t *)out,
	    sizeof(*out)) == -1) {
		unreached(no);
		return -1;
	}
	if (r.rc != 0) {
		refused(&r, no);
		return -1;
	}
	if (r.paylen != sizeof(*out)) {
		malformed(no);
		return -1;
	}
	take_plan(out);
	return 0;
}

int
priv_hello_on(int fd, uint8_t ns[HS_NONCELEN])
{
	struct priv_req	q;
	struct priv_rep	r;
	ssize_t		n;

	req_init(&q, PRIV_HELLO, NULL);
	if ((n = exchange(fd, &q, NULL, 0, &r, NULL, NULL, 0)) <= 0) {
		errno = n == 0 ? EPIPE : errno;
		return -1;
	}
	if (r.rc != 0) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(ns, r.ns, HS_NONCELEN);
	return 0;
}

int
priv_hello(uint8_t ns[HS_NONCELEN])
{
	struct priv_req	q;
	struct priv_rep	r;
	int		fd;

	/* A spare channel has its nonce already: no round trip here. */
	if (chan == -1 && (fd = privspare_take(ns)) != -1) {
		if (adopt(fd, 1) == -1) {
			return -1;
		}
	} else {
		req_init(&q, PRIV_HELLO, NULL);
		if (call(&q, NULL, 0, &r, NULL) == -1) {
			return -1;
		}
		if (r.rc != 0) {
			errno = EAGAIN;
			return -1;
		}
		memcpy(ns, r.ns, HS_NONCELEN);
	}
#ifdef RSHD_TEST_HOOKS
	/* A compromised network part, for tests/privsep.bats: it sends an
	 * S1 with a nonce of its own (as a replay of a recorded handshake
	 * would), which the client accepts and the privileged part must
	 * not. */
	if (getenv("RSHD_TEST_OWN_NONCE") != NULL) {
		(void)crypto_random(ns, HS_NONCELEN);
	}
	/* What an attacker who took the network part over would try
	 * first: a shell.  The seccomp filter must kill it here. */
	if (getenv("RSHD_TEST_EXEC_SHELL") != NULL) {
		char *const argv[] = { "sh", "-c", "id >&2", NULL };

		(void)execve("/bin/sh", argv, NULL);
		log_err("RSHD_TEST_EXEC_SHELL: execve: %s", strerror(errno));
	}
#endif
	return 0;
}

int
priv_auth(unsigned long gen, const struct sockaddr_storage *peer,
    const char *localname, const uint8_t s1[HS_S1LEN], const uint8_t *c1,
    size_t c1len, const uint8_t *dh, struct priv_auth_res *out)
{
	struct priv_req		q;
	struct priv_rep		r;
	struct priv_auth	a;
	int			rc = -1;

	memset(out, 0, sizeof(*out));
	if (c1len > sizeof(a.c1)) {
		return -1;
	}
	memset(&a, 0, sizeof(a));
	memcpy(a.s1, s1, HS_S1LEN);
	memcpy(a.c1, c1, c1len);
	a.c1len = (uint32_t)c1len;
	if (dh != NULL) {
		memcpy(a.dh, dh, CRYPTO_KEYLEN);
		a.dh_ok = 1;
	}
	(void)strlcpy(a.local, localname, sizeof(a.local));
	req_init(&q, PRIV_AUTH, NULL);
	q.gen = gen;
	q.peer = *peer;
	if (call(&q, (const uint8_t *)&a, sizeof(a), &r, NULL) == -1) {
		goto out;
	}
	if (r.rc != 0 || r.s2len > HS_S2LEN || r.status < HS_OK ||
	    r.status > HS_BAD_NAME) {
		goto out;
	}
	out->status = (uint8_t)r.status;
	out->why = r.why;
	out->s2len = r.s2len;
	memcpy(out->s2, r.s2, sizeof(out->s2));
	memcpy(&out->keys, &r.keys, sizeof(out->keys));
	rc = 0;
out:
	crypto_wipe(&a, sizeof(a));
	crypto_wipe(&r, sizeof(r));
	return rc;
}

int
priv_udp_open(unsigned long gen, const struct sockaddr_storage *peer,
    const uint8_t *dgram, size_t len, uint8_t *pay, size_t cap,
    size_t *paylen, uint8_t token[PRIV_TOKENLEN])
{
	struct priv_req	q;
	struct priv_rep	r;

	req_init(&q, PRIV_UDP_OPEN, NULL);
	q.gen = gen;
	q.peer = *peer;
	if (call_bytes(&q, dgram, len, &r, NULL, pay, cap) == -1) {
		return PRIV_UDP_FULL;
	}
	if (r.rc != 0) {
		return r.why == PRIV_UDP_BADTAG || r.why == PRIV_UDP_FULL ?
		    r.why : PRIV_UDP_UNKNOWN;
	}
	memcpy(token, r.token, PRIV_TOKENLEN);
	*paylen = r.paylen;
	return 0;
}

long
priv_udp_seal(const uint8_t token[PRIV_TOKENLEN],
    const struct udp_reply *rep, uint8_t *out, size_t cap)
{
	struct priv_req		 q;
	struct priv_rep		 r;
	struct priv_seal	 s;
	uint8_t			*p;
	size_t			 len;
	long			 rc = -1;

	if (rep->olen > UDP_MAXV6 || rep->elen > UDP_MAXV6 - rep->olen ||
	    (p = malloc(sizeof(s) + rep->olen + rep->elen)) == NULL) {
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.how = rep->how;
	s.code = rep->code;
	s.flags = rep->flags;
	s.olen = (uint32_t)rep->olen;
	s.elen = (uint32_t)rep->elen;
	memcpy(p, &s, sizeof(s));
	len = sizeof(s);
	if (rep->olen > 0) {
		memcpy(p + len, rep->out, rep->olen);
		len += rep->olen;
	}
	if (rep->elen > 0) {
		memcpy(p + len, rep->err, rep->elen);
		len += rep->elen;
	}
	req_init(&q, PRIV_UDP_SEAL, NULL);
	memcpy(q.token, token, PRIV_TOKENLEN);
	if (call_bytes(&q, p, len, &r, NULL, out, cap) == 0 && r.rc == 0) {
		rc = (long)r.paylen;
	}
	crypto_wipe(p, len);
	free(p);
	return rc;
}

void
priv_udp_drop(const uint8_t token[PRIV_TOKENLEN])
{
	struct priv_req	q;
	struct priv_rep	r;

	req_init(&q, PRIV_UDP_DROP, NULL);
	memcpy(q.token, token, PRIV_TOKENLEN);
	(void)call(&q, NULL, 0, &r, NULL);
}

static void
close_all(int fds[4])
{
	for (int i = 0; i < 4; i++) {
		if (fds[i] != -1) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
}

/*
 * The command START or RUN started, from its answer r and the fds that
 * came with it: 0 with *c and *cgroup filled, or -1 with *code and msg
 * (the command then stopped and let go of).
 */
static int
take_child(const struct priv_rep *r, int fds[4], struct child *c,
    int *cgroup, char *msg, size_t msglen, int *code)
{
	int	 k = 0;
	int	*to[] = { &c->pidfd, &c->in_fd, &c->out_fd, &c->err_fd };

	if (fds_lost) {
		/* Started, but its pipes could not reach us. */
		close_all(fds);
		c->pid = r->pid;
		c->pidfd = -2;	/* for priv_close: it exists */
		priv_signal(c, SIGKILL, PRIV_SIG_CGROUP);
		priv_close(c);
		*code = 255;
		snprintf(msg, msglen, "cannot start command: %s; the server "
		    "is out of resources", strerror(EMFILE));
		return -1;
	}
	/* The fds came in PRIV_FD_* order, each only when it exists. */
	for (int i = 0; i < 4; i++) {
		if (r->fds & (1U << i)) {
			*to[i] = fds[k++];
		}
	}
	c->pid = r->pid;
	c->pty = r->pty;
	*cgroup = r->cgroup;
	if (c->pidfd == -1 || c->out_fd == -1 || c->pid <= 1) {
		/* Cannot be: the privileged part sends all it has. */
		snprintf(msg, msglen, "cannot start command: the server's "
		    "privileged part sent no %s", c->pid <= 1 ? "pid" :
		    "pipes");
		*code = 255;
		priv_signal(c, SIGKILL, PRIV_SIG_CGROUP);
		priv_close(c);
		return -1;
	}
	return 0;
}

static void
child_init(struct child *c, int *cgroup)
{
	memset(c, 0, sizeof(*c));
	c->pidfd = c->in_fd = c->out_fd = c->err_fd = -1;
	*cgroup = 0;
}

int
priv_start(long long limit_ms, struct child *c, int *cgroup, char *msg,
    size_t msglen, int *code)
{
	struct priv_req	q;
	struct priv_rep	r;
	int		fds[4];

	child_init(c, cgroup);
	req_init(&q, PRIV_START, NULL);
	q.arg = limit_ms;
	if (call(&q, NULL, 0, &r, fds) == -1) {
		*code = 255;
		(void)lost(msg, msglen);
		return -1;
	}
	if (r.rc != 0) {
		*code = r.code;
		(void)strlcpy(msg, r.msg, msglen);
		close_all(fds);
		return -1;
	}
	return take_child(&r, fds, c, cgroup, msg, msglen, code);
}

int
priv_run(const struct priv_ask *a, long long limit_ms, struct priv_plan *out,
    int *planned, struct child *c, int *cgroup, struct priv_refusal *no)
{
	struct priv_req	 q;
	struct priv_rep	 r;
	uint8_t		 forged[4096];
	const uint8_t	*p;
	size_t		 len;
	int		 fds[4];

	*planned = 0;
	child_init(c, cgroup);
	ask_init(&q, PRIV_RUN, a, &p, &len, forged, sizeof(forged));
	q.arg = limit_ms;
	if (call_bytes(&q, p, len, &r, fds, (uint8_t *)out,
	    sizeof(*out)) == -1) {
		unreached(no);
		return -1;
	}
	/* Refused after it was judged (it could not start): the plan
	 * came all the same, for the audit record. */
	if (r.paylen == sizeof(*out)) {
		take_plan(out);
		*planned = 1;
	}
	if (r.rc != 0) {
		close_all(fds);
		refused(&r, no);
		return -1;
	}
	no->err = ERR_EXEC_FAILED;
	if (take_child(&r, fds, c, cgroup, no->msg, sizeof(no->msg),
	    &no->code) == -1) {
		return -1;
	}
	if (!*planned) {
		/* Cannot be: started, but with no plan to record. */
		priv_signal(c, SIGKILL, PRIV_SIG_CGROUP);
		priv_close(c);
		malformed(no);
		return -1;
	}
	return 0;
}

int
priv_reap(struct child *c, int *how, int *code, int done)
{
	struct priv_req	q;
	struct priv_rep	r;

	if (c->pidfd == -1 || c->exited) {
		return -1;
	}
	req_init(&q, PRIV_REAP, c);
	q.flags = done ? PRIV_REAP_CLOSE : 0;
	if (call(&q, NULL, 0, &r, NULL) == -1 || r.rc == -1) {
		return -1;
	}
	if (r.rc == 1) {
		c->exited = 1;
		*how = r.how;
		*code = r.code;
		c->cpu_us = r.cpu_us;
		c->maxrss_kib = r.maxrss_kib;
		if (done) {
			/* Let go of there: nothing more to ask. */
			close(c->pidfd);
			c->pidfd = -1;
		}
	}
	return r.rc;
}

void
priv_signal(const struct child *c, int sig, int flags)
{
	struct priv_req	q;
	struct priv_rep	r;

	if (c->pid <= 1) {
		return;
	}
	req_init(&q, PRIV_SIGNAL, c);
	q.sig = sig;
	q.flags = flags;
	(void)call(&q, NULL, 0, &r, NULL);
}

int
priv_holders(const struct child *c, ino_t ino, pid_t *out, int max)
{
	struct priv_req	q;
	struct priv_rep	r;
	int		n;

	req_init(&q, PRIV_HOLDERS, c);
	q.arg = (int64_t)ino;
	if (c->pid <= 1 || call(&q, NULL, 0, &r, NULL) == -1 || r.rc != 0) {
		return 0;
	}
	n = r.n < 0 ? 0 : r.n;
	for (int i = 0; i < n && i < max && i < PRIV_MAXHOLDERS; i++) {
		out[i] = r.pids[i];
	}
	return n;
}

void
priv_signal_holder(const struct child *c, pid_t pid, ino_t ino, int sig)
{
	struct priv_req	q;
	struct priv_rep	r;

	req_init(&q, PRIV_SIGNAL_HOLDER, c);
	q.arg = pid;
	q.arg2 = (int64_t)ino;
	q.sig = sig;
	if (c->pid > 1) {
		(void)call(&q, NULL, 0, &r, NULL);
	}
}

int
priv_has_runner(const struct child *c, long long since_ms, int session)
{
	struct priv_req	q;
	struct priv_rep	r;

	req_init(&q, PRIV_HAS_RUNNER, c);
	q.arg = since_ms;
	q.flags = session ? PRIV_RUN_SESSION : 0;
	if (c->pid <= 1 || call(&q, NULL, 0, &r, NULL) == -1) {
		return 0;	/* nothing more can be done for it */
	}
	return r.rc;
}

int
priv_populated(const struct child *c)
{
	struct priv_req	q;
	struct priv_rep	r;

	req_init(&q, PRIV_POPULATED, c);
	if (c->pid <= 1 || call(&q, NULL, 0, &r, NULL) == -1) {
		return 0;
	}
	return r.rc;
}

void
priv_close(struct child *c)
{
	struct priv_req	 q;
	struct priv_rep	 r;
	int		*fds[] = { &c->pidfd, &c->in_fd, &c->out_fd,
			    &c->err_fd };

	if (c->pidfd != -1 && c->pid > 1) {
		req_init(&q, PRIV_CLOSE, c);
		(void)call(&q, NULL, 0, &r, NULL);
	}
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0) {
			close(*fds[i]);
		}
		*fds[i] = -1;
	}
}

unsigned int
priv_starting(void)
{
	struct priv_req	q;
	struct priv_rep	r;

	req_init(&q, PRIV_STARTING, NULL);
	if (call(&q, NULL, 0, &r, NULL) == -1 || r.n < 0) {
		return 0;
	}
	return (unsigned int)r.n;
}

/* The one fd an answer carries (RELOAD, AUDIT_OPEN), any others closed;
 * -1 (and none kept) when it was refused or none came. */
static int
one_fd(const struct priv_rep *r, int fds[4])
{
	for (int i = 1; i < 4; i++) {
		if (fds[i] != -1) {
			close(fds[i]);
		}
	}
	if (r->rc != 0 && fds[0] != -1) {
		close(fds[0]);
		fds[0] = -1;
	}
	return fds[0];
}

int
priv_reload(unsigned long gen, char *err, size_t errlen)
{
	struct priv_req	q;
	struct priv_rep	r;
	int		fds[4], fd;

	req_init(&q, PRIV_RELOAD, NULL);
	q.gen = gen;
	if (call(&q, NULL, 0, &r, fds) == -1) {
		snprintf(err, errlen, "the privileged part of rshd is gone");
		return -1;
	}
	if ((fd = one_fd(&r, fds)) == -1) {
		(void)strlcpy(err, r.rc != 0 ? r.msg : "the privileged part "
		    "handed over no keys (no fd left?)", errlen);
	}
	return fd;
}

int
priv_port_file(int port, char *err, size_t errlen)
{
	struct priv_req	q;
	struct priv_rep	r;

	req_init(&q, PRIV_PORT_FILE, NULL);
	q.arg = port;
	if (call(&q, NULL, 0, &r, NULL) == -1) {
		snprintf(err, errlen, "the privileged part of rshd is gone");
		return -1;
	}
	if (r.rc != 0) {
		(void)strlcpy(err, r.msg, errlen);
		return -1;
	}
	return 0;
}

int
priv_audit_open(const char *path)
{
	struct priv_req	q;
	struct priv_rep	r;
	int		fds[4], fd;

	(void)path;	/* the privileged part opens its own AuditLog */
	req_init(&q, PRIV_AUDIT_OPEN, NULL);
	if (call(&q, NULL, 0, &r, fds) == -1) {
		return -1;
	}
	if ((fd = one_fd(&r, fds)) == -1) {
		errno = r.rc != 0 ? r.code : EMFILE;
	}
	return fd;
}

void
priv_forget(unsigned long gen)
{
	struct priv_req	q;
	struct priv_rep	r;

	if (hello == -1) {
		return;
	}
	req_init(&q, PRIV_FORGET, NULL);
	q.gen = gen;
	(void)call(&q, NULL, 0, &r, NULL);
}
