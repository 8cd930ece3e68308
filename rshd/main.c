/*
 * rshd: the remote command execution daemon.  Options and lifecycle.
 */
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libutil.h>

#include "crypto.h"
#include "keys.h"
#include "log.h"

#include "audit.h"
#include "authlog.h"
#include "conf.h"
#include "keypool.h"
#include "policy.h"
#include "reaper.h"
#include "server.h"
#include "systemd.h"
#include "udpd.h"

#define DEFAULT_KEYS	"/etc/rsh/keys"
#define DEFAULT_PORT	"2222"
#define MAX_OVERRIDES	64
/* Connections a burst can open at once without making a key; each is
 * remade every second, so a bigger pool costs CPU when idle. */
#define KEYPOOL_SIZE	16

enum { OPT_PORT_FILE = 256, OPT_PID_FILE, OPT_NO_UDP };

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: rshd [-Ddt] [-k KEYSFILE] [-l ADDRESS]... [-p PORT] "
	    "[--port-file FILE]\n"
	    "            [--pid-file FILE] [--no-udp] [-f CONFIG] "
	    "[-o KEYWORD=VALUE]... [-V] [-h]\n");
	exit(status);
}

/* Command-line settings, applied after the config file and -o. */
struct cmdline {
	const char	*config;
	const char	*overrides[MAX_OVERRIDES];
	size_t		 noverrides;
	const char	*keys, *port, *port_file, *pid_file;
	const char	*listen[CONF_MAXLISTEN];
	size_t		 nlisten;
	int		 foreground, debug, no_udp;
	int		 check;		/* -t: check the files, then exit */
};

static void
parse_args(int argc, char **argv, struct cmdline *cl)
{
	static const struct option longopts[] = {
		{ "port-file", required_argument, NULL, OPT_PORT_FILE },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "no-udp", no_argument, NULL, OPT_NO_UDP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "Ddf:hk:l:o:p:tV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'D': cl->foreground = 1; break;
		case 'd': cl->debug = 1; break;
		case 'f': cl->config = optarg; break;
		case 'k': cl->keys = optarg; break;
		case 'p': cl->port = optarg; break;
		case OPT_PORT_FILE: cl->port_file = optarg; break;
		case OPT_PID_FILE: cl->pid_file = optarg; break;
		case OPT_NO_UDP: cl->no_udp = 1; break;
		case 'l':
			if (cl->nlisten == CONF_MAXLISTEN) {
				errx(1, "at most %d -l addresses",
				    CONF_MAXLISTEN);
			}
			cl->listen[cl->nlisten++] = optarg;
			break;
		case 'o':
			if (cl->noverrides == MAX_OVERRIDES) {
				errx(1, "at most %d -o options", MAX_OVERRIDES);
			}
			cl->overrides[cl->noverrides++] = optarg;
			break;
		case 't': cl->check = 1; break;
		case 'V':
			printf("rshd %s (protocol 1)\n", RSH_VERSION);
			exit(0);
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	if (optind != argc) {
		usage(1);
	}
}

/* 1 to 65535; 0 (a free port) only from -p. */
static void
check_port(const char *port, int from_option)
{
	const char *errstr = NULL;

	(void)strtonum(port, from_option ? 0 : 1, 65535, &errstr);
	if (errstr != NULL) {
		errx(1, "invalid port '%s' (%s)", port, from_option ?
		    "0 to 65535; 0 takes a free one" : "1 to 65535");
	}
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		errx(1, "out of memory");
	}
	return p;
}

static void
absolutize(char **path)
{
	char	cwd[4096], *abs;

	if (*path == NULL || (*path)[0] == '/') {
		return;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    asprintf(&abs, "%s/%s", cwd, *path) == -1) {
		errx(1, "cannot make %s an absolute path", *path);
	}
	free(*path);
	*path = abs;
}

/* Defaults, then the config file, then -o, then the other flags. */
static void
build_conf(const struct cmdline *cl, struct conf *c)
{
	char err[512];

	conf_defaults(c);
	if (cl->config != NULL && conf_load(c, cl->config, err,
	    sizeof(err)) == -1) {
		errx(1, "%s", err);
	}
	for (size_t i = 0; i < cl->noverrides; i++) {
		if (conf_set(c, cl->overrides[i], err, sizeof(err)) == -1) {
			errx(1, "-o %s: %s", cl->overrides[i], err);
		}
	}
#define SET(field, value) do {						\
	if ((value) != NULL) {						\
		free(c->field);						\
		c->field = xstrdup(value);				\
	}								\
} while (0)
	SET(keys_file, cl->keys);
	SET(port, cl->port);
	SET(port_file, cl->port_file);
	SET(pid_file, cl->pid_file);
