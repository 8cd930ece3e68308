/*
 * policy: one entry per key of the keys file, in the same order: its
 * options, its account, whether it may be used at all.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <fnmatch.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "netio.h"
#include "wire.h"

#include "allow.h"
#include "copyreq.h"
#include "exec.h"
#include "keyacct.h"
#include "keyopts.h"
#include "policy.h"

struct pkey {
	struct keyopts		opts;
	int			usable;
	struct keyacct		accts;		/* the first: the default */
};

struct policy {
	const struct keyring	*keys;
	const struct conf	*conf;
	struct pkey		*k;
	size_t			 n;
};

/* Appends one line to the load report. */
static void __attribute__((format(printf, 2, 3)))
report_line(char **report, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[1024], *n;
	size_t	 have = *report != NULL ? strlen(*report) : 0;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if ((n = realloc(*report, have + strlen(line) + 2)) == NULL) {
		return;
	}
	memcpy(n + have, line, strlen(line));
	n[have + strlen(line)] = '\n';
	n[have + strlen(line) + 1] = '\0';
	*report = n;
}

struct policy *
policy_load(const struct keyring *keys, const char *path,
    const struct conf *c, const struct exec_account *self,
    const uint8_t *judged, char **report, size_t *usable)
{
	struct policy	*p;
	char		 why[512];

	*report = NULL;
	*usable = 0;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->k = calloc(keys_count(keys) + 1, sizeof(*p->k))) == NULL) {
		free(p);
		return NULL;
	}
	p->keys = keys;
	p->conf = c;
	p->n = keys_count(keys);
	for (size_t i = 0; i < p->n; i++) {
		const struct key	*k = keys_at(keys, i);
		struct pkey		*pk = &p->k[i];

		if (judged != NULL) {
			/* The privileged part looked the accounts up and
			 * reported what it skipped. */
			if (judged[i] && keyopts_parse(k->options, &pk->opts,
			    why, sizeof(why)) == 0) {
				pk->usable = 1;
				(*usable)++;
			}
			continue;
		}
		if (keyopts_parse(k->options, &pk->opts, why,
		    sizeof(why)) == -1 ||
		    keyacct_load(&pk->accts, pk->opts.users, pk->opts.nusers,
		    self, c->permit_root, why, sizeof(why)) == -1) {
			report_line(report, "keys file %s, line %zu: key '%s': "
			    "%s; the key is skipped", path, keys_line(keys, i),
			    k->id, why);
			continue;
		}
		pk->usable = 1;
		for (size_t j = 0; j < pk->accts.n; j++) {
			const struct keyacct_entry *a = &pk->accts.v[j];

			if (a->nologin) {
				log_warn("keys file %s, line %zu: key '%s' runs "
				    "as %s, whose shell %s refuses commands; "
				    "only -x (no shell) will work", path,
				    keys_line(keys, i), k->id, a->acct.name,
				    a->acct.shell);
			}
		}
		(*usable)++;
	}
	return p;
}

int
policy_key_usable(const struct policy *p, size_t i)
{
	return i < p->n && p->k[i].usable;
}

void
policy_free(struct policy *p)
{
	if (p == NULL) {
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		keyopts_free(&p->k[i].opts);
		keyacct_free(&p->k[i].accts);
	}
	free(p->k);
	free(p);
}

static struct pkey *
pkey(const struct policy *p, const struct key *k)
{
	size_t i = keys_index(p->keys, k);

	return i < p->n ? &p->k[i] : NULL;
}

enum policy_admit
policy_admit(const struct policy *p, const struct key *k,
    const struct sockaddr_storage *peer, int transport)
{
	const struct pkey *pk = pkey(p, k);

	if (pk == NULL || !pk->usable) {
		return POLICY_KEY_SKIPPED;
	}
	if (transport == WIRE_UDP && pk->opts.no_udp) {
		return POLICY_NO_UDP;
	}
	return keyopts_from_ok(&pk->opts, peer) ? POLICY_OK : POLICY_ADDRESS;
}

