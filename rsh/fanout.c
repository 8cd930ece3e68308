/*
 * fanout: a fixed array of slots, each a connection and its sink; a host
 * takes a free slot, and its slot is freed (connection closed, buffers
 * released) as soon as its command ends.  Key files are loaded once per
 * path, however many hosts use them.
 */
#include <sys/resource.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "netio.h"
#include "wire.h"

#include "client.h"
#include "conn.h"
#include "fanout.h"
#include "hostlist.h"
#include "json.h"
#include "opts.h"
#include "prefix.h"
#include "sink.h"
#include "target.h"

/* Descriptors besides the connections: stdio, the signalfd, a key or
 * config file being read, and some to spare. */
#define FD_SLACK	16

struct slot {
	const char	*host;		/* the list's entry */
	struct target	 t;
	struct key	 key;		/* t's, for c: derived from a fleet
					 * key, wiped when c is done */
	struct conn	*c;		/* NULL: the slot is free */
	struct prefix	 px;
	struct json	 js;
	struct sink	*s;
	int		 npfd;		/* pollfds it has this round */
};

struct keyfile {
	char		*path;
	struct keyring	*keys;		/* NULL: it did not load */
	char		 err[512];
	int		 said;		/* err printed once, not per host */
};

struct fan {
	const struct opts	*o;
	const struct hostlist	*hosts;
	const struct wire_exec	*e;
	struct slot		*slot;
	int			 nslot, live, peak;
	size_t			 next;		/* the next host to start */
	struct keyfile		*kf;
	size_t			 nkf;
	int			 status;	/* the largest so far */
	int			 sig;		/* the first signal, or 0 */
	int			 sigpipe;
	struct fanout_failed	 failed;
};

/* The key file at path, loaded once (kf->keys NULL: it failed); NULL
 * when memory runs out. */
static struct keyfile *
keyfile(struct fan *f, const char *path)
{
	struct keyfile	*kf;

	for (size_t i = 0; i < f->nkf; i++) {
		if (strcmp(f->kf[i].path, path) == 0) {
			return &f->kf[i];
		}
	}
	if ((kf = reallocarray(f->kf, f->nkf + 1, sizeof(*kf))) == NULL) {
		return NULL;
	}
	f->kf = kf;
	kf = &f->kf[f->nkf];
	memset(kf, 0, sizeof(*kf));
	if ((kf->path = strdup(path)) == NULL) {
		return NULL;
	}
	f->nkf++;
	kf->keys = keys_load(path, KEYS_CLIENT, kf->err, sizeof(kf->err));
	return kf;
}

static void
sink_setup(struct fan *f, struct slot *sl)
{
	if (f->o->json) {
		json_init(&sl->js, sl->t.display, sl->t.host,
		    (unsigned)atoi(sl->t.port), "tcp");
		sl->s = &sl->js.s;
	} else {
		prefix_init(&sl->px, sl->t.display, sl->host, f->o->block);
		sl->s = &sl->px.s;
	}
	sl->s->verbose = f->o->verbose;
	sl->s->quiet = f->o->quiet;
}

static void
sink_teardown(struct fan *f, struct slot *sl)
{
	if (f->o->json) {
		json_free(&sl->js);
	} else {
		prefix_free(&sl->px);
	}
	sl->s = NULL;
}

/* A host has ended as r says: the status, the summary. */
static void
account(struct fan *f, const struct slot *sl, const struct sink_result *r)
{
	f->status = r->status > f->status ? r->status : f->status;
	f->sigpipe |= r->sigpipe;
	if (r->how != SINK_FAILED && r->how != SINK_NOTSTARTED) {
		return;
	}
	fanout_failed_add(&f->failed, sl->host, r->error != NULL ? r->error :
	    r->how == SINK_NOTSTARTED ? "not started" : "failed");
}

void
fanout_failed_add(struct fanout_failed *ff, const char *host,
    const char *why)
{
	char *line;

	if (ff->n < FANOUT_SUMMARY && asprintf(&line, "%s (%s)", host,
	    why) != -1) {
		ff->line[ff->n] = line;
	}
	ff->n++;
}

void
fanout_failed_say(const struct fanout_failed *ff, size_t nhosts)
{
	size_t shown;

	if (ff->n == 0) {
		return;
	}
	fprintf(stderr, "%s: %zu of %zu host%s failed: ", getprogname(),
	    ff->n, nhosts, nhosts == 1 ? "" : "s");
	shown = ff->n < FANOUT_SUMMARY ? ff->n : FANOUT_SUMMARY;
	for (size_t i = 0; i < shown; i++) {
		fprintf(stderr, "%s%s", i > 0 ? ", " : "",
		    ff->line[i] != NULL ? ff->line[i] : "?");
	}
	if (ff->n > shown) {
		fprintf(stderr, " and %zu more (said above)", ff->n - shown);
	}
	fputc('\n', stderr);
}

