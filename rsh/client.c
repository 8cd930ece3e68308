/*
 * client: the steps before a direct connection, shared by rsh's main and
 * rcp (which runs rsh's connection in its own process).
 */
#include <sys/signalfd.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"
#include "wire.h"

#include "client.h"
#include "conn.h"
#include "opts.h"
#include "target.h"

/* rsh HOST < script: the account's shell reads the script, as a login
 * shell (as under sshd), and its status is the script's. */
#define RSH_SCRIPT_COMMAND	"exec \"$SHELL\" -l"

int
client_stdio(void)
{
	int closed_in = 0;

	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			closed_in |= fd == 0;
			(void)open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		}
	}
	return closed_in;
}

int
client_crypto(void)
{
	if (crypto_init() == -1) {
		fprintf(stderr, "rsh: %s\n", crypto_init_error());
		return -1;
	}
	return 0;
}

const struct key *
client_key(const struct target *t, const struct opts *o,
    struct keyring **keys, struct key *key)
{
	const struct key	*k;
	char			 err[1024];

	if (client_crypto() == -1) {
		return NULL;
	}
	if ((*keys = keys_load(t->keypath, KEYS_CLIENT, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "rsh: %s\n", err);
		if (access(t->keypath, F_OK) == -1 && errno == ENOENT &&
		    !o->quiet) {
			fprintf(stderr, "rsh: hint: make a key with rsh --keygen "
			    "KEYID -o %s (and put the same line in the "
			    "server's keys file), or name another with -k "
			    "FILE\n", t->keypath);
		}
		return NULL;
	}
	if ((k = target_key(t, *keys, key, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rsh: %s\n", err);
	}
	return k;
}

void
client_params(struct conn_params *p, const struct target *t,
    const struct opts *o, const struct key *k)
{
	memset(p, 0, sizeof(*p));
	p->host = t->connect;
	p->port = t->port;
	p->name = t->name;
	p->key = k;
	p->connect_ms = (int)t->connect_ms;
	p->alive_ms = (int)t->alive_ms;
	p->alive_count = t->alive_count;
	p->retries = o->retries;
	p->max_time = o->max_time;
	p->in_fd = -1;
}

int
client_signals(int winch, sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (winch) {
		sigaddset(&set, SIGWINCH);
	}
	if (sigprocmask(SIG_BLOCK, &set, old) == -1) {
		return -1;
	}
	return signalfd(-1, &set, SFD_CLOEXEC);
}

char *
client_exec(const struct opts *o, int argc, char **argv, int pty,
    struct wire_exec *e, char **shell_argv)
{
	char	*line = NULL;
	size_t	 len = 1;

	memset(e, 0, sizeof(*e));
	e->has_flags = 1;
	e->flags = o->no_stdin ? EXEC_FLAG_NO_STDIN : 0;
	e->env = o->env;
	e->envc = o->envc;
	e->cwd = o->cwd;
	if (o->timeout_ms > 0) {
		e->has_timeout = 1;
		e->timeout_ms = o->timeout_ms;
	}
	if (o->argv_mode || (pty && argc == 0)) {
		e->argv = argv;
		e->argc = (size_t)argc;
		return NULL;
	}
	if (argc == 0 && !o->line_mode) {
		e->flags |= EXEC_FLAG_SHELL;
		shell_argv[0] = (char *)RSH_SCRIPT_COMMAND;
		shell_argv[1] = NULL;
		e->argv = shell_argv;
		e->argc = 1;
		return NULL;
	}
	for (int i = 0; i < argc; i++) {
		len += strlen(argv[i]) + 1;
	}
	if ((line = malloc(len)) == NULL) {
		return NULL;
	}
	line[0] = '\0';
	for (int i = 0; i < argc; i++) {
		strlcat(line, argv[i], len);
		if (i + 1 < argc) {
			strlcat(line, " ", len);
		}
	}
	e->flags |= EXEC_FLAG_SHELL;
	shell_argv[0] = line;
	shell_argv[1] = NULL;
	e->argv = shell_argv;
	e->argc = 1;
	return line;
}