int
policy_max_sessions(const struct policy *p, const struct key *k)
{
	const struct pkey *pk = pkey(p, k);

	return pk != NULL ? pk->opts.max_sessions : 0;
}

/* A key that says what it runs: command= or allow=. */
static int
restricted(const struct pkey *pk)
{
	return pk->opts.command != NULL || pk->opts.nallow > 0;
}

/* The option that restricts pk, for messages. */
static const char *
restriction(const struct pkey *pk)
{
	return pk->opts.command != NULL ? "command=" : "allow=";
}

/*
 * A client variable NAME (len bytes) the key or AcceptEnv accepts.  A
 * restricted key takes its own env= only: AcceptEnv is written for keys
 * that may run anything, and a variable can change what a restricted
 * command does as much as an argument can.
 */
static int
env_accepted(const struct policy *p, const struct pkey *pk, const char *name,
    size_t len)
{
	char buf[256];

	if (keyopts_env_ok(&pk->opts, name, len)) {
		return 1;
	}
	if (restricted(pk) || len >= sizeof(buf)) {
		return 0;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	for (size_t i = 0; i < p->conf->naccept_env; i++) {
		if (fnmatch(p->conf->accept_env[i], buf, 0) == 0) {
			return 1;
		}
	}
	return 0;
}

/* The command line as the client gave it: the shell's, or argv joined. */
static char *
command_line(const struct wire_exec *e)
{
	size_t	 len = 1;
	char	*s;

	for (size_t i = 0; i < e->argc; i++) {
		len += strlen(e->argv[i]) + 1;
	}
	if ((s = calloc(1, len)) == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < e->argc; i++) {
		if (i > 0) {
			(void)strlcat(s, " ", len);
		}
		(void)strlcat(s, e->argv[i], len);
	}
	return s;
}

static int
check_env(const struct policy *p, const struct pkey *pk, const struct key *k,
    const struct wire_exec *e, struct policy_decision *dec, char *msg,
    size_t msglen)
{
	int pty = e->has_flags && (e->flags & EXEC_FLAG_PTY) != 0;

	for (size_t i = 0; i < e->envc; i++) {
		const char	*v = e->env[i];
		int		 n = (int)strcspn(v, "=");

		if (keyopts_env_forbidden(v, (size_t)n)) {
			snprintf(msg, msglen, "environment variable %.*s is "
			    "never accepted", n, v);
			return -1;
		}
		/* A terminal's type goes with the terminal, as in sshd's
		 * pty-req: no AcceptEnv needed. */
		if (!(pty && n == 4 && memcmp(v, "TERM", 4) == 0) &&
		    !env_accepted(p, pk, v, (size_t)n)) {
			snprintf(msg, msglen, "environment variable %.*s is not "
			    "accepted for key '%s' (%s)", n, v, k->id,
			    restricted(pk) ? "only its env= option counts "
			    "beside a command= or allow= option" :
			    "AcceptEnv, or the key's env= option");
			return -1;
		}
		dec->env[dec->grant.envc++] = e->env[i];
	}
	return 0;
}

/* RSH_CLIENT, RSH_KEYID and, under a forced command, the original. */
static int
add_own_env(struct policy_decision *dec, const struct key *k,
    const struct sockaddr_storage *peer, const char *original)
{
	char		addr[NETIO_ADDRSTRMAX];
	unsigned	port;
	int		n = 0;

	/* An IPv4 client of a dual-stack listener as IPv4, as sshd does. */
	if (netio_addr_host_port((const struct sockaddr *)peer, addr,
	    sizeof(addr), &port) == -1) {
		snprintf(addr, sizeof(addr), "unknown");
		port = 0;
	}
	if (asprintf(&dec->owned[n++], "RSH_CLIENT=%s %u", addr, port) ==
	    -1 || asprintf(&dec->owned[n++], "RSH_KEYID=%s", k->id) == -1 ||
	    (original != NULL && asprintf(&dec->owned[n++],
	    "RSH_ORIGINAL_COMMAND=%s", original) == -1)) {
		dec->owned[n - 1] = NULL;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		dec->env[dec->grant.envc++] = dec->owned[i];
	}
	return 0;
}

static void
add_limits(const struct conf *c, struct exec_grant *g)
{
	const struct { int res; long long v; } l[] = {
		{ RLIMIT_CPU, c->limit_cpu_ms > 0 ?
		    (c->limit_cpu_ms + 999) / 1000 : 0 },
		{ RLIMIT_NOFILE, c->limit_nofile },
		{ RLIMIT_NPROC, c->limit_nproc },
		{ RLIMIT_AS, c->limit_as },
	};

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		if (l[i].v > 0 && g->nlimits < EXEC_MAXLIMITS) {
			g->limits[g->nlimits].resource = l[i].res;
			g->limits[g->nlimits++].value = l[i].v;
		}
	}
}

