/*
 * rsh: run a command on a remote host through rshd.  The options and the
 * config decide the target; a connection (conn.c, or dgram.c for UDP)
 * runs the command, reporting to a sink; main decides the exit status.
 * Only main exits.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"
#include "netio.h"
#include "wire.h"

#include "client.h"
#include "config.h"
#include "conn.h"
#include "dial.h"
#include "dgram.h"
#include "fanout.h"
#include "json.h"
#include "keygen.h"
#include "master.h"
#include "mux.h"
#include "opts.h"
#include "rcp.h"
#include "output.h"
#include "run.h"
#include "sink.h"
#include "target.h"
#include "term.h"

/* The Makefile sets it; tools run without the Makefile's flags need one. */
#ifndef RSH_VERSION
#define RSH_VERSION		"unknown"
#endif

/*
 * Over UDP the whole exchange must end inside the server's 30 s clock
 * window: the command gets at most 22 s (its default there), the reply
 * 3 s more.
 */
static int
check_udp(struct opts *o)
{
	if (!o->udp) {
		if (o->max_reply != 0) {
			fprintf(stderr, "rsh: --max-reply goes with -u (UDP)\n");
			return -1;
		}
		return 0;
	}
	if (o->timeout_ms > DGRAM_MAXTIME_MS) {
		fprintf(stderr, "rsh: over UDP a command may run at most %d s; "
		    "use TCP (without -u)\n", DGRAM_MAXTIME_MS / 1000);
		return -1;
	}
	if (o->timeout_ms == 0) {
		o->timeout_ms = DGRAM_MAXTIME_MS;
	}
	if (o->max_reply == 0) {
		o->max_reply = DGRAM_REPLY_DEFAULT;
	}
	return 0;
}

/*
 * stdin is /dev/null: the command gets the same empty input from NO_STDIN,
 * without a pipe, a STDIN_EOF record and their round of work on each side
 * (cron jobs and scripts often run so).
 */
static int
stdin_is_devnull(void)
{
	struct stat	in, null;

	return fstat(0, &in) == 0 && S_ISCHR(in.st_mode) &&
	    stat("/dev/null", &null) == 0 && in.st_rdev == null.st_rdev;
}

/* UDP: one datagram each way; nothing to forward a signal to. */
static int
run_udp(const struct target *t, const struct opts *o, const struct key *k,
    struct sink *s, const struct wire_exec *e, struct sink_result *r)
{
	struct dgram_target d;

	memset(&d, 0, sizeof(d));
	d.host = t->connect;
	d.port = t->port;
	d.sink = s;
	d.name = t->name;
	d.key = k;
	d.max_reply = o->max_reply;
	return dgram_run(&d, e, r);
}

/* TCP: one command, or (cmd NULL) line mode. */
static int
run_tcp(const struct target *t, const struct opts *o, const struct key *k,
    struct sink *s, const struct wire_exec *e, int lines, struct dial *dial)
{
	struct conn_params	 p;
	struct conn		*c;
	struct term_session	 ts;
	int			 sigfd, status = RSH_EXIT_FAILURE;
	int			 pty = (e->flags & EXEC_FLAG_PTY) != 0;

	client_params(&p, t, o, k);
	p.in_fd = lines ? -1 : 0;
	p.pty = pty;
	p.dial = dial->fd != -1 ? dial : NULL;
	if ((sigfd = client_signals(pty && isatty(0), NULL)) == -1) {
		fprintf(stderr, "rsh: signalfd: %s\n", strerror(errno));
		return RSH_EXIT_FAILURE;
	}
	if (pty && !(e->flags & EXEC_FLAG_NO_STDIN)) {
		(void)term_session(&p, &ts, s);
	}
	if ((c = conn_new(&p, s)) == NULL) {
		term_restore();
		fprintf(stderr, "rsh: out of memory\n");
		close(sigfd);
		return RSH_EXIT_FAILURE;
	}
	if (lines) {
		if (conn_start(c) == 0) {
			status = run_lines(c, sigfd, e);
		}
	} else if (conn_exec(c, e) == 0 && conn_start(c) == 0) {
		status = run_one(c, sigfd);
	} else {
		status = conn_result(c)->status;
	}
	term_restore();
	s->raw = 0;
	if (conn_result(c)->sigpipe) {
		status = -SIGPIPE;
	}
	conn_free(c);
	close(sigfd);
	return status;
}

