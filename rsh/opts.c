/*
 * opts: getopt_long over rsh's options.  '+': parsing stops at the
 * first operand, so the remote command's own options are not ours.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "opts.h"

/* The Makefile sets them; keep in step with dgram.h. */
#define REPLY_MIN	512
#define REPLY_MAX	65000

enum { OPT_KEYGEN = 256, OPT_MAX_REPLY, OPT_JSON, OPT_CONNECT_TIMEOUT,
	OPT_RETRY, OPT_EXCLUDE, OPT_LINE_MODE, OPT_FLEET, OPT_DERIVE };

void
opts_usage(FILE *f)
{
	fputs("usage: rsh [-MnqTtuvx] [-d DIR] [-e NAME=value] [-F FILE] "
	    "[-k KEYFILE] [-l ACCOUNT]\n"
	    "           [-m TIME] [-o KEYWORD=value] [-p PORT] "
	    "[--connect-timeout TIME] [--json]\n"
	    "           [--max-reply BYTES] [--retry N] HOST[:PORT] "
	    "[COMMAND [ARG]...]\n"
	    "       rsh -w HOSTLIST [-X HOSTLIST] [-f FANOUT] [-b] [options] "
	    "COMMAND [ARG]...\n"
	    "       rsh -O check|exit HOST[:PORT]\n"
	    "       rsh --keygen KEYID [--fleet] [-o FILE]\n"
	    "       rsh --derive [-k KEYFILE] NAME...\n"
	    "       rsh -h | -V\n"
	    "\n"
	    "  -b                  with -w: each host's output as one block "
	    "at its end\n"
	    "  -d DIR              run the command in DIR\n"
	    "  -e NAME=value       send an environment variable (repeatable)\n"
	    "  -f FANOUT           with -w: hosts at once (default 32)\n"
	    "  -F FILE             config file (default ~/.config/rsh/config;"
	    " 'none': none)\n"
	    "  -k KEYFILE          key file (default ~/.config/rsh/key)\n"
	    "  -l ACCOUNT          run as this one of the key's accounts "
	    "(default: its first)\n"
	    "  -m, --max-time TIME time limit for the command: 10, 1.5s, "
	    "250ms\n"
	    "  -M                  start a master for HOST: later calls run "
	    "through it\n"
	    "  -n                  no standard input for the command\n"
	    "  -O check|exit       ask HOST's master whether it runs; stop "
	    "it\n"
	    "  -o KEYWORD=value    a config setting (see rsh_config(5))\n"
	    "  -p PORT             port (default 2222)\n"
	    "  -q                  quiet: no warnings from rsh itself\n"
	    "  -T                  no pseudo-terminal, not even without "
	    "COMMAND\n"
	    "  -t                  a pseudo-terminal for COMMAND when stdin "
	    "is one;\n"
	    "                      -tt: even when it is not\n"
	    "  -u                  over UDP (one datagram each way)\n"
	    "  -v                  verbose: the steps, with timings\n"
	    "  -w HOSTLIST         run on many hosts: web[01-12],db1:2200 or "
	    "^FILE;\n"
	    "                      output lines prefixed 'host: ', no "
	    "standard input\n"
	    "  -X, --exclude HOSTLIST  with -w: leave these hosts out\n"
	    "  -x                  run the arguments as argv, without a shell\n"
	    "  --connect-timeout TIME  limit for connect and handshake "
	    "(default 10 s)\n"
	    "  --json              one JSON object per command on stdout\n"
	    "  --line-mode         no COMMAND: each line of stdin a command of "
	    "its own\n"
	    "  --max-reply BYTES   with -u: largest reply datagram "
	    "(default 1400)\n"
	    "  --retry N           retry a refusing or silent server N times "
	    "(default 0)\n"
	    "  --keygen KEYID      print a new key line, or write it to "
	    "-o FILE (mode 0600)\n"
	    "  --fleet             with --keygen: a fleet key, from which "
	    "each server's\n"
	    "                      key is derived by its name\n"
	    "  --derive NAME...    print each server's keys-file line, "
	    "derived from the\n"
	    "                      fleet key\n"
	    "  -h, --help          this text;  -V, --version  the version\n"
	    "\n"
	    "Without COMMAND and with standard input a terminal: a login "
	    "shell on a\npseudo-terminal; '~.' at the start of a line drops "
	    "the connection, '~?'\nlists the escapes.  Without COMMAND and "
	    "with standard input not a terminal,\nthe account's shell runs "
	    "standard input as a script (rsh host < script.sh);\nwith "
	    "--line-mode each line is a command of its own, run in turn on "
	    "one\nconnection.\n", f);
}

int
opts_duration(const char *s, uint32_t *ms)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !(v > 0) || s[0] == '+') {
		return -1;
	}
	if (strcmp(end, "ms") == 0) {
		v /= 1000;
	} else if (*end != '\0' && strcmp(end, "s") != 0) {
		return -1;
	}
	if (v > 4294967.0) {
		return -1;
	}
	*ms = v * 1000 < 1 ? 1 : (uint32_t)(v * 1000);
	return 0;
}

int
opts_port(const char *s)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, 1, 65535, &errstr);
	return errstr != NULL ? -1 : (int)n;
}

