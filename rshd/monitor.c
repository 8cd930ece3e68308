/*
 * monitor: the privileged part, a thread per channel.
 *
 * It trusts nothing the network part says: a request's size and fields
 * are checked before use, an EXEC is decoded and judged again here, by
 * the key's id, against this process's own snapshot of the same
 * generation, and every call about a command names one started on the
 * same channel, or is refused.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "handshake.h"
#include "keys.h"
#include "log.h"
#include "netio.h"
#include "wire.h"

#include "audit.h"
#include "cgroup.h"
#include "chanpark.h"
#include "exec.h"
#include "monitor.h"
#include "monitor_udp.h"
#include "pgroup.h"
#include "policy.h"
#include "privmsg.h"
#include "runfiles.h"
#include "sandbox.h"
#include "snapmat.h"
#include "snapshot.h"
#include "startwatch.h"
#include "title.h"

/* A command started on a channel. */
struct mchild {
	struct child		 c;	/* pid, pidfd; its pipes are sent */
	struct cgroup_cmd	*cg;
	struct mchild		*next;
};

struct chan {
	int			 fd;
	struct mchild		*kids;
	uint8_t			*buf;		/* PRIV_REQMAX, and */
	uint8_t			*out;		/* UDP_MAXV6, for answers
						 * with bytes: the serving
						 * thread's scratch; NULL
						 * while parked */
	/* What PREPARE planned, for START; the plan borrows from e. */
	struct snapshot		*snap;
	struct wire_exec	*e;
	struct exec_plan	*plan;
	/* The one PRIV_AUTH a channel may make, and the key id (of
	 * generation proven_gen) its client proved: "" when none. */
	int			 authed;
	char			 proven[KEYS_MAXIDLEN + 1];
	unsigned long		 proven_gen;
	size_t			 proven_index;	/* its line, in that
						 * generation's keys */
	/* The nonce HELLO drew, which the one AUTH's S1 must carry. */
	int			 ns_set;
	uint8_t			 ns[HS_NONCELEN];
};

/*
 * A channel with no request for this long parks (chanpark) and its
 * thread ends: long enough that a command's requests, which follow each
 * other within microseconds, never wait for a new thread; short enough
 * that an idle connection costs no thread a moment after its last use.
 */
#define PARK_AFTER_MS	200

/* A serving thread's buffers: a request, an answer. */
struct scratch {
	_Alignas(max_align_t) uint8_t	req[PRIV_REQMAX];
	_Alignas(max_align_t) uint8_t	out[UDP_MAXV6];
};
_Static_assert(offsetof(struct scratch, req) == 0,
    "serve finds its scratch at its channel's request buffer");
#define SERVE_STACK_MIN	(256 * 1024)

/*
 * Scratch kept for the next serving thread.  On a new thread's stack it
 * was 33 new pages at every connection's start, each faulted in and
 * cleared, and given back to the kernel (a TLB flush on every CPU) at its
 * end: 0.5 ms of the privileged part's CPU per command on a VM.  A few
 * are kept, so that a parked channel still costs none.
 */
#define SCRATCH_KEEP	2
static pthread_mutex_t	 scratch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct scratch	*scratch_kept[SCRATCH_KEEP];
static size_t		 scratch_nkept;

/*
 * A thread whose channel parked or ended waits PARK_AFTER_MS for the next
 * channel before it ends: every connection brings a channel, and a
 * thread started and ended for each cost a clone and, at its end, its
 * stack given back (a TLB flush on every CPU).  serve_thread hands a
 * channel to a waiting thread through handoff.
 */
static pthread_mutex_t	 idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 idle_cond;	/* CLOCK_MONOTONIC: monitor_run */
static struct chan	*handoff;
static int		 nidle;

/*
 * Set when a serving thread or a channel ends; once no channel has come
 * for a second, the main loop gives what they freed back to the kernel.
 * malloc keeps freed memory for reuse, and after a burst of connections
 * it sat in the heap between the small structs of parked channels, where
 * it never shrank: 1.7 to 2 KiB per connection of a burst, kept for good.
 */
static atomic_int	 trim_due;

/* The generations the network part still uses, each with a reference. */
struct gen {
	struct snapshot	*snap;
	struct gen	*next;
};

static const struct snapshot_source	*src;
static const struct snapshot		*boot_snap;	/* generation 1 */
static pid_t				 net_pid;	/* the network
							 * part */
static const struct exec_account	*self;
static pthread_mutex_t			 gens_lock =
					    PTHREAD_MUTEX_INITIALIZER;
static struct gen			*gens;
static pthread_mutex_t			 chans_lock =
					    PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t			 chans_gone =
					    PTHREAD_COND_INITIALIZER;
static int				 nchans;

/* The snapshot of generation g, with a reference; NULL if unknown. */
struct snapshot *
monitor_gen_hold(unsigned long g)
{
	struct snapshot *s = NULL;

	pthread_mutex_lock(&gens_lock);
	for (struct gen *p = gens; p != NULL; p = p->next) {
		if (p->snap->gen == g) {
			s = p->snap;
			snapshot_hold(s);
			break;
		}
	}
	pthread_mutex_unlock(&gens_lock);
	return s;
}

static int
gen_add(struct snapshot *s)
{
	struct gen *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		return -1;
	}
	p->snap = s;
	pthread_mutex_lock(&gens_lock);
	p->next = gens;
	gens = p;
	pthread_mutex_unlock(&gens_lock);
	return 0;
}