/*
 * The TCP connect, started before libcrypto is loaded and the key read
 * (about a millisecond of CPU): the SYN, the server's accept and its
 * greeting travel meanwhile, as ssh connects before it reads its keys.
 * Any failure leaves d empty, for conn_start to dial again and say why.
 * Not for ControlPersist, whose first call may hand the command to the
 * master it starts.
 */
static void
early_dial(struct dial *d, const struct target *t)
{
	int r;

	if (dial_resolve(d, t->connect, t->port) == 0 &&
	    ((r = dial_next(d)) == DIAL_PENDING || r == DIAL_DONE)) {
		return;
	}
	dial_free(d);
	dial_init(d);
}

/* rsh -w: every operand is the command; no stdin, no UDP, no lines. */
static int
fanout_main(struct opts *o, int argc, char **argv)
{
	struct hostlist		*hosts;
	struct wire_exec	 e;
	char			*shell_argv[2], *line;
	int			 sigfd, status = RSH_EXIT_FAILURE;

	if (argc - o->argi < 1) {
		fprintf(stderr, "rsh: -w wants a command: rsh -w HOSTLIST "
		    "COMMAND [ARG]...\n");
		return RSH_EXIT_FAILURE;
	}
	if (o->udp || o->max_reply != 0) {
		fprintf(stderr, "rsh: -w runs over TCP; drop -u\n");
		return RSH_EXIT_FAILURE;
	}
	if (o->tty > 0) {
		fprintf(stderr, "rsh: -w runs without a terminal; drop -t\n");
		return RSH_EXIT_FAILURE;
	}
	(void)client_stdio();	/* before ^FILE could land on fd 0 */
	if ((hosts = fanout_hosts(o)) == NULL) {
		return RSH_EXIT_FAILURE;
	}
	o->no_stdin = 1;
	line = client_exec(o, argc - o->argi, argv + o->argi, 0, &e,
	    shell_argv);
	if (!o->argv_mode && line == NULL) {
		fprintf(stderr, "rsh: out of memory\n");
	} else if (client_crypto() == -1) {
		/* said */
	} else if ((sigfd = client_signals(0, NULL)) == -1) {
		fprintf(stderr, "rsh: signalfd: %s\n", strerror(errno));
	} else {
		status = fanout_run(o, hosts, &e, o->fanout != 0 ? o->fanout :
		    FANOUT_DEFAULT, sigfd);
		close(sigfd);
	}
	free(line);
	hostlist_free(hosts);
	return status;
}

static int
keygen_main(const struct opts *o, int argc)
{
	if (o->argi != argc || o->ncfg > 1) {
		fprintf(stderr, "usage: rsh --keygen KEYID [--fleet] "
		    "[-o FILE]\n");
		return RSH_EXIT_FAILURE;
	}
	if (client_crypto() == -1) {
		return RSH_EXIT_FAILURE;
	}
	return keygen_write(o->keygen, o->fleet, o->ncfg == 1 ? o->cfg[0] :
	    NULL) == 0 ? 0 : RSH_EXIT_FAILURE;
}

static int
derive_main(const struct opts *o, int argc, char **argv)
{
	if (o->argi == argc) {
		fprintf(stderr, "usage: rsh --derive [-k KEYFILE] NAME...\n");
		return RSH_EXIT_FAILURE;
	}
	if (client_crypto() == -1) {
		return RSH_EXIT_FAILURE;
	}
	return keygen_derive(o, argv + o->argi, argc - o->argi) == 0 ? 0 :
	    RSH_EXIT_FAILURE;
}