/*
 * An allow= key: the argument vector that will run, exactly.  A shell
 * command line counts only as a plain list of words, split on its
 * blanks: no shell ever reads it.
 */
static int
allow_argv(const struct pkey *pk, const struct key *k,
    const struct wire_exec *e, const char *line, struct policy_decision *dec,
    char *msg, size_t msglen)
{
	char *const	*argv = e->argv;
	size_t		 argc = e->argc, bad = 0;
	char		 shown[256], c[32];

	(void)log_vis(shown, sizeof(shown), line, strlen(line));
	if (e->has_flags && (e->flags & EXEC_FLAG_SHELL)) {
		switch (allow_split(e->argv[0], strlen(e->argv[0]),
		    &dec->words, &argc, &bad)) {
		case ALLOW_SPLIT_OK:
			argv = dec->words;
			break;
		case ALLOW_SPLIT_BAD:
			snprintf(msg, msglen, "key '%s' may not run '%s': %s "
			    "is refused, as allow= takes only plain words "
			    "(letters, digits, \"_./:,+@%%=-\") separated by "
			    "blanks; rsh -x sends arguments as they are", k->id,
			    shown, allow_byte_name(e->argv[0][bad], c,
			    sizeof(c)));
			return -1;
		case ALLOW_SPLIT_EMPTY:
			snprintf(msg, msglen, "key '%s' may not run an empty "
			    "command line (its allow= option)", k->id);
			return -1;
		default:
			snprintf(msg, msglen, "rshd is out of memory");
			return -1;
		}
	}
	if (!keyopts_allow_ok(&pk->opts, argv, argc)) {
		snprintf(msg, msglen, "key '%s' may not run '%s' (its allow= "
		    "option)", k->id, shown);
		return -1;
	}
	dec->grant.argv = argv;
	dec->grant.argc = argc;
	return 0;
}

/* The terminal, and what a restricted key may not ask for whatever its
 * command. */
static int
check_request(const struct policy *p, const struct pkey *pk,
    const struct key *k, const struct wire_exec *e, char *msg, size_t msglen)
{
	int pty = e->has_flags && (e->flags & EXEC_FLAG_PTY) != 0;

	if (pty && !p->conf->permit_pty) {
		snprintf(msg, msglen, "this server gives no terminals "
		    "(PermitPTY no)");
		return -1;
	}
	if (pty && pk->opts.no_pty) {
		snprintf(msg, msglen, "key '%s' may not have a terminal "
		    "(no-pty)", k->id);
		return -1;
	}
	if (!restricted(pk)) {
		return 0;
	}
	/* A directory the client picks is one more argument, unchecked. */
	if (e->cwd != NULL) {
		snprintf(msg, msglen, "key '%s' may not choose the working "
		    "directory (its %s option)", k->id, restriction(pk));
		return -1;
	}
	if (pk->opts.command != NULL) {
		return 0;
	}
	/* No ARG: the account's login shell, which can run anything. */
	if (e->argc == 0) {
		snprintf(msg, msglen, "key '%s' may not have a login shell "
		    "(its allow= option)", k->id);
		return -1;
	}
	/* A pager or an editor on a terminal starts a shell at a keystroke. */
	if (pty) {
		snprintf(msg, msglen, "key '%s' may not have a terminal (its "
		    "allow= option)", k->id);
		return -1;
	}
	return 0;
}