static void
gen_forget(unsigned long g)
{
	struct gen *p = NULL;

	pthread_mutex_lock(&gens_lock);
	for (struct gen **pp = &gens; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->snap->gen == g) {
			p = *pp;
			*pp = p->next;
			break;
		}
	}
	pthread_mutex_unlock(&gens_lock);
	if (p != NULL) {
		snapshot_put(p->snap);
		free(p);
	}
}

static struct mchild *
kid_find(struct chan *ch, pid_t pid)
{
	for (struct mchild *k = ch->kids; k != NULL; k = k->next) {
		if (k->c.pid == pid) {
			return k;
		}
	}
	return NULL;
}

static void
kid_free(struct chan *ch, struct mchild *k)
{
	for (struct mchild **pp = &ch->kids; *pp != NULL;
	    pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	}
	exec_close(&k->c);
	cgroup_cmd_free(k->cg);
	free(k);
}

/*
 * CLOSE: the network part is done with a command.  One still running (its
 * pipes never reached the network part) is killed first and given a
 * moment to die, so that no zombie is left; one that survives KILL (in D
 * state) is left, as the network part's stop leaves it.
 */
static void
close_kid(struct chan *ch, struct mchild *k)
{
	struct pollfd	pfd = { k->c.pidfd, POLLIN, 0 };
	int		how, code;

	if (!k->c.exited && exec_reap(&k->c, &how, &code) == 0) {
		exec_signal(&k->c, SIGKILL);
		if (k->cg != NULL) {
			(void)cgroup_cmd_kill(k->cg);
		}
		if (poll(&pfd, 1, 1000) == 1) {
			(void)exec_reap(&k->c, &how, &code);
		}
	}
	kid_free(ch, k);
}

static void
plan_drop(struct chan *ch)
{
	exec_plan_free(ch->plan);
	wire_exec_free(ch->e);
	snapshot_put(ch->snap);
	ch->plan = NULL;
	ch->e = NULL;
	ch->snap = NULL;
}

static void
refuse(struct priv_rep *r, uint16_t err, int code, const char *msg)
{
	r->rc = -1;
	r->err = err;
	r->code = code;
	(void)strlcpy(r->msg, msg, sizeof(r->msg));
}

/* PREPARE: the same judgement as request.c's, made again here; the
 * plan's account, directory and forced command go back in *out. */
static void
prepare(struct chan *ch, const struct priv_req *q, const uint8_t *pay,
    struct priv_rep *r, struct priv_plan *out, size_t *outlen)
{
	struct policy_decision	 dec;
	const struct key	*key;
	const char		*why = NULL;
	char			 msg[512];
	size_t			 index = 0;
	int			 code;

	plan_drop(ch);
	if ((ch->snap = monitor_gen_hold(q->gen)) == NULL) {
		log_err("asked to judge a command under configuration %lu, "
		    "which is not loaded", (unsigned long)q->gen);
		refuse(r, ERR_INTERNAL, 255, "the server has no such "
		    "configuration loaded");
		return;
	}
	/* Over TCP, only the key the client proved on this connection. */
	if (q->transport == WIRE_TCP && (strcmp(q->keyid, ch->proven) != 0 ||
	    q->gen != ch->proven_gen)) {
		log_err("asked to run a command for key '%s' on a connection "
		    "whose client proved %s%s%s; refused", q->keyid,
		    ch->proven[0] != '\0' ? "key '" : "no key",
		    ch->proven, ch->proven[0] != '\0' ? "'" : "");
		refuse(r, ERR_DENIED, 255, "the key was not proven on this "
		    "connection");
		return;
	}
	/* Over UDP, only the key that opened the request, once. */
	if (q->transport == WIRE_UDP && monitor_udp_claim(q->token, q->keyid,
	    q->gen, &index) == -1) {
		log_err("asked to run a UDP command for key '%s' with no "
		    "request of that key open; refused", q->keyid);
		refuse(r, ERR_DENIED, 255, "the key did not open this "
		    "request");
		return;
	}
	/* The very line that proved it: a key id may have several, by
	 * name=, each with options of its own. */
	key = keys_at(ch->snap->keys, q->transport == WIRE_UDP ? index :
	    ch->proven_index);
	if (key == NULL || strcmp(key->id, q->keyid) != 0 || policy_admit(ch->snap->policy, key, &q->peer,
	    q->transport) != POLICY_OK) {
		log_err("asked to run a command for key '%s', which may not "
		    "be used from there; refused", q->keyid);
		refuse(r, ERR_DENIED, 255, "the key may not run commands from "
		    "this address");
		return;
	}
	if (wire_exec_decode(pay, q->paylen, q->transport, &ch->e,
	    &why) != WIRE_OK) {
		ch->e = NULL;
		refuse(r, ERR_BAD_REQUEST, 255, why);
		return;
	}
	if ((ch->e->flags & EXEC_FLAG_SHELL) && ch->e->argc != 1) {
		refuse(r, ERR_BAD_REQUEST, 255, "SHELL takes exactly one ARG");
		return;
	}
	if (policy_exec(ch->snap->policy, key, ch->e, &q->peer, &dec, msg,
	    sizeof(msg)) == -1) {
		refuse(r, ERR_DENIED, 255, msg);
		return;
	}
	memset(out, 0, sizeof(*out));
	(void)strlcpy(out->account, dec.grant.acct->name,
	    sizeof(out->account));
	if (dec.grant.forced != NULL) {
		(void)strlcpy(out->forced, dec.grant.forced,
		    sizeof(out->forced));
	}
	ch->plan = exec_plan_new(ch->e, &dec.grant, msg, sizeof(msg), &code);
	policy_decision_free(&dec);
	if (ch->plan == NULL) {
		refuse(r, ERR_EXEC_FAILED, code, msg);
		return;
	}
	(void)strlcpy(out->cwd, exec_plan_cwd(ch->plan), sizeof(out->cwd));
	r->rc = 0;
	*outlen = sizeof(*out);
}

