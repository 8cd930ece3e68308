/*
 * rsh: run a command on a remote host through rshd.  Options, the key,
 * the connection (TCP here, UDP in dgram.c), and the exit status.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"
#include "netio.h"
#include "wire.h"

#include "dgram.h"
#include "session.h"

#define DEFAULT_PORT		"2222"
/* The Makefile sets it; tools run without the Makefile's flags need one. */
#ifndef RSH_VERSION
#define RSH_VERSION		"unknown"
#endif
#define CONNECT_TIMEOUT_MS	10000

struct options {
	const char	*port;
	const char	*keyfile;
	int		 argv_mode;	/* -x */
	int		 no_stdin;	/* -n */
	uint32_t	 timeout_ms;	/* -m */
	int		 udp;		/* -u */
	uint16_t	 max_reply;	/* --max-reply, 0: not given */
	const char	*keygen;
};

enum { OPT_KEYGEN = 256, OPT_MAX_REPLY };

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: rsh [-p PORT] [-k KEYFILE] [-x] [-n] [-m SECONDS] "
	    "HOST[:PORT] COMMAND [ARG]...\n"
	    "       rsh -u [-p PORT] [-k KEYFILE] [-x] [-n] [-m SECONDS] "
	    "[--max-reply N]\n"
	    "              HOST[:PORT] COMMAND [ARG]...\n"
	    "       rsh --keygen KEYID\n");
	exit(status == 0 ? 0 : RSH_EXIT_FAILURE);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("rsh: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(RSH_EXIT_FAILURE);
}

/* "1", "0.5", "90": milliseconds for TIMEOUT; at most about 49 days. */
static uint32_t
parse_seconds(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) ||
	    v > 4294967.0) {
		die("-m wants a number of seconds above 0, not '%s'", s);
	}
	return v * 1000 < 1 ? 1 : (uint32_t)(v * 1000);
}

/* --max-reply: the largest reply datagram we accept, in bytes. */
static uint16_t
parse_max_reply(const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < DGRAM_REPLY_MIN || v > DGRAM_REPLY_MAX) {
		die("--max-reply wants a number of bytes from %d to %d, not '%s'",
		    DGRAM_REPLY_MIN, DGRAM_REPLY_MAX, s);
	}
	return (uint16_t)v;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "keygen", required_argument, NULL, OPT_KEYGEN },
		{ "max-reply", required_argument, NULL, OPT_MAX_REPLY },
		{ "max-time", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	/* '+': the remote command's own options are not ours. */
	while ((ch = getopt_long(argc, argv, "+hk:m:np:uVx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_KEYGEN: o->keygen = optarg; break;
		case OPT_MAX_REPLY: o->max_reply = parse_max_reply(optarg); break;
		case 'k': o->keyfile = optarg; break;
		case 'm': o->timeout_ms = parse_seconds(optarg); break;
		case 'n': o->no_stdin = 1; break;
		case 'p': o->port = optarg; break;
		case 'u': o->udp = 1; break;
		case 'x': o->argv_mode = 1; break;
		case 'V':
			printf("rsh %s (protocol 1)\n", RSH_VERSION);
			exit(0);
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	return optind;
}

/*
 * Over UDP the whole exchange must end inside the server's 30 s clock
 * window: the command gets at most 22 s (its default there), the reply
 * 3 s more.
 */
static void
check_udp(struct options *o)
{
	if (!o->udp) {
		if (o->max_reply != 0) {
			die("%s", "--max-reply goes with -u (UDP)");
		}
		return;
	}
	if (o->timeout_ms > DGRAM_MAXTIME_MS) {
		die("over UDP a command may run at most %d s; use TCP "
		    "(without -u)", DGRAM_MAXTIME_MS / 1000);
	}
	if (o->timeout_ms == 0) {
		o->timeout_ms = DGRAM_MAXTIME_MS;
	}
	if (o->max_reply == 0) {
		o->max_reply = DGRAM_REPLY_DEFAULT;
	}
}

static int
keygen(const char *id)
{
	char line[256];

	if (keys_generate_line(id, line, sizeof(line)) == -1) {
		die("'%s' is not a valid key id (1 to 64 of A-Z a-z 0-9 . _ @ -)",
		    id);
	}
	fputs(line, stdout);
	return fflush(stdout) == 0 ? 0 : RSH_EXIT_FAILURE;
}

/* -k, else $RSH_KEY, else ~/.config/rsh/key. */
static const char *
key_path(const struct options *o, char *buf, size_t len)
{
	const char	*home;
	struct passwd	*pw;

	if (o->keyfile != NULL) {
		return o->keyfile;
	}
	if ((home = getenv("RSH_KEY")) != NULL && *home != '\0') {
		return home;
	}
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		if ((pw = getpwuid(getuid())) == NULL) {
			die("%s", "cannot find your home directory for the "
			    "key file; use -k");
		}
		home = pw->pw_dir;
	}
	snprintf(buf, len, "%s/.config/rsh/key", home);
	return buf;
}

static void
lowercase_first(char *s)
{
	s[0] = (char)tolower((unsigned char)s[0]);
}

/* Fresh Nc and X25519 key; the first use of libcrypto pays its start-up. */
static void
prepare_handshake(struct rsh_target *t)
{
	if (crypto_init() == -1 || crypto_random(t->nc, sizeof(t->nc)) == -1 ||
	    (t->xkey = crypto_x25519_new(NULL)) == NULL) {
		die("cannot initialize OpenSSL's libcrypto");
	}
	t->prepared = 1;
}

/*
 * Connects to host:port within the timeout, trying every address, and
 * prepares t's handshake secrets meanwhile.
 */
static int
connect_to(const char *host, const char *port, const char *display,
    struct rsh_target *t)
{

	struct addrinfo	 hints, *res, *ai;
	char		 err[256] = "no address";
	int		 fd = -1, rc, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "rsh: %s: %s\n", display, gai_strerror(rc));
		exit(RSH_EXIT_FAILURE);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd pfd;
		int e = 0;
		socklen_t elen = sizeof(e);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (fd == -1) {
			continue;
		}
		/* From the first byte: no delayed-ACK stall on C1. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			e = errno;
			if (e == EINPROGRESS && t != NULL) {
				/* The handshake's crypto, while SYN and S1 travel. */
				prepare_handshake(t);
				t = NULL;
			}
			if (e == EINPROGRESS) {
				pfd.fd = fd;
				pfd.events = POLLOUT;
				e = poll(&pfd, 1, CONNECT_TIMEOUT_MS) == 1 ?
				    (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
				    &elen) == 0 ? e : errno) : ETIMEDOUT;
			}
		}
		if (e == 0 && netio_set_nonblock(fd, 0) == 0) {
			break;
		}
		snprintf(err, sizeof(err), "%s", strerror(e));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (t != NULL) {
		prepare_handshake(t);
	}
	if (fd == -1) {
		lowercase_first(err);
		fprintf(stderr, "rsh: %s: %s\n", display, err);
		exit(RSH_EXIT_FAILURE);
	}
	return fd;
}