#undef SET
	if (c->keys_file == NULL) {
		c->keys_file = xstrdup(DEFAULT_KEYS);
	}
	if (c->port == NULL) {
		c->port = xstrdup(DEFAULT_PORT);
	}
	check_port(c->port, cl->port != NULL);
	/* daemon() moves to /: files named on the command line stay put. */
	absolutize(&c->port_file);
	absolutize(&c->pid_file);
	absolutize(&c->audit_log);	/* reopened on SIGHUP, after chdir */
	if (cl->nlisten > 0) {
		for (size_t i = 0; i < c->nlisten; i++) {
			free(c->listen[i]);
		}
		for (size_t i = 0; i < cl->nlisten; i++) {
			c->listen[i] = xstrdup(cl->listen[i]);
		}
		c->nlisten = cl->nlisten;
	}
	c->foreground = cl->foreground || cl->check;
	c->debug = cl->debug;
	if (cl->no_udp) {
		c->udp = 0;
	}
}

static struct pidfh *
open_pid_file(const char *path)
{
	struct pidfh	*pfh;
	pid_t		 other = -1;

	if ((pfh = pidfile_open(path, 0644, &other)) != NULL) {
		return pfh;
	}
	if (errno == EEXIST && other > 0) {
		log_err("already running as pid %d (pid file %s)", (int)other,
		    path);
	} else {
		log_err("pid file %s: %s", path, strerror(errno));
	}
	return NULL;
}