/* S2's status for a C1 whose Tc hs_server_verify has judged: the same
 * order as the network part's judgement was before the split. */
static uint8_t
auth_status(const struct snapshot *snap, const struct key *key,
    int verified, struct hs_server *hs, const struct priv_req *q,
    const char *local, int32_t *why)
{
	if (!verified || key == NULL) {
		*why = key == NULL ? PRIV_AUTH_UNKNOWN : PRIV_AUTH_MAC;
		return HS_AUTH_FAILED;
	}
	switch (policy_admit(snap->policy, key, &q->peer, WIRE_TCP)) {
	case POLICY_OK:
	case POLICY_NO_UDP:
		break;
	case POLICY_ADDRESS:
		*why = PRIV_AUTH_ADDRESS;
		return HS_ADDR_DENIED;
	default:
		*why = PRIV_AUTH_SKIPPED;
		return HS_AUTH_FAILED;
	}
	if (!snapshot_name_ok(snap, hs->name, hs->namelen, local)) {
		*why = PRIV_AUTH_NAME;
		return HS_BAD_NAME;
	}
	*why = PRIV_AUTH_OK;
	return HS_OK;
}

/*
 * AUTH: the handshake's Tc checked with the key's PSK, which never leaves
 * this process, and S2 and the session keys made from the network part's
 * X25519 result.  A channel serves one connection, so it authenticates
 * once; a proven key id is bound to it for PREPARE.
 */
static void
auth(struct chan *ch, const struct priv_req *q, uint8_t *pay,
    struct priv_rep *r)
{
	struct priv_auth	 a;
	struct hs_server	 hs;
	struct snapshot		*snap = NULL;
	const struct key	*key;
	size_t			 used = 0;
	uint8_t			 status;
	long			 n;

	memcpy(&a, pay, sizeof(a));
	crypto_wipe(pay, sizeof(a));
	memset(&hs, 0, sizeof(hs));
	a.local[sizeof(a.local) - 1] = '\0';
	if (ch->authed) {
		log_err("asked to authenticate a second client on one "
		    "connection; refused");
		refuse(r, ERR_INTERNAL, 255, "one handshake per connection");
		goto out;
	}
	ch->authed = 1;
	/* Only a handshake begun with a nonce drawn here, for this
	 * channel: a recorded S1 and C1 cannot be played again. */
	if (!ch->ns_set || crypto_memeq_ct(a.s1 + 4, ch->ns,
	    HS_NONCELEN) != 0) {
		log_err("asked to authenticate a handshake whose S1 does not "
		    "carry the nonce drawn for it; refused");
		refuse(r, ERR_INTERNAL, 255, "not this channel's handshake");
		goto out;
	}
	ch->ns_set = 0;
	crypto_wipe(ch->ns, sizeof(ch->ns));
	if ((snap = monitor_gen_hold(q->gen)) == NULL) {
		log_err("asked to authenticate a client under configuration "
		    "%lu, which is not loaded", (unsigned long)q->gen);
		refuse(r, ERR_INTERNAL, 255, "no such configuration");
		goto out;
	}
	/* The very bytes the network part read, and nothing after them. */
	if (a.c1len > sizeof(a.c1) || hs_server_resume(&hs, a.s1) == -1 ||
	    hs_server_read_c1(&hs, a.c1, a.c1len, &used) != WIRE_OK ||
	    used != a.c1len) {
		log_err("a malformed handshake from the network part; "
		    "refused");
		refuse(r, ERR_INTERNAL, 255, "malformed handshake");
		goto out;
	}
	/* By id and the name asked for: a name= line serves no other. */
	key = keys_find_id(snap->keys, hs.keyid, strlen(hs.keyid), hs.name,
	    hs.namelen);
	/* An unknown id is checked with a dummy key: the same work. */
	status = auth_status(snap, key, hs_server_verify(&hs, key != NULL ?
	    key->psk : NULL) == 0, &hs, q, a.local, &r->why);
	n = hs_server_finish_dh(&hs, status, status == HS_OK && a.dh_ok ?
	    a.dh : NULL, r->s2, &r->keys);
	r->status = status;
	r->s2len = (int32_t)n;
	if (status == HS_OK && n == HS_S2LEN) {
		(void)strlcpy(ch->proven, hs.keyid, sizeof(ch->proven));
		ch->proven_gen = q->gen;
		ch->proven_index = keys_index(snap->keys, key);
	}
	r->rc = 0;
out:
	snapshot_put(snap);
	hs_server_clear(&hs);
	crypto_wipe(&a, sizeof(a));
}