/* The EXEC: a shell command line (like ssh) or, with -x, an argv. */
static char *
build_exec(const struct options *o, int argc, char **argv,
    struct wire_exec *e)
{
	static char	*shell_argv[2];	/* e->argv outlives this call */
	char		*line = NULL;
	size_t		 len = 0;

	memset(e, 0, sizeof(*e));
	e->has_flags = 1;
	e->flags = o->no_stdin ? EXEC_FLAG_NO_STDIN : 0;
	if (o->timeout_ms > 0) {
		e->has_timeout = 1;
		e->timeout_ms = o->timeout_ms;
	}
	if (o->argv_mode) {
		e->argv = argv;
		e->argc = (size_t)argc;
		return NULL;
	}
	for (int i = 0; i < argc; i++) {
		len += strlen(argv[i]) + 1;
	}
	if ((line = malloc(len)) == NULL) {
		die("%s", "out of memory");
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
	e->argv = shell_argv;
	e->argc = 1;
	return line;
}

/*
 * Keeps 0, 1 and 2 taken, so that the socket never lands on one of them
 * and output never goes into the connection.  Returns 1 when stdin was
 * closed: the command then gets no input.
 */
static int
stdio_closed(void)
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

static int
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		return -1;
	}
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* TCP: connect, then one session with signals forwarded. */
static int
run_tcp(const char *host, const char *port, struct rsh_target *t,
    const struct wire_exec *e)
{
	int fd, sigfd, status;

	t->timeout_ms = CONNECT_TIMEOUT_MS;
	fd = connect_to(host, port, t->display, t);
	if ((sigfd = block_signals()) == -1) {
		die("signalfd: %s", strerror(errno));
	}
	status = session_run(fd, sigfd, t, e);
	/* NULL once the handshake took it; still ours when no S1 came. */
	crypto_x25519_free(t->xkey);
	close(sigfd);
	close(fd);
	return status;
}

/* UDP: one datagram each way; nothing to forward a signal to. */
static int
run_udp(const char *host, const char *port, const struct options *o,
    const struct rsh_target *t, const struct wire_exec *e)
{
	struct dgram_target d;

	memset(&d, 0, sizeof(d));
	d.host = host;
	d.port = port;
	d.display = t->display;
	d.name = t->name;
	d.key = t->key;
	d.max_reply = o->max_reply;
	return dgram_run(&d, e);
}

int
main(int argc, char **argv)
{
	struct options		 o;
	struct rsh_target	 t;
	struct wire_exec	 e;
	struct keyring		*keys;
	char			 host[NETIO_NAMEMAX], port[32], name[NETIO_NAMEMAX];
	char			 display[NETIO_NAMEMAX + 40], err[1024], kbuf[4096];
	char			*line;
	const char		*kpath;
	int			 i, status;

	memset(&o, 0, sizeof(o));
	i = parse_args(argc, argv, &o);
	if (o.keygen != NULL) {
		return keygen(o.keygen);
	}
	if (argc - i < 2) {
		usage(1);
	}
	check_udp(&o);
	if (stdio_closed() || stdin_is_devnull()) {
		o.no_stdin = 1;
	}
	if (netio_split_hostport(argv[i], host, sizeof(host), port,
	    sizeof(port)) == -1 || netio_name_canon(host, name,
	    sizeof(name)) == -1) {
		die("'%s' is not a host name or address", argv[i]);
	}
	if (port[0] == '\0') {
		snprintf(port, sizeof(port), "%s",
		    o.port != NULL ? o.port : DEFAULT_PORT);
	}
	snprintf(display, sizeof(display), strchr(host, ':') != NULL ?
	    "[%s]:%s" : "%s:%s", host, port);
	kpath = key_path(&o, kbuf, sizeof(kbuf));
	if ((keys = keys_load(kpath, KEYS_CLIENT, err, sizeof(err))) == NULL) {
		die("%s", err);
	}
	memset(&t, 0, sizeof(t));
	t.display = display;
	t.name = name;
	if ((t.key = keys_find_host(keys, name)) == NULL) {
		fprintf(stderr, "rsh: no key for %s in %s\n", name, kpath);
		keys_free(keys);
		return RSH_EXIT_FAILURE;
	}
	line = build_exec(&o, argc - i - 1, argv + i + 1, &e);
	status = o.udp ? run_udp(host, port, &o, &t, &e) :
	    run_tcp(host, port, &t, &e);
	free(line);
	keys_free(keys);
	return status;
}