/*
 * The account the request names (ACCOUNT, rsh -l), or the key's first.
 * NULL, with the refusal in msg, for one the key does not name.
 */
static const struct keyacct_entry *
pick_account(const struct pkey *pk, const struct key *k,
    const struct wire_exec *e, char *msg, size_t msglen)
{
	const struct keyacct_entry	*a;
	char				 shown[4 * WIRE_ACCOUNTMAX + 1];
	char				 names[256];

	if ((a = keyacct_pick(&pk->accts, e->account)) != NULL) {
		return a;
	}
	(void)log_vis(shown, sizeof(shown), e->account, strlen(e->account));
	keyacct_names(&pk->accts, names, sizeof(names));
	snprintf(msg, msglen, "key '%s' may not run commands as '%s' (%s: "
	    "%s)", k->id, shown, pk->opts.nusers > 0 ? "its user= option "
	    "names" : "it has no user= option and runs them as rshd's own "
	    "account", names);
	return NULL;
}

int
policy_exec(const struct policy *p, const struct key *k,
    const struct wire_exec *e, const struct sockaddr_storage *peer,
    struct policy_decision *dec, char *msg, size_t msglen)
{
	const struct pkey		*pk = pkey(p, k);
	const struct keyacct_entry	*a;
	int				 shell, copy = copyreq_is(e);
	char				*line = NULL;

	memset(dec, 0, sizeof(*dec));
	if ((a = pick_account(pk, k, e, msg, msglen)) == NULL ||
	    (copy ? copyreq_judge(&pk->opts, k->id, e, msg, msglen) :
	    check_request(p, pk, k, e, msg, msglen)) == -1) {
		return -1;
	}
	if ((line = command_line(e)) == NULL ||
	    (dec->env = calloc(e->envc + 4, sizeof(char *))) == NULL) {
		snprintf(msg, msglen, "rshd is out of memory");
		goto fail;
	}
	/* A copy runs rshd's helper, whatever the key's command. */
	if (copy) {
		if ((dec->words = copyreq_argv(&pk->opts, e,
		    &dec->grant.argc)) == NULL) {
			snprintf(msg, msglen, "rshd is out of memory");
			goto fail;
		}
		dec->grant.argv = dec->words;
	} else if (pk->opts.command == NULL && pk->opts.nallow > 0 &&
	    allow_argv(pk, k, e, line, dec, msg, msglen) == -1) {
		goto fail;
	}
	shell = dec->grant.argv == NULL && (pk->opts.command != NULL ||
	    e->argc == 0 || (e->has_flags && (e->flags & EXEC_FLAG_SHELL)));
	if (shell && a->nologin) {
		snprintf(msg, msglen, "account %s has no shell for commands "
		    "(%s); run a program directly (rsh -x)", a->acct.name,
		    a->acct.shell);
		goto fail;
	}
	if (check_env(p, pk, k, e, dec, msg, msglen) == -1) {
		goto fail;
	}
	if (add_own_env(dec, k, peer, pk->opts.command != NULL ? line :
	    NULL) == -1) {
		snprintf(msg, msglen, "rshd is out of memory");
		goto fail;
	}
	dec->grant.acct = &a->acct;
	dec->grant.forced = copy ? NULL : pk->opts.command;
	dec->grant.no_new_privs = pk->opts.no_new_privs;
	dec->grant.env = dec->env;
	dec->grant.path = p->conf->path;
	add_limits(p->conf, &dec->grant);
	free(line);
	return 0;
fail:
	free(line);
	policy_decision_free(dec);
	return -1;
}

void
policy_decision_free(struct policy_decision *dec)
{
	for (size_t i = 0; i < sizeof(dec->owned) / sizeof(dec->owned[0]);
	    i++) {
		free(dec->owned[i]);
	}
	free(dec->env);
	free(dec->words);
	memset(dec, 0, sizeof(*dec));
}
