/*
 * rcpconn: the copy on a connection of rcp's own process, as rsh would
 * make it (the same options, configuration, key and conn object), with
 * no rsh child and no pipe between us: to a host the copy stream is
 * pushed into the command's stdin (conn_input), from a host the
 * command's stdout is fed to the copy sink as it is opened.
 *
 * Not for -S (another rsh program), nor when the target's master runs
 * or ControlPersist is set: the copy then goes through rsh, which uses
 * the master (rcpcopy.c's child).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copysink.h"
#include "crypto.h"
#include "keys.h"
#include "wire.h"

#include "client.h"
#include "conn.h"
#include "mux.h"
#include "opts.h"
#include "output.h"
#include "rcp_int.h"
#include "run.h"
#include "sink.h"
#include "target.h"

struct rcpconn {
	struct output		 out;	/* first: out.s is the sink */
	const struct sink_ops	*plain;	/* out's own */
	struct rcp		*r;
	struct copysink		*cs;	/* from a host; NULL: to one */
	const char		**av;	/* rsh's words: o points into them */
	struct opts		 o;
	struct target		 t;
	struct keyring		*keys;
	struct key		 key;
	struct conn		*c;
	int			 sigfd;
	sigset_t		 oldmask;	/* before client_signals */
};

/* The command's stdout is the copy stream (from a host); its stderr, and
 * its stdout when we send, are shown as rsh shows them. */
static int
rcpconn_data(struct sink *s, int fd, const uint8_t *p, size_t len)
{
	struct rcpconn *rc = (struct rcpconn *)(void *)s;

	if (fd == 1 && rc->cs == NULL) {
		/* Nothing is due on stdout when we send: whatever the host
		 * writes there never mixes with ours (--json), as the rsh
		 * child's stdout was /dev/null. */
		return 0;
	}
	if (fd != 1) {
		if (rc->r->progress) {
			fputs("\r\033[K", stderr);
		}
		return rc->plain->data(s, fd, p, len);
	}
	rc->r->got = 1;
	if (copysink_feed(rc->cs, p, len) == COPYSINK_BAD) {
		/* A hostile or broken server (the sink said why): the
		 * connection ends at once, as for a reader gone away (BYE,
		 * no word of its own). */
		rc->r->bad = 1;
		errno = EPIPE;
		return -1;
	}
	return 0;
}

static int
rcpconn_flush(struct sink *s)
{
	return ((struct rcpconn *)(void *)s)->plain->flush(s);
}

static int
rcpconn_end(struct sink *s, const struct sink_result *res)
{
	return ((struct rcpconn *)(void *)s)->plain->end(s, res);
}

/* rsh's messages, after the progress line is cleared. */
static void
rcpconn_msg(struct sink *s, const char *line, size_t len)
{
	if (((struct rcpconn *)(void *)s)->r->progress) {
		fputs("\r\033[K", stderr);
	}
	(void)fwrite(line, 1, len, stderr);
}

static const struct sink_ops rcpconn_ops = {
	NULL, rcpconn_data, rcpconn_flush, rcpconn_end, rcpconn_msg
};

static void
rcpconn_free(struct rcpconn *rc)
{
	if (rc == NULL) {
		return;
	}
	conn_free(rc->c);
	if (rc->sigfd != -1) {
		(void)close(rc->sigfd);
		/* A signal from now on (the rename, the summary) acts as
		 * it would on any program. */
		(void)sigprocmask(SIG_SETMASK, &rc->oldmask, NULL);
	}
	crypto_wipe(&rc->key, sizeof(rc->key));
	keys_free(rc->keys);
	opts_free(&rc->o);
	free(rc->av);
	free(rc);
}

/* What rsh's main does with these words, up to the connection.  1: the
 * copy goes through rsh; 0; -1 (said). */
static int
prepare(struct rcpconn *rc, int ac)
{
	optind = 0;	/* rcp's own getopt ran: start afresh */
	if (opts_parse(ac, (char **)(void *)rc->av, &rc->o) == -1 ||
	    target_resolve(&rc->t, rc->av[rc->o.argi], &rc->o) == -1) {
		return -1;
	}
	if (rc->t.persist || mux_present(&rc->t)) {
		return 1;
	}
	(void)client_stdio();
	if (client_key(&rc->t, &rc->o, &rc->keys, &rc->key) == NULL) {
		return -1;
	}
	if ((rc->sigfd = client_signals(0, &rc->oldmask)) == -1) {
		fprintf(stderr, "rsh: signalfd: %s\n", strerror(errno));
		(void)sigprocmask(SIG_SETMASK, &rc->oldmask, NULL);
		return -1;
	}
	return 0;
}

int
rcpconn_start(struct rcp *r, int to, const char **words, int nwords,
    struct copysink *cs)
{
	struct rcpconn		*rc;
	struct conn_params	 p;
	struct wire_exec	 e;
	char			*shell_argv[2];
	int			 ac, k = -1;

	if (r->rsh != NULL) {
		return 1;
	}
	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		fprintf(stderr, "rcp: out of memory\n");
		return -1;
	}
	rc->sigfd = -1;
	if ((rc->av = rcpcopy_argv(r, to, words, nwords, &ac)) == NULL) {
		fprintf(stderr, "rcp: out of memory\n");
		goto out;
	}
	rc->r = r;
	rc->cs = cs;
	if ((k = prepare(rc, ac)) != 0) {
		goto out;
	}
	output_init(&rc->out, rc->t.display);
	rc->plain = rc->out.s.ops;
	rc->out.s.ops = &rcpconn_ops;
	rc->out.s.verbose = rc->o.verbose;
	rc->out.s.quiet = rc->o.quiet;
	/* -x (rcpcopy_argv gives it): an argument vector, no command line
	 * is made, so nothing is returned to free. */
	(void)client_exec(&rc->o, ac - rc->o.argi - 1,
	    (char **)(void *)rc->av + rc->o.argi + 1, 0, &e, shell_argv);
	e.account = target_account(&rc->t);
	client_params(&p, &rc->t, &rc->o, &rc->key);
	p.in_push = to;
	if ((rc->c = conn_new(&p, &rc->out.s)) == NULL) {
		fprintf(stderr, "rcp: out of memory\n");
		k = -1;
		goto out;
	}
	/* A failure here is the connection's, said; finish gives it. */
	if (conn_exec(rc->c, &e) == 0) {
		(void)conn_start(rc->c);
	}
	r->conn = rc;
	return 0;
out:
	rcpconn_free(rc);
	return k;
}

int
rcpconn_write(void *ctx, const void *p, size_t n)
{
	struct rcpconn	*rc = ((struct rcp *)ctx)->conn;
	const uint8_t	*q = p;
	size_t		 k;

	for (;;) {
		k = conn_input(rc->c, q, n);
		q += k;
		n -= k;
		if (n == 0) {
			return 0;
		}
		if (!conn_busy(rc->c)) {
			errno = EPIPE;	/* the command or connection ended */
			return -1;
		}
		if (run_step(rc->c, rc->sigfd, -1) == -1) {
			return -1;
		}
	}
}

int
rcpconn_finish(struct rcp *r)
{
	struct rcpconn	*rc = r->conn;
	int		 status;

	conn_input_end(rc->c);
	status = run_one(rc->c, rc->sigfd);
	rcpconn_free(rc);
	r->conn = NULL;
	return status;
}