/*
 * A pseudo-terminal, as ssh decides: -T never; -tt always; -t, or no
 * command, when stdin is a terminal (and not given up with -n).
 * Returns 1 or 0, or -1 (said).
 */
static int
want_pty(const struct opts *o, int nocmd)
{
	int term = !o->no_stdin && isatty(0);

	if (o->tty > 0 && o->no_tty) {
		fprintf(stderr, "rsh: -t and -T contradict each other\n");
		return -1;
	}
	if (o->tty > 0 && o->udp) {
		fprintf(stderr, "rsh: a pseudo-terminal (-t) needs TCP; drop "
		    "-u\n");
		return -1;
	}
	if (o->no_tty || o->udp) {
		return 0;
	}
	if (o->tty == 1 && !term && !o->quiet) {
		fprintf(stderr, "rsh: standard input is not a terminal, so "
		    "no pseudo-terminal (-tt forces one)\n");
	}
	return o->tty >= 2 || ((o->tty == 1 || nocmd) && term);
}

/*
 * Checks the operands and the mode; 0, or -1 (said).  Without COMMAND and
 * without a terminal, standard input is a script for the account's shell,
 * as with ssh; --line-mode makes each of its lines a command instead.
 */
static int
check_mode(struct opts *o, int argc, int *lines, int *pty)
{
	int nocmd = argc - o->argi == 1;

	if (argc - o->argi < 1) {
		opts_usage(stderr);
		return -1;
	}
	if (o->line_mode && !nocmd) {
		fprintf(stderr, "rsh: --line-mode reads the commands from "
		    "standard input: drop the COMMAND\n");
		return -1;
	}
	if (nocmd && o->argv_mode && !o->line_mode && o->tty < 2 &&
	    (o->no_tty || !isatty(0))) {
		fprintf(stderr, "rsh: -x runs a COMMAND as an argv; without one, "
		    "standard input is a script for the account's shell: drop "
		    "-x, or give --line-mode\n");
		return -1;
	}
	if (o->line_mode && o->tty > 0) {
		fprintf(stderr, "rsh: --line-mode runs its commands without a "
		    "terminal; drop -t\n");
		return -1;
	}
	if ((*pty = want_pty(o, nocmd && !o->line_mode)) == -1) {
		return -1;
	}
	*lines = nocmd && o->line_mode;
	if (nocmd && !*pty && o->udp) {
		fprintf(stderr, "rsh: commands on standard input need TCP; "
		    "drop -u\n");
		return -1;
	}
	if (*lines) {
		o->no_stdin = 1;	/* the lines are the input */
	}
	return check_udp(o);
}

static int
run(struct opts *o, int argc, char **argv, const struct target *t,
    const struct key *k, int lines, int pty, struct dial *dial)
{
	struct output		 plain;
	struct json		 json;
	struct sink		*s;
	struct wire_exec	 e;
	struct sink_result	 r;
	char			*shell_argv[2], *line, **env = NULL;
	int			 status;

	output_init(&plain, t->display);
	json_init(&json, t->display, t->host, (unsigned)atoi(t->port),
	    o->udp ? "udp" : "tcp");
	s = o->json ? &json.s : &plain.s;
	s->verbose = o->verbose;
	s->quiet = o->quiet;
	line = client_exec(o, argc - o->argi - 1, argv + o->argi + 1, pty, &e,
	    shell_argv);
	e.account = target_account(t);
	/* Only -x and a login shell (no ARG) need no command line. */
	if ((!o->argv_mode && argc - o->argi > 1 && line == NULL) ||
	    (pty && term_request(&e, &env) == -1)) {
		fprintf(stderr, "rsh: out of memory\n");
		free(line);
		json_free(&json);
		return RSH_EXIT_FAILURE;
	}
	if (o->udp) {
		status = run_udp(t, o, k, s, &e, &r);
		status = r.sigpipe ? -SIGPIPE : status;
	} else {
		status = run_tcp(t, o, k, s, &e, lines, dial);
	}
	free(line);
	if (env != NULL) {
		free(env[e.envc - 1]);	/* the TERM term_request made */
		free(env);
	}
	json_free(&json);
	return status;
}