/* START: the planned command, and its fds for the network part. */
static void
start(struct chan *ch, const struct priv_req *q, struct priv_rep *r,
    int *fds, int *nfds)
{
	struct mchild	*k;
	char		 msg[512];
	int		 code, cgfd = -1, rc;

	if (ch->plan == NULL) {
		refuse(r, ERR_INTERNAL, 255, "nothing was planned to start");
		return;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		refuse(r, ERR_EXEC_FAILED, 255, "out of memory");
		plan_drop(ch);
		return;
	}
	k->cg = cgroup_cmd_new(&cgfd, &code);
	if (k->cg == NULL && code != 0) {
		snprintf(msg, sizeof(msg), "cannot make the command's "
		    "cgroup: %s; the server is out of resources",
		    strerror(code));
		refuse(r, ERR_EXEC_FAILED, 255, msg);
		free(k);
		plan_drop(ch);
		return;
	}
	rc = exec_spawn(ch->plan, cgfd, q->arg, &k->c, msg, sizeof(msg),
	    &code);
	if (cgfd != -1) {
		close(cgfd);
	}
	plan_drop(ch);
	if (rc == -1) {
		cgroup_cmd_free(k->cg);
		free(k);
		refuse(r, ERR_EXEC_FAILED, code, msg);
		return;
	}
	k->next = ch->kids;
	ch->kids = k;
	r->rc = 0;
	r->pid = k->c.pid;
	r->pty = k->c.pty;
	r->cgroup = k->cg != NULL;
	/* The pipes are the network part's; the pidfd stays ours too. */
	fds[(*nfds)++] = k->c.pidfd;
	r->fds |= PRIV_FD_PIDFD;
	if (k->c.in_fd != -1) {
		fds[(*nfds)++] = k->c.in_fd;
		r->fds |= PRIV_FD_IN;
	}
	fds[(*nfds)++] = k->c.out_fd;
	r->fds |= PRIV_FD_OUT;
	if (k->c.err_fd != -1) {
		fds[(*nfds)++] = k->c.err_fd;
		r->fds |= PRIV_FD_ERR;
	}
}

/* The signals a command may be sent, by its client or its stop. */
static int
signal_ok(int sig)
{
	return sig == SIGHUP || sig == SIGINT || sig == SIGQUIT ||
	    sig == SIGKILL || sig == SIGTERM || sig == SIGCONT;
}

/* UDP_OPEN, UDP_SEAL: the answer's bytes go in ch->out, *outlen. */
static void
answer_udp(struct chan *ch, const struct priv_req *q, uint8_t *pay,
    struct priv_rep *r, size_t *outlen)
{
	struct snapshot	*s;

	if (q->op == PRIV_UDP_DROP) {
		monitor_udp_drop(q);
		return;
	}
	if (q->op == PRIV_UDP_SEAL) {
		monitor_udp_seal(q, pay, q->paylen, r, ch->out, outlen);
		return;
	}
	if ((s = monitor_gen_hold(q->gen)) == NULL) {
		log_err("asked to open a UDP request under configuration "
		    "%lu, which is not loaded", (unsigned long)q->gen);
		r->rc = -1;
		r->why = PRIV_UDP_UNKNOWN;
		return;
	}
	monitor_udp_open(s, q, pay, q->paylen, r, ch->out, outlen);
	snapshot_put(s);
}