static int __attribute__((format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("rsh: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

/* NAME=value with NAME as the protocol allows. */
static int
env_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789_");

	return n > 0 && s[n] == '=' && !(s[0] >= '0' && s[0] <= '9');
}

static int
long_opt(int ch, const char *arg, struct opts *o)
{
	const char	*errstr;
	uint32_t	 ms;

	switch (ch) {
	case OPT_KEYGEN:
		o->keygen = arg;
		return 0;
	case OPT_FLEET:
		o->fleet = 1;
		return 0;
	case OPT_DERIVE:
		o->derive = 1;
		return 0;
	case OPT_MAX_REPLY:
		o->max_reply = (uint16_t)strtonum(arg, REPLY_MIN, REPLY_MAX,
		    &errstr);
		return errstr == NULL ? 0 : bad("--max-reply wants a number "
		    "of bytes from 512 to 65000, not '%s'", arg);
	case OPT_JSON:
		o->json = 1;
		return 0;
	case OPT_LINE_MODE:
		o->line_mode = 1;
		return 0;
	case OPT_CONNECT_TIMEOUT:
		o->connect_timeout = arg;
		return opts_duration(arg, &ms) == 0 ? 0 : bad(
		    "--connect-timeout wants a time above 0 (10, 2.5s, "
		    "500ms), not '%s'", arg);
	case OPT_EXCLUDE:
		o->excludes[o->nexcludes++] = arg;
		return 0;
	case OPT_RETRY:
		o->retries = (int)strtonum(arg, 0, 100, &errstr);
		return errstr == NULL ? 0 :
		    bad("--retry wants a number from 0 to 100, not '%s'", arg);
	default:
		return -1;
	}
}

static int
short_opt(int ch, const char *arg, struct opts *o)
{
	const char *errstr;

	switch (ch) {
	case 'b': o->block = 1; return 0;
	case 'd': o->cwd = arg; return 0;
	case 'e':
		if (!env_ok(arg)) {
			return bad("-e wants NAME=value, NAME of letters, "
			    "digits and '_', not '%s'", arg);
		}
		o->env[o->envc++] = (char *)(uintptr_t)arg;
		return 0;
	case 'f':
		o->fanout = (int)strtonum(arg, 1, FANOUT_MAX, &errstr);
		return errstr == NULL ? 0 : bad("-f wants a number of hosts "
		    "from 1 to %d, not '%s'", FANOUT_MAX, arg);
	case 'F': o->config = arg; return 0;
	case 'k': o->keyfile = arg; return 0;
	case 'l': o->login = arg; return 0;
	case 'm':
		o->max_time = arg;
		return opts_duration(arg, &o->timeout_ms) == 0 ? 0 : bad("-m "
		    "wants a time above 0 (10, 1.5s, 250ms), not '%s'", arg);
	case 'M': o->master = 1; return 0;
	case 'n': o->no_stdin = 1; return 0;
	case 'O': o->ctl_op = arg; return 0;
	case 'o': o->cfg[o->ncfg++] = arg; return 0;
	case 'p':
		o->port = arg;
		return opts_port(arg) != -1 ? 0 : bad("invalid port '%s'", arg);
	case 'q': o->quiet = 1; return 0;
	case 'T': o->no_tty = 1; return 0;
	case 't': o->tty++; return 0;
	case 'u': o->udp = 1; return 0;
	case 'v': o->verbose = 1; return 0;
	case 'w': o->hosts[o->nhosts++] = arg; return 0;
	case 'X': o->excludes[o->nexcludes++] = arg; return 0;
	case 'x': o->argv_mode = 1; return 0;
	case 'V': o->version = 1; return 0;
	case 'h': o->help = 1; return 0;
	default: return long_opt(ch, arg, o);
	}
}

int
opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "connect-timeout", required_argument, NULL,
		    OPT_CONNECT_TIMEOUT },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "derive", no_argument, NULL, OPT_DERIVE },
		{ "fleet", no_argument, NULL, OPT_FLEET },
		{ "keygen", required_argument, NULL, OPT_KEYGEN },
		{ "line-mode", no_argument, NULL, OPT_LINE_MODE },
		{ "max-reply", required_argument, NULL, OPT_MAX_REPLY },
		{ "max-time", required_argument, NULL, 'm' },
		{ "retry", required_argument, NULL, OPT_RETRY },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	/* At most one -o, -e, -w or -X per argument: argc entries each. */
	o->cfg = calloc((size_t)argc + 1, sizeof(*o->cfg));
	o->env = calloc((size_t)argc + 1, sizeof(*o->env));
	o->hosts = calloc((size_t)argc + 1, sizeof(*o->hosts));
	o->excludes = calloc((size_t)argc + 1, sizeof(*o->excludes));
	if (o->cfg == NULL || o->env == NULL || o->hosts == NULL ||
	    o->excludes == NULL) {
		return bad("%s", "out of memory");
	}
	while ((ch = getopt_long(argc, argv, "+bd:e:f:F:hk:l:Mm:nO:o:p:qTtuVvw:X:x",
	    longopts, NULL)) != -1) {
		if (ch == '?') {
			o->help = -1;	/* getopt said what; usage follows */
			return -1;
		}
		if (short_opt(ch, optarg, o) == -1) {
			return -1;
		}
	}
	o->argi = optind;
	if (o->nhosts == 0 && (o->block || o->fanout != 0 ||
	    o->nexcludes > 0)) {
		return bad("%s", "-b, -f and -X go with -w HOSTLIST");
	}
	if (o->fleet && o->keygen == NULL) {
		return bad("%s", "--fleet goes with --keygen KEYID");
	}
	if (o->derive && (o->keygen != NULL || o->nhosts > 0 || o->master ||
	    o->ctl_op != NULL)) {
		return bad("%s", "--derive goes with no --keygen, -w, -M or -O");
	}
	if (o->block && o->json) {
		return bad("%s", "-b and --json do not go together: --json "
		    "already gives one object a host");
	}
	return 0;
}

void
opts_free(struct opts *o)
{
	free(o->cfg);
	free(o->env);
	free(o->hosts);
	free(o->excludes);
	o->cfg = NULL;
	o->env = NULL;
	o->hosts = o->excludes = NULL;
}