void
fanout_failed_free(struct fanout_failed *ff)
{
	for (size_t i = 0; i < FANOUT_SUMMARY; i++) {
		free(ff->line[i]);
		ff->line[i] = NULL;
	}
	ff->n = 0;
}

/*
 * A host that fails before it has a connection: its sink still reports
 * (a JSON object with the error).  say: print why (else it was said).
 */
static void
fail_early(struct fan *f, struct slot *sl, const char *why, int say)
{
	struct sink_result r;

	memset(&r, 0, sizeof(r));
	sink_setup(f, sl);
	sink_begin(sl->s, f->e);
	if (say) {
		sink_msg(sl->s, SINK_ERROR, "%s", why);
	} else {
		strlcpy(sl->s->error, why, sizeof(sl->s->error));
	}
	r.how = SINK_FAILED;
	r.status = RSH_EXIT_FAILURE;
	sink_end(sl->s, &r);
	account(f, sl, &r);
	sink_teardown(f, sl);
}

static void
finish(struct fan *f, struct slot *sl)
{
	account(f, sl, conn_result(sl->c));
	conn_free(sl->c);
	sl->c = NULL;
	crypto_wipe(&sl->key, sizeof(sl->key));
	sink_teardown(f, sl);
	f->live--;
}

/* Starts the next host in the free slot sl. */
static void
start(struct fan *f, struct slot *sl)
{
	struct conn_params	 p;
	struct wire_exec	 e = *f->e;
	struct keyfile		*kf;
	const struct key	*k;
	char			 why[SINK_ERRMAX];

	sl->host = hostlist_get(f->hosts, f->next++);
	if (target_resolve(&sl->t, sl->host, f->o) == -1) {
		snprintf(sl->t.display, sizeof(sl->t.display), "%s", sl->host);
		fail_early(f, sl, "not a valid target (said above)", 0);
		return;
	}
	if ((kf = keyfile(f, sl->t.keypath)) == NULL) {
		fail_early(f, sl, "out of memory", 1);
		return;
	}
	if (kf->keys == NULL) {
		fail_early(f, sl, kf->err, !kf->said);
		kf->said = 1;
		return;
	}
	if ((k = target_key(&sl->t, kf->keys, &sl->key, why,
	    sizeof(why))) == NULL) {
		fail_early(f, sl, why, 1);
		return;
	}
	client_params(&p, &sl->t, f->o, k);
	sink_setup(f, sl);
	if ((sl->c = conn_new(&p, sl->s)) == NULL) {
		crypto_wipe(&sl->key, sizeof(sl->key));
		sink_teardown(f, sl);
		fail_early(f, sl, "out of memory", 1);
		return;
	}
	f->live++;
	f->peak = f->live > f->peak ? f->live : f->peak;
	/* -l or this host's User; conn_exec encodes it at once. */
	e.account = target_account(&sl->t);
	if (conn_exec(sl->c, &e) == 0) {
		(void)conn_start(sl->c);
	}
	if (!conn_busy(sl->c)) {
		finish(f, sl);
	}
}

/* Fills the free slots while hosts are left and nothing said stop. */
static void
fill(struct fan *f)
{
	size_t n = hostlist_count(f->hosts);

	for (int i = 0; i < f->nslot && f->next < n; i++) {
		if (f->sig != 0 || f->sigpipe) {
			return;
		}
		if (f->slot[i].c == NULL) {
			start(f, &f->slot[i]);
		}
	}
}

static void
on_signal(struct fan *f, int sigfd)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si)) {
		return;
	}
	if (f->sig == 0) {
		f->sig = (int)si.ssi_signo;
	}
	for (int i = 0; i < f->nslot; i++) {
		if (f->slot[i].c != NULL) {
			conn_signal(f->slot[i].c, (int)si.ssi_signo);
		}
	}
}

/* One poll() over every live connection and sigfd. */
static int
step(struct fan *f, struct pollfd *pfd, int sigfd)
{
	int n = 0, timeout = -1, t;

	for (int i = 0; i < f->nslot; i++) {
		struct slot *sl = &f->slot[i];

		sl->npfd = 0;
		if (sl->c == NULL) {
			continue;
		}
		sl->npfd = conn_pollfds(sl->c, pfd + n);
		n += sl->npfd;
		t = conn_timeout(sl->c);
		if (t >= 0 && (timeout < 0 || t < timeout)) {
			timeout = t;
		}
	}
	pfd[n].fd = sigfd;
	pfd[n].events = POLLIN;
	pfd[n].revents = 0;
	if (poll(pfd, (nfds_t)n + 1, timeout) == -1) {
		return errno == EINTR ? 0 : -1;
	}
	if (pfd[n].revents & POLLIN) {
		on_signal(f, sigfd);
	}
	n = 0;
	for (int i = 0; i < f->nslot; i++) {
		struct slot *sl = &f->slot[i];

		if (sl->c == NULL) {
			continue;
		}
		conn_events(sl->c, pfd + n, sl->npfd);
		n += sl->npfd;
		if (!conn_busy(sl->c)) {
			finish(f, sl);
		}
	}
	return 0;
}