/* Logs the lines of a keys report, one by one, and frees it. */
static void
log_report(char *report)
{
	char *line, *save = NULL;

	for (line = report != NULL ? strtok_r(report, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		log_err("%s", line);
	}
	free(report);
}

/*
 * Loads the files as generation gen, first: a generation this part could
 * not load never comes into force.  The answer carries a memfd with what
 * the network part builds its snapshot from (snapmat.h), secrets out.
 */
static void
reload(unsigned long gen, struct priv_rep *r, int *fds, int *nfds)
{
	struct snapshot	*s, *boot;
	char		 err[1024], *report = NULL;
	int		 fd;

	if ((s = snapshot_load(src, self, gen, &report, err,
	    sizeof(err))) == NULL) {
		log_report(report);
		refuse(r, ERR_INTERNAL, 255, err);
		return;
	}
	log_report(report);
	/* Nothing here watches for reloads. */
	close(s->retired_fd);
	s->retired_fd = -1;
	if ((boot = monitor_gen_hold(1)) != NULL &&
	    snapshot_reload_ok(src, boot, s, err, sizeof(err)) == -1) {
		snapshot_put(boot);
		snapshot_put(s);
		refuse(r, ERR_INTERNAL, 255, err);
		return;
	}
	snapshot_put(boot);
	if ((fd = snapmat_make(s, err, sizeof(err))) == -1 ||
	    gen_add(s) == -1) {
		if (fd != -1) {
			close(fd);
		}
		snapshot_put(s);
		refuse(r, ERR_INTERNAL, 255, fd == -1 ? err :
		    "out of memory");
		return;
	}
	fds[0] = fd;
	*nfds = 1;
}

/* The port file rshd was told to write, and no other. */
static void
port_file(int64_t port, struct priv_rep *r)
{
	const char	*path = boot_snap->conf.port_file;
	char		 msg[PRIV_TEXTMAX];

	if (path == NULL || port < 0 || port > 65535) {
		refuse(r, ERR_INTERNAL, 255, "no port file to write");
		return;
	}
	if (runfiles_write_port(path, (int)port) == -1) {
		snprintf(msg, sizeof(msg), "port file %s: %s", path,
		    strerror(errno));
		refuse(r, ERR_INTERNAL, 255, msg);
	}
}

static void
answer(struct chan *ch, const struct priv_req *q, uint8_t *pay,
    struct priv_rep *r, int *fds, int *nfds, size_t *outlen)
{
	struct mchild	*k = NULL;

	switch (q->op) {
	case PRIV_UDP_OPEN:
	case PRIV_UDP_SEAL:
	case PRIV_UDP_DROP:
		answer_udp(ch, q, pay, r, outlen);
		return;
	case PRIV_PREPARE:
		prepare(ch, q, pay, r, (struct priv_plan *)(void *)ch->out,
		    outlen);
		return;
	case PRIV_START:
		start(ch, q, r, fds, nfds);
		return;
	case PRIV_RUN:
		/* The same two steps, with nothing in between: the plan
		 * goes back even when the start fails, for the audit. */
		prepare(ch, q, pay, r, (struct priv_plan *)(void *)ch->out,
		    outlen);
		if (r->rc == 0) {
			start(ch, q, r, fds, nfds);
		}
		return;
	case PRIV_AUTH:
		auth(ch, q, pay, r);
		return;
	case PRIV_HELLO:
		if (ch->authed || crypto_random(ch->ns, HS_NONCELEN) == -1) {
			refuse(r, ERR_INTERNAL, 255, "no nonce");
			return;
		}
		ch->ns_set = 1;
		memcpy(r->ns, ch->ns, HS_NONCELEN);
		return;
	case PRIV_STARTING:
		r->n = (int32_t)exec_starting();
		return;
	case PRIV_RELOAD:
		reload(q->gen, r, fds, nfds);
		return;
	case PRIV_PORT_FILE:
		port_file(q->arg, r);
		return;
	case PRIV_AUDIT_OPEN:
		if (boot_snap->conf.audit_log == NULL) {
			refuse(r, ERR_INTERNAL, ENOENT, "no AuditLog");
		} else if ((fds[0] = audit_open_file(
		    boot_snap->conf.audit_log)) == -1) {
			refuse(r, ERR_INTERNAL, errno, "cannot open it");
		} else {
			*nfds = 1;
		}
		return;
	case PRIV_FORGET:
		if (q->gen != 1) {	/* the boot one stays */
			gen_forget(q->gen);
		}
		return;
	default:
		break;
	}
	if ((k = kid_find(ch, q->pid)) == NULL) {
		log_err("asked about pid %d, which is no command of that "
		    "connection; refused", (int)q->pid);
		refuse(r, ERR_INTERNAL, 255, "no such command");
		return;
	}
	switch (q->op) {
	case PRIV_REAP:
		/* With PRIV_REAP_CLOSE, serve_one lets it go once this
		 * answer is sent (its exit is what the client waits for). */
		r->rc = exec_reap(&k->c, &r->how, &r->code);
		r->cpu_us = k->c.cpu_us;
		r->maxrss_kib = k->c.maxrss_kib;
		break;
	case PRIV_SIGNAL:
		if (!signal_ok(q->sig)) {
			refuse(r, ERR_INTERNAL, 255, "no such signal");
			break;
		}
		exec_signal(&k->c, q->sig);
		if ((q->flags & PRIV_SIG_SESSION) && k->c.pty) {
			pgroup_signal_session(k->c.pid, q->sig);
		}
		if ((q->flags & PRIV_SIG_CGROUP) && q->sig == SIGKILL &&
		    k->cg != NULL) {
			(void)cgroup_cmd_kill(k->cg);
		}
		break;
	case PRIV_HOLDERS:
		r->n = pgroup_holders(k->c.pid, (ino_t)q->arg, r->pids,
		    PRIV_MAXHOLDERS);
		break;
	case PRIV_SIGNAL_HOLDER:
		if (!signal_ok(q->sig) || q->arg <= 1) {
			refuse(r, ERR_INTERNAL, 255, "no such signal");
			break;
		}
		/* pgroup checks that it is in the group and holds ino. */
		pgroup_signal_holder((pid_t)q->arg, k->c.pid, (ino_t)q->arg2,
		    q->sig);
		break;
	case PRIV_HAS_RUNNER:
		r->rc = (q->flags & PRIV_RUN_SESSION) ?
		    pgroup_session_has_runner(k->c.pid, q->arg) :
		    pgroup_has_runner(k->c.pid, q->arg);
		break;
	case PRIV_POPULATED:
		r->rc = k->cg != NULL && cgroup_cmd_populated(k->cg) == 1;
		break;
	case PRIV_CLOSE:
		close_kid(ch, k);
		break;
	default:
		refuse(r, ERR_INTERNAL, 255, "no such request");
		break;
	}
}

static int
send_answer(int fd, struct priv_rep *r, const int *fds, int nfds,
    const uint8_t *out, size_t outlen)
{
	char		 cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct msghdr	 m;
	struct iovec	 iov[2] = { { r, sizeof(*r) },
			    { (void *)(uintptr_t)out, outlen } };
	struct cmsghdr	*cm;
	ssize_t		 n;

	r->paylen = (uint32_t)outlen;
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = outlen > 0 ? 2 : 1;
	if (nfds > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	do {
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	return n == (ssize_t)(sizeof(*r) + outlen) ? 0 : -1;
}

/* A request that is what it says it is, or -1. */
static int
check_request(const struct priv_req *q, ssize_t n)
{
	if (n < (ssize_t)sizeof(*q) ||
	    (size_t)n - sizeof(*q) != q->paylen ||
	    q->paylen > WIRE_MAXPAYLOAD ||
	    memchr(q->keyid, '\0', sizeof(q->keyid)) == NULL ||
	    q->op < PRIV_PREPARE || q->op > PRIV_LASTOP) {
		return -1;
	}
	if (q->op == PRIV_AUTH && q->paylen != sizeof(struct priv_auth)) {
		return -1;
	}
	if ((q->op == PRIV_AUTH || q->op == PRIV_UDP_OPEN) &&
	    q->peer.ss_family != AF_INET && q->peer.ss_family != AF_INET6) {
		return -1;
	}
	if ((q->op == PRIV_UDP_OPEN && (q->paylen == 0 ||
	    q->paylen > 65536)) || (q->op == PRIV_UDP_SEAL &&
	    (q->paylen < sizeof(struct priv_seal) ||
	    q->paylen - sizeof(struct priv_seal) > UDP_MAXV6))) {
		return -1;
	}
	if ((q->op == PRIV_PREPARE || q->op == PRIV_RUN) &&
	    ((q->transport != WIRE_TCP && q->transport != WIRE_UDP) ||
	    (q->peer.ss_family != AF_INET &&
	    q->peer.ss_family != AF_INET6))) {
		return -1;
	}
	return 0;
}

/*
 * The network part let go of the channel: what it started there and
 * that still runs has no owner now, and goes with its group.
 */
static void
orphans(struct chan *ch)
{
	while (ch->kids != NULL) {
		struct mchild	*k = ch->kids;
		siginfo_t	 si;
		int		 how, code;

		if (exec_reap(&k->c, &how, &code) == 0) {
			log_warn("pid %d lost its connection's thread while it "
			    "ran; killing its group", (int)k->c.pid);
			exec_signal(&k->c, SIGKILL);
			if (k->c.pty) {
				pgroup_signal_session(k->c.pid, SIGKILL);
			}
			if (k->cg != NULL) {
				(void)cgroup_cmd_kill(k->cg);
			}
			memset(&si, 0, sizeof(si));
			(void)waitid(P_PID, (id_t)k->c.pid, &si,
			    WEXITED | WNOWAIT);
			k->c.exited = 1;
		}
		kid_free(ch, k);
	}
}

/*
 * One request read from the channel and answered: 0, or -1 when the
 * channel is done (the network part closed it, or broke its rules).
 */
static int
serve_one(struct chan *ch)
{
	struct priv_req	q;
	struct priv_rep	r;
	ssize_t		n;
	int		fds[4];
	int		nfds = 0, started;
	size_t		outlen = 0;

	do {
		n = recv(ch->fd, ch->buf, PRIV_REQMAX, MSG_TRUNC);
	} while (n == -1 && errno == EINTR);
	if (n <= 0) {
		return -1;
	}
	/* The scratch is kept for other channels: nothing of a refused
	 * request stays in it. */
	if (n > (ssize_t)PRIV_REQMAX) {
		crypto_wipe(ch->buf, PRIV_REQMAX);
		log_err("a request of %zd bytes from the network part; "
		    "closing its channel", n);
		return -1;
	}
	memcpy(&q, ch->buf, n < (ssize_t)sizeof(q) ? (size_t)n : sizeof(q));
	if (check_request(&q, n) == -1) {
		crypto_wipe(ch->buf, (size_t)n);
		log_err("a malformed request from the network part; closing "
		    "its channel");
		return -1;
	}
	memset(&r, 0, sizeof(r));
	answer(ch, &q, ch->buf + sizeof(q), &r, fds, &nfds, &outlen);
	n = send_answer(ch->fd, &r, fds, nfds, ch->out, outlen);
	started = (q.op == PRIV_START || q.op == PRIV_RUN) && r.rc == 0;
	/* An AUTH's answer holds session keys; an OPEN's bytes are a
	 * request's plaintext, a SEAL's request a reply's. */
	if (q.op == PRIV_AUTH) {
		crypto_wipe(&r, sizeof(r));
	}
	if (outlen > 0) {
		crypto_wipe(ch->out, outlen);
	}
	if (q.op == PRIV_UDP_OPEN || q.op == PRIV_UDP_SEAL) {
		crypto_wipe(ch->buf + sizeof(q), q.paylen);
	}
	if ((q.op == PRIV_RELOAD || q.op == PRIV_AUDIT_OPEN) && nfds == 1) {
		close(fds[0]);	/* sent, or not wanted */
	}
	/* A command that exited and that the network part is done with:
	 * as CLOSE, but after the exit went out. */
	if (q.op == PRIV_REAP && (q.flags & PRIV_REAP_CLOSE) && r.rc == 1) {
		close_kid(ch, kid_find(ch, q.pid));
	}
	if (n == -1) {
		return -1;
	}
	/* Sent: the network part has its copies of the pipes. */
	if (started) {
		struct mchild *k = ch->kids;

		close(k->c.in_fd);
		close(k->c.out_fd);
		if (k->c.err_fd != -1) {
			close(k->c.err_fd);
		}
		k->c.in_fd = k->c.out_fd = k->c.err_fd = -1;
	}
	return 0;
}

/* The channel is done: what still runs on it goes, and so does it. */
static void
chan_end(struct chan *ch)
{
	orphans(ch);
	plan_drop(ch);
	close(ch->fd);
	free(ch);
	atomic_store(&trim_due, 1);
	pthread_mutex_lock(&chans_lock);
	if (--nchans == 0) {
		pthread_cond_broadcast(&chans_gone);
	}
	pthread_mutex_unlock(&chans_lock);
}

static struct scratch *
scratch_get(void)
{
	struct scratch	*sc = NULL;

	(void)pthread_mutex_lock(&scratch_lock);
	if (scratch_nkept > 0) {
		sc = scratch_kept[--scratch_nkept];
	}
	(void)pthread_mutex_unlock(&scratch_lock);
	/* mmap, not malloc: freed, it goes back to the kernel, where
	 * malloc would keep it in one of its per-thread arenas. */
	if (sc == NULL && (sc = mmap(NULL, sizeof(*sc), PROT_READ |
	    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED) {
		sc = NULL;
	}
	return sc;
}

static void
scratch_put(struct scratch *sc)
{
	(void)pthread_mutex_lock(&scratch_lock);
	if (scratch_nkept < SCRATCH_KEEP) {
		scratch_kept[scratch_nkept++] = sc;
		sc = NULL;
	}
	(void)pthread_mutex_unlock(&scratch_lock);
	if (sc != NULL) {
		(void)munmap(sc, sizeof(*sc));
	}
}

/*
 * A thread's channel: it answers requests until the channel has been
 * quiet for PARK_AFTER_MS, then parks it (chanpark gets a thread for it
 * again when the next request comes), or until it ends.  The scratch
 * stays with the thread, so a parked channel keeps none.
 */
static void
serve_chan(struct chan *ch, struct scratch *sc)
{
	for (;;) {
		struct pollfd	pfd = { ch->fd, POLLIN, 0 };
		int		r;

		ch->buf = sc->req;
		ch->out = sc->out;
		if ((r = poll(&pfd, 1, PARK_AFTER_MS)) == 0) {
			ch->buf = ch->out = NULL;
			if (chanpark_add(ch->fd, ch) == 0) {
				return;		/* ch is chanpark's now */
			}
			continue;
		}
		if (r == -1 && errno == EINTR) {
			continue;
		}
		if (r == -1 || serve_one(ch) == -1) {
			break;
		}
	}
	ch->buf = ch->out = NULL;
	chan_end(ch);
}

/* The next channel handed to this thread within PARK_AFTER_MS, or NULL. */
static struct chan *
next_chan(void)
{
	struct timespec	 until;
	struct chan	*ch;
	int		 e = 0;

	if (clock_gettime(CLOCK_MONOTONIC, &until) == -1) {
		return NULL;
	}
	until.tv_nsec += PARK_AFTER_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	(void)pthread_mutex_lock(&idle_lock);
	nidle++;
	while (handoff == NULL && e != ETIMEDOUT) {
		e = pthread_cond_timedwait(&idle_cond, &idle_lock, &until);
	}
	ch = handoff;
	handoff = NULL;
	nidle--;
	(void)pthread_mutex_unlock(&idle_lock);
	return ch;
}

/*
 * A serving thread: its first channel's, then each channel handed to it
 * while it waits, with the scratch serve_thread gave it (through the
 * first channel's buffers) until it ends.
 */
static void *
serve(void *arg)
{
	struct chan	*ch = arg;
	struct scratch	*sc = (struct scratch *)(void *)ch->buf;

	do {
		serve_chan(ch, sc);
	} while ((ch = next_chan()) != NULL);
	scratch_put(sc);
	atomic_store(&trim_due, 1);
	return NULL;
}

/*
 * A thread for ch, a waiting one or a new one, detached: 0, or an errno
 * (ENOMEM when there is no scratch for it; the caller then answers on
 * the parking thread, as when no thread can be had).
 */
static int
serve_thread(struct chan *ch)
{
	pthread_attr_t	 attr;
	pthread_t	 t;
	struct scratch	*sc;
	size_t		 ss;
	int		 e;

	(void)pthread_mutex_lock(&idle_lock);
	if (nidle > 0 && handoff == NULL) {
		handoff = ch;
		(void)pthread_cond_signal(&idle_cond);
		(void)pthread_mutex_unlock(&idle_lock);
		return 0;
	}
	(void)pthread_mutex_unlock(&idle_lock);
	if ((sc = scratch_get()) == NULL) {
		return ENOMEM;
	}
	if ((e = pthread_attr_init(&attr)) != 0) {
		scratch_put(sc);
		return e;
	}
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Room enough, whatever RLIMIT_STACK says. */
	if (pthread_attr_getstacksize(&attr, &ss) == 0 &&
	    ss < SERVE_STACK_MIN) {
		(void)pthread_attr_setstacksize(&attr, SERVE_STACK_MIN);
	}
	ch->buf = sc->req;	/* serve finds its scratch here */
	ch->out = sc->out;
	if ((e = pthread_create(&t, &attr, serve, ch)) != 0) {
		ch->buf = ch->out = NULL;
		scratch_put(sc);
	}
	(void)pthread_attr_destroy(&attr);
	return e;
}

/*
 * chanpark's callback, on its thread: a parked channel has a request
 * (or hung up).  Without a thread for it, that thread answers it.
 */
static void
unpark(void *arg)
{
	static struct scratch	 sc;	/* chanpark's thread's alone */
	struct chan		*ch = arg;
	int			 e, rc;

	if ((e = serve_thread(ch)) == 0) {
		return;
	}
	log_warn("cannot start a thread for a channel (%s); answering "
	    "its request on the parking thread", strerror(e));
	ch->buf = sc.req;
	ch->out = sc.out;
	rc = serve_one(ch);
	ch->buf = ch->out = NULL;
	if (rc == -1 || chanpark_add(ch->fd, ch) == -1) {
		chan_end(ch);
	}
}

/* A new channel from hello: 1, 0 when hello ended, -1 on error. */
static int
take_channel(int hello)
{
	char		 cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr	 m;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	struct chan	*ch;
	struct sandbox_report rep;
	ssize_t		 n;
	int		 fd = -1, e;

	memset(&m, 0, sizeof(m));
	memset(&rep, 0, sizeof(rep));
	iov.iov_base = &rep;
	iov.iov_len = sizeof(rep);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	do {
		n = recvmsg(hello, &m, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n <= 0) {
		return n == 0 ? 0 : -1;
	}
	for (cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		}
	}
	if (fd == -1 && n == (ssize_t)sizeof(rep) &&
	    rep.tag == SANDBOX_REPORT_TAG) {
		log_err("the network part made system call %d (%s), which "
		    "its seccomp filter forbids, and was killed for it",
		    (int)rep.nr, sandbox_syscall_name(&rep));
		return 1;
	}
	if (fd == -1) {
		if (m.msg_flags & MSG_CTRUNC) {
			log_err("no fd left for a new channel; its command "
			    "is refused");
		}
		return 1;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL) {
		close(fd);	/* its thread's calls fail, and say so */
		return 1;
	}
	ch->fd = fd;
	pthread_mutex_lock(&chans_lock);
	nchans++;
	pthread_mutex_unlock(&chans_lock);
	/* Without a thread (rshd's processes or threads are used up),
	 * the parking thread answers it. */
	if ((e = serve_thread(ch)) != 0) {
		log_warn("cannot start a thread for a channel: %s",
		    strerror(e));
		if (chanpark_add(fd, ch) == -1) {
			chan_end(ch);
		}
	}
	return 1;
}

/* idle_cond, timed by CLOCK_MONOTONIC: 0, or -1 with errno. */
static int
idle_cond_init(void)
{
	pthread_condattr_t	a;
	int			e;

	if ((e = pthread_condattr_init(&a)) == 0) {
		if ((e = pthread_condattr_setclock(&a,
		    CLOCK_MONOTONIC)) == 0) {
			e = pthread_cond_init(&idle_cond, &a);
		}
		(void)pthread_condattr_destroy(&a);
	}
	errno = e;
	return e == 0 ? 0 : -1;
}

/* Freed heap back to the kernel, once quiet, if anything was freed. */
static void
trim_if_due(void)
{
	if (atomic_exchange(&trim_due, 0) != 0) {
#ifdef __GLIBC__
		(void)malloc_trim(0);
#endif
	}
}

void
monitor_run(int hello, const struct snapshot_source *s,
    const struct exec_account *a, struct snapshot *boot)
{
	struct pollfd	pfd = { hello, POLLIN, 0 };
	char		why[512];
	long long	until;

	src = s;
	self = a;
	boot_snap = boot;
	net_pid = getppid();
	(void)prctl(PR_SET_NAME, "rshd-priv", 0, 0, 0);
#ifdef __GLIBC__
	/*
	 * One malloc arena for all serving threads.  glibc gives each new
	 * thread an arena of its own, up to 8 per CPU, each with some 28
	 * KiB touched that a trim leaves (its header, its top): a burst of
	 * 300 connections cost this part 376 KiB that way, for threads
	 * that allocate a plan and a few small structs per command.
	 */
	(void)mallopt(M_ARENA_MAX, 1);
#endif
	title_privileged();
	if (gen_add(boot) == -1 || monitor_udp_init(boot) == -1) {
		log_err("out of memory");
		_exit(1);
	}
	/* Named after the network part, the rshd an operator knows. */
	if (cgroup_init(boot->conf.command_cgroups, (long)getppid(), why,
	    sizeof(why)) == 1) {
		log_info("each command runs in a cgroup of its own under %s",
		    cgroup_base());
	} else {
		log_info("commands are stopped by process group: %s", why);
	}
	if (idle_cond_init() == -1 || chanpark_start(unpark) == -1) {
		log_err("cannot start the thread that watches quiet "
		    "channels: %s", strerror(errno));
		_exit(1);
	}
	if (startwatch_start() == -1) {
		log_err("cannot start the thread that watches commands' "
		    "starts: %s", strerror(errno));
		_exit(1);
	}
	for (;;) {
		int r = poll(&pfd, 1, 1000);

		(void)cgroup_sweep();
		if (r == 0) {
			trim_if_due();
		}
		if (r == -1 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (r > 0 && take_channel(hello) <= 0) {
			break;	/* the network part is gone */
		}
	}
	close(hello);
	/* Each channel ends with its thread in the network part. */
	pthread_mutex_lock(&chans_lock);
	while (nchans > 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		(void)pthread_cond_timedwait(&chans_gone, &chans_lock, &ts);
		pthread_mutex_unlock(&chans_lock);
		(void)cgroup_sweep();
		pthread_mutex_lock(&chans_lock);
	}
	pthread_mutex_unlock(&chans_lock);
	/* What killed commands left: their cgroups, once empty. */
	until = netio_now_ms() + 2000;
	while (cgroup_sweep() > 0 && netio_now_ms() < until) {
		(void)poll(NULL, 0, 50);
	}
	/* The network part may have no right to remove it. */
	runfiles_remove_pid(boot->conf.pid_file, net_pid);
	_exit(0);
}