/*
 * Through the target's master (mux.c) when one runs: returns 1 with
 * *status; 0 to connect directly.  Terminals, line mode, a script on
 * standard input, UDP and --json always connect directly.
 */
static int
run_muxed(struct opts *o, int argc, char **argv, const struct target *t,
    int *status)
{
	struct wire_exec	 e;
	char			*shell_argv[2], *line;
	int			 done;

	if (o->udp || o->json || argc - o->argi == 1) {
		return 0;
	}
	line = client_exec(o, argc - o->argi - 1, argv + o->argi + 1, 0, &e,
	    shell_argv);
	if (!o->argv_mode && line == NULL) {
		return 0;
	}
	/* The master sends it on: one master serves every account. */
	e.account = target_account(t);
	done = mux_run(t, o, &e, status);
	free(line);
	return done;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct target	 t;
	struct keyring	*keys = NULL;
	struct key	 key;	/* this target's: derived from a fleet key */
	const struct key *k;
	struct dial	 dial;	/* the connect started before the key */
	int		 lines, pty, status = RSH_EXIT_FAILURE;

	if (argc > 0 && rcp_called(argv[0])) {
		return rcp_main(argc, argv);
	}
	dial_init(&dial);
	if (opts_parse(argc, argv, &o) == -1) {
		if (o.help == -1) {
			opts_usage(stderr);
		}
		goto out;
	}
	if (o.help || o.version) {
		if (o.help) {
			opts_usage(stdout);
		} else {
			printf("rsh %s (protocol 1)\n", RSH_VERSION);
		}
		status = fflush(stdout) == 0 ? 0 : RSH_EXIT_FAILURE;
		goto out;
	}
	if (o.keygen != NULL) {
		status = keygen_main(&o, argc);
		goto out;
	}
	if (o.derive) {
		status = derive_main(&o, argc, argv);
		goto out;
	}
	if (o.nhosts > 0) {
		status = fanout_main(&o, argc, argv);
		goto out;
	}
	if (o.master || o.ctl_op != NULL) {
		(void)client_stdio();	/* the master's fds stay off 0-2 */
		status = master_main(&o, argc, argv);
		goto out;
	}
	if (check_mode(&o, argc, &lines, &pty) == -1) {
		goto out;
	}
	/* -tt: the terminal is the command's stdin even when ours is
	 * /dev/null, as under ssh -tt. */
	if (client_stdio() || (!lines && !pty && stdin_is_devnull())) {
		o.no_stdin = 1;
	}
	if (target_resolve(&t, argv[o.argi], &o) == -1) {
		goto out;
	}
	if (!lines && !pty && run_muxed(&o, argc, argv, &t, &status)) {
		goto out;
	}
	if (!o.udp && !t.persist) {
		early_dial(&dial, &t);
	}
	if ((k = client_key(&t, &o, &keys, &key)) == NULL) {
		goto out;
	}
	/* ControlPersist: the first call starts the master it then uses. */
	if (t.persist && !lines && !pty && !o.udp && !o.json &&
	    master_start(&t, k, &o, 1) == 0 &&
	    run_muxed(&o, argc, argv, &t, &status)) {
		goto out;
	}
	status = run(&o, argc, argv, &t, k, lines, pty, &dial);
out:
	dial_free(&dial);
	crypto_wipe(&key, sizeof(key));
	keys_free(keys);
	opts_free(&o);
	term_restore();
	if (status == -SIGPIPE) {
		/* Our reader is gone: end as any writer to a closed pipe. */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		status = RSH_EXIT_FAILURE;
	}
	return status;
}