/* Writes "PORT\n" to path atomically: readers never see half a file. */
static int
write_port_file(const char *path, int port)
{
	char	tmp[4096];
	FILE	*fp;
	int	fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    (int)sizeof(tmp) || (fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (fprintf(fp, "%d\n", port) < 0 || fchmod(fd, 0644) == -1 ||
	    fclose(fp) != 0 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Signals arrive through a signalfd; every thread inherits the mask. */
static int
setup_signals(void)
{
	sigset_t	set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (reaper_needed()) {
		/* Orphans come to us; their exits are our SIGCHLD. */
		sigaddset(&set, SIGCHLD);
	}
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
		return -1;
	}
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* 0, 1 and 2 open, so no socket or pipe ever lands on them. */
static void
sanitize_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1 && fd < 3) {
		(void)fcntl(fd, F_SETFD, 0);
	}
	if (fd > 2) {
		close(fd);
	}
}

/* The keys and what each may do; a key with a bad option is skipped,
 * and reported, while the others work.  Returns how many were skipped. */
static int
load_keys(struct rshd *d, const struct conf *c)
{
	int	 bad = 0;
	char	 err[1024], *report = NULL, *line, *save = NULL;
	size_t	 usable = 0;

	if ((d->keys = keys_load(c->keys_file, KEYS_SERVER, err,
	    sizeof(err))) == NULL) {
		log_err("%s", err);
		exit(1);
	}
	if (keys_count(d->keys) == 0) {
		log_err("keys file %s holds no key; add one with "
		    "'rsh --keygen ID'", c->keys_file);
		exit(1);
	}
	if ((d->policy = policy_load(d->keys, c->keys_file, c, &d->account,
	    &report, &usable)) == NULL) {
		log_err("out of memory reading the keys' options");
		exit(1);
	}
	for (line = report != NULL ? strtok_r(report, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		log_err("%s", line);
		bad++;
	}
	free(report);
	if (usable == 0) {
		log_err("keys file %s holds no usable key", c->keys_file);
		exit(1);
	}
	return bad;
}

int
main(int argc, char **argv)
{
	/* Static: session threads use them until the very end. */
	static struct conf	 c;
	static struct rshd	 d;
	struct cmdline		 cl;
	struct pidfh		*pfh = NULL;
	char			 err[512];
	struct listeners	 l;
	struct udpd		*udp = NULL;
	int			 port, sigfd, nfds;

	memset(&cl, 0, sizeof(cl));
	memset(&d, 0, sizeof(d));
	parse_args(argc, argv, &cl);
	build_conf(&cl, &c);
	sanitize_stdio();
	log_init("rshd", c.foreground ? LOG_TO_STDERR : LOG_TO_BOTH, c.debug);
	if (crypto_init() == -1) {
		log_err("cannot initialize OpenSSL's libcrypto");
		exit(1);
	}
	d.conf = &c;
	if (exec_account_self(&d.account) == -1) {
		log_err("cannot look up the account of uid %u",
		    (unsigned)geteuid());
		exit(1);
	}
	if (load_keys(&d, &c) > 0 && cl.check) {
		exit(1);
	}
	if (audit_open(c.audit_log, err, sizeof(err)) == -1) {
		log_err("%s", err);
		exit(1);
	}
	if (cl.check) {
		if (server_names_init(&d) == -1) {
			exit(1);
		}
		printf("rshd: %s%s and keys file %s are in order: %zu keys\n",
		    cl.config != NULL ? "config file " : "settings",
		    cl.config != NULL ? cl.config : "", c.keys_file,
		    keys_count(d.keys));
		exit(0);
	}
	if (server_names_init(&d) == -1) {
		exit(1);
	}
	if ((d.srcs = calloc((size_t)c.max_unauth, sizeof(*d.srcs))) == NULL ||
	    (d.shutdown_fd = eventfd(0, EFD_CLOEXEC)) == -1 ||
	    (sigfd = setup_signals()) == -1) {
		log_err("cannot set up: %s", strerror(errno));
		exit(1);
	}
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.idle, NULL);
	/* Before binding: a second instance names the first, not the port. */
	if (c.pid_file != NULL && (pfh = open_pid_file(c.pid_file)) == NULL) {
		exit(1);
	}
	/* Sockets systemd holds for us, or our own. */
	if ((nfds = systemd_listeners(&l, err, sizeof(err))) > 0) {
		port = server_port(l.tcp[0]);
		if (!c.udp) {
			while (l.nudp > 0) {
				close(l.udp[--l.nudp]);
			}
		}
	} else if (nfds == -1 ||
	    server_listen(&d, &l, &port, err, sizeof(err)) == -1) {
		log_err("%s", err);
		if (pfh != NULL) {
			pidfile_remove(pfh);
		}
		exit(1);
	}
	if (!c.foreground && daemon(0, 0) == -1) {
		log_err("daemon: %s", strerror(errno));
		exit(1);
	}
	if (!c.foreground) {
		log_init("rshd", LOG_TO_SYSLOG, c.debug);
	}
	if (pfh != NULL) {
		(void)pidfile_write(pfh);
	}
	/* After daemon() (threads do not survive fork) and after the signal
	 * mask is set (the thread must not take our signals). */
	if ((d.pool = keypool_new(KEYPOOL_SIZE)) == NULL) {
		log_err("cannot start the key pool thread");
		exit(1);
	}
	if (c.port_file != NULL && write_port_file(c.port_file, port) == -1) {
		log_err("port file %s: %s", c.port_file, strerror(errno));
		exit(1);
	}
	if (l.nudp > 0 && (udp = udpd_start(&d, l.udp, l.nudp, err,
	    sizeof(err))) == NULL) {
		log_err("%s", err);
		exit(1);
	}
	log_info("listening on port %d, TCP%s (%zu keys)%s", port,
	    udp != NULL ? " and UDP" : "", keys_count(d.keys),
	    nfds > 0 ? ", sockets from systemd" : "");
	systemd_notify("READY=1");
	if (server_run(&d, l.tcp, l.ntcp, sigfd) != 0) {
		/* Sessions still use d and libcrypto: no cleanup under them. */
		if (pfh != NULL) {
			pidfile_remove(pfh);
		}
		_exit(0);
	}
	udpd_stop(udp);
	authlog_flush();
	if (pfh != NULL) {
		pidfile_remove(pfh);
	}
	keypool_free(d.pool);
	log_info("stopped");
	audit_close();
	policy_free(d.policy);
	keys_free(d.keys);
	exec_account_free(&d.account);
	for (size_t i = 0; i < d.nnames; i++) {
		free(d.names[i]);
	}
	free(d.srcs);
	conf_free(&c);
	return 0;
}