/* As many at once as the fd limit allows, raised if it can be. */
static int
fit_fds(const struct opts *o, int fanout)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)fanout + FD_SLACK;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need) {
		return fanout;
	}
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need) {
		return fanout;
	}
	if (rl.rlim_cur <= FD_SLACK) {
		return 1;
	}
	if (!o->quiet) {
		fprintf(stderr, "rsh: warning: -f %d needs %d open files and the "
		    "limit is %llu; running %llu at once\n", fanout,
		    fanout + FD_SLACK, (unsigned long long)rl.rlim_cur,
		    (unsigned long long)(rl.rlim_cur - FD_SLACK));
	}
	return (int)(rl.rlim_cur - FD_SLACK);
}

static void
summary(struct fan *f, uint64_t t0)
{
	size_t n = hostlist_count(f->hosts);

	fanout_failed_say(&f->failed, n);
	if (f->next < n) {
		fprintf(stderr, "rsh: interrupted: %zu of %zu hosts not "
		    "started\n", n - f->next, n);
	}
	if (f->o->verbose) {
		fprintf(stderr, "rsh: %zu hosts in %.1f ms, at most %d at "
		    "once\n", f->next, (double)(netio_now_us() - t0) / 1000.0,
		    f->peak);
	}
}

static void
fan_free(struct fan *f)
{
	for (size_t i = 0; i < f->nkf; i++) {
		free(f->kf[i].path);
		keys_free(f->kf[i].keys);
	}
	free(f->kf);
	fanout_failed_free(&f->failed);
	free(f->slot);
}

struct hostlist *
fanout_hosts(const struct opts *o)
{
	struct hostlist	*h;
	char		 err[600];
	size_t		 i;

	if ((h = hostlist_new()) == NULL) {
		fprintf(stderr, "%s: out of memory\n", getprogname());
		return NULL;
	}
	for (i = 0; i < o->nhosts; i++) {
		if (hostlist_add(h, o->hosts[i], err, sizeof(err)) == -1) {
			fprintf(stderr, "%s: -w: %s\n", getprogname(), err);
			goto fail;
		}
	}
	for (i = 0; i < o->nexcludes; i++) {
		if (hostlist_exclude(h, o->excludes[i], err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "%s: -X: %s\n", getprogname(), err);
			goto fail;
		}
	}
	if (hostlist_count(h) == 0) {
		fprintf(stderr, "%s: -w: no hosts %s\n", getprogname(),
		    o->nexcludes > 0 ?
		    "left after -X" : "in the list");
		goto fail;
	}
	return h;
fail:
	hostlist_free(h);
	return NULL;
}

/* Said once here, rather than once for every host. */
static int
exec_fits(const struct wire_exec *e)
{
	uint8_t	*tmp;
	char	 why[256];
	long	 n = -1;

	if ((tmp = malloc(WIRE_MAXPAYLOAD)) == NULL) {
		fprintf(stderr, "rsh: out of memory\n");
		return 0;
	}
	n = wire_exec_encode(e, tmp, WIRE_MAXPAYLOAD, 0);
	free(tmp);
	if (n == -1) {
		wire_exec_toolarge(e, WIRE_MAXPAYLOAD, why, sizeof(why));
		fprintf(stderr, "rsh: %s\n", why);
		return 0;
	}
	return 1;
}

int
fanout_run(const struct opts *o, const struct hostlist *hosts,
    const struct wire_exec *e, int fanout, int sigfd)
{
	struct fan	 f;
	struct pollfd	*pfd;
	uint64_t	 t0 = netio_now_us();
	size_t		 n = hostlist_count(hosts);
	int		 status = RSH_EXIT_FAILURE;

	memset(&f, 0, sizeof(f));
	if (!exec_fits(e)) {
		return RSH_EXIT_FAILURE;
	}
	f.o = o;
	f.hosts = hosts;
	f.e = e;
	fanout = fit_fds(o, fanout);
	f.nslot = (size_t)fanout < n ? fanout : (int)n;
	f.slot = calloc((size_t)f.nslot, sizeof(*f.slot));
	pfd = calloc((size_t)f.nslot * CONN_MAXPOLL + 1, sizeof(*pfd));
	if (f.slot == NULL || pfd == NULL) {
		fprintf(stderr, "rsh: out of memory\n");
		goto out;
	}
	for (;;) {
		fill(&f);
		if (f.live == 0) {
			/* Hosts that failed at once leave slots to fill. */
			if (f.next < n && f.sig == 0 && !f.sigpipe) {
				continue;
			}
			break;
		}
		if (step(&f, pfd, sigfd) == -1) {
			perror("rsh: poll");
			goto out;
		}
	}
	if (!f.sigpipe) {
		summary(&f, t0);	/* nobody reads: no more words */
	}
	status = f.sigpipe ? -SIGPIPE : f.status;
	if (f.next < n && status < 128 + f.sig) {
		status = 128 + f.sig;
	}
out:
	free(pfd);
	fan_free(&f);
	return status;
}
