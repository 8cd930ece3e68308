/*
 * rshd: the remote command execution daemon.  Options and lifecycle.
 */
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
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

#include "admit.h"
#include "audit.h"
#include "authlog.h"
#include "conf.h"
#include "copyd.h"
#include "copyreq.h"
#include "keypool.h"
#include "monitor.h"
#include "policy.h"
#include "priv.h"
#include "reaper.h"
#include "runfiles.h"
#include "sandbox.h"
#include "server.h"
#include "snapshot.h"
#include "systemd.h"
#include "title.h"
#include "udpd.h"

/* Connections a burst can open at once without making a key; each is
 * remade every second, so a bigger pool costs CPU when idle. */
#define KEYPOOL_SIZE	16

enum { OPT_PORT_FILE = 256, OPT_PID_FILE, OPT_NO_UDP };

/* -i: one connection on standard input, then exit. */
static int inetd;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: rshd [-Ddit] [-k KEYSFILE] [-l ADDRESS]... [-p PORT] "
	    "[--port-file FILE]\n"
	    "            [--pid-file FILE] [--no-udp] [-f CONFIG] "
	    "[-o KEYWORD=VALUE]... [-V] [-h]\n");
	if (status == 0) {
		fputs("\n"
		    "  -D                  foreground, log to stderr (systemd, "
		    "tests)\n"
		    "  -d                  log debugging messages too\n"
		    "  -f CONFIG           settings file (default "
		    SNAPSHOT_DEFAULT_CONFIG ",\n"
		    "                      read if it exists; -f none: no "
		    "file; see rshd.conf(5))\n"
		    "  -i                  serve one connection on stdin "
		    "(inetd, Accept=yes)\n"
		    "  -k KEYSFILE         keys file (default " SNAPSHOT_DEFAULT_KEYS
		    ")\n"
		    "  -l ADDRESS          listen on this address (repeatable; "
		    "default ::)\n"
		    "  -o KEYWORD=VALUE    a setting, over the file's "
		    "(repeatable)\n"
		    "  -p PORT             TCP and UDP port (default 2222; 0: "
		    "any free one)\n"
		    "  -t                  check settings and keys, print what "
		    "is wrong, exit\n"
		    "  --no-udp            serve TCP only\n"
		    "  --pid-file FILE     write the pid, locked, to FILE\n"
		    "  --port-file FILE    write the port listened on to FILE "
		    "(with -p 0)\n"
		    "  -h, --help          this text;  -V, --version  the "
		    "version\n"
		    "\n"
		    "SIGHUP reloads the keys and settings; SIGTERM stops, "
		    "letting commands end\n"
		    "within ShutdownGrace.  See rshd(8).\n", stdout);
	}
	exit(status);
}

static void
parse_args(int argc, char **argv, struct snapshot_source *cl)
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

	cl->config = SNAPSHOT_DEFAULT_CONFIG;
	cl->config_optional = 1;
	while ((ch = getopt_long(argc, argv, "Ddf:hik:l:o:p:tV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'D': cl->foreground = 1; break;
		case 'd': cl->debug = 1; break;
		case 'f':
			/* "none", as ssh -F none: a file so named is
			 * ./none. */
			cl->config = strcmp(optarg, "none") == 0 ? NULL :
			    optarg;
			cl->config_optional = 0;
			break;
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
			if (cl->noverrides == SNAPSHOT_MAXOVERRIDES) {
				errx(1, "at most %d -o options",
				    SNAPSHOT_MAXOVERRIDES);
			}
			cl->overrides[cl->noverrides++] = optarg;
			break;
		case 't': cl->check = 1; break;
		case 'i': inetd = 1; break;
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

static struct pidfh *
open_pid_file(const char *path)
{
	struct pidfh	*pfh;
	pid_t		 other = -1;
	int		 err;

	if ((pfh = pidfile_open(path, 0644, &other)) != NULL) {
		/* libbsd leaves it open across exec: no command may have
		 * the lock and the file. */
		if (fcntl(pidfile_fileno(pfh), F_SETFD, FD_CLOEXEC) == -1) {
			log_err("pid file %s: cannot set close-on-exec: %s",
			    path, strerror(errno));
			pidfile_remove(pfh);
			return NULL;
		}
		return pfh;
	}
	/* Locked by a running rshd, whose "PID\n" libbsd cannot read. */
	err = errno;
	if (err == EINVAL) {
		other = runfiles_read_pid(path);
		err = other > 0 ? EEXIST : err;
	}
	if (err == EEXIST && other > 0) {
		log_err("already running as pid %d (pid file %s)", (int)other,
		    path);
	} else {
		log_err("pid file %s: %s", path, strerror(err));
	}
	return NULL;
}

/*
 * Writes "PID\n" into the locked pid file: libbsd's pidfile_write() leaves
 * out the newline that Linux tools (and `read pid < file`) expect.
 */
static void
write_pid_file(struct pidfh *pfh)
{
	char	buf[32];
	int	fd = pidfile_fileno(pfh), n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (fd == -1 || ftruncate(fd, 0) == -1 ||
	    pwrite(fd, buf, (size_t)n, 0) != n) {
		log_warn("cannot write the pid file: %s", strerror(errno));
	}
}

/* Signals arrive through a signalfd; every thread inherits the mask. */
static int
setup_signals(void)
{
	sigset_t	set;

	signal(SIGPIPE, SIG_IGN);
	/* Inherited as ignored (an inetd may do that), it would make the
	 * kernel reap our commands before we learn how they ended; and an
	 * ignored signal never reaches the signalfd (nohup rshd would never
	 * reload). */
	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
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

/* The first snapshot; a key refused for its options is logged, and
 * with -t makes the check fail. */
static struct snapshot *
first_snapshot(const struct snapshot_source *src,
    const struct exec_account *self)
{
	struct snapshot	*snap;
	char		 err[1024], *report = NULL, *line, *save = NULL;
	int		 bad = 0;

	snap = snapshot_load(src, self, 1, &report, err, sizeof(err));
	for (line = report != NULL ? strtok_r(report, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		log_err("%s", line);
		bad++;
	}
	free(report);
	if (snap == NULL) {
		log_err("%s", err);
		exit(1);
	}
	if (bad > 0 && src->check) {
		exit(1);
	}
	return snap;
}

/* The privileged part's pid. */
static pid_t monitor_pid = -1;

/* What the network part drops to once the privileged part is forked. */
static struct sandbox sandbox;

/*
 * Forks the privileged part (monitor.h), before any thread starts and
 * once the start can no longer fail: it keeps nothing of ours but the
 * snapshot's memory and its end of the hello socket.
 */
static void
start_monitor(struct rshd *d, const struct snapshot_source *src)
{
	char	err[512];
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_err("cannot make the privileged part's socket: %s",
		    strerror(errno));
		exit(1);
	}
	if ((monitor_pid = fork()) == -1) {
		log_err("cannot start the privileged part: %s",
		    strerror(errno));
		exit(1);
	}
	if (monitor_pid == 0) {
		/* Listeners, the signalfd, the pid and audit files: none is
		 * the privileged part's to use. */
		close(sv[0]);
		(void)close_range(3, (unsigned int)sv[1] - 1, 0);
		(void)close_range((unsigned int)sv[1] + 1, ~0U, 0);
		monitor_run(sv[1], src, &d->account, d->boot);
	}
	close(sv[1]);
	/* The secrets are the privileged part's alone from here. */
	keys_forget_secrets(d->boot->keys);
	priv_init(sv[0]);
	snapshot_set_free_hook(priv_forget);
	audit_set_opener(priv_audit_open);
	systemd_notify_open();
	if (reaper_needed()) {
		/* Orphans come here: reap them, but not the privileged
		 * part, which stop_monitor() waits for. */
		reaper_open();
		if (reaper_add(monitor_pid) == -1) {
			log_err("out of memory");
			exit(1);
		}
	}
	/* Before any thread: from here this process is the network part
	 * alone, and needs no privilege. */
	if (sandbox_enter(&sandbox, sv[0], err, sizeof(err)) == -1) {
		log_err("cannot drop privileges: %s", err);
		exit(1);
	}
	/* The main thread reloads: its channel, made now, is part of the
	 * baseline rather than of the first reload. */
	if (priv_open() == -1) {
		log_err("cannot reach the privileged part: %s",
		    strerror(errno));
		exit(1);
	}
}

/* At the end: once every channel is closed, the privileged part stops
 * what is left and exits; wait for it, so that no rshd outlives us. */
static void
stop_monitor(void)
{
	priv_end();
	if (monitor_pid > 0) {
		while (waitpid(monitor_pid, NULL, 0) == -1 && errno == EINTR) {
		}
	}
}

/* -i: the connection is on 0 and 1; nothing else may write there.  Its
 * fd, moved off them before the network part may open /dev/null no more. */
static int
take_inetd_connection(void)
{
	int fd, null;

	if ((fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		log_err("-i: %s", strerror(errno));
		exit(1);
	}
	(void)dup2(null, STDIN_FILENO);
	(void)dup2(null, STDOUT_FILENO);
	(void)dup2(null, STDERR_FILENO);
	close(null);
	return fd;
}

static int
serve_inetd(struct rshd *d, int fd, int sigfd)
{
	title_one_connection();
	if (log_async_start() == -1) {
		log_warn("cannot start the log writer thread; logging "
		    "directly");
	}
	if (server_serve_one(d, fd, sigfd) == -1) {
		log_async_stop();
		stop_monitor();
		return 1;
	}
	authlog_flush();
	log_async_stop();
	audit_close();
	stop_monitor();
	return 0;
}

int
main(int argc, char **argv)
{
	/* Static: session threads use them until the very end. */
	static struct snapshot_source	 src;
	static struct rshd		 d;
	static char			 cwd[4096], *config;
	const struct conf		*c;
	struct pidfh			*pfh = NULL;
	char				 err[512], said[64];
	struct listeners		 l;
	struct udpd			*udp = NULL;
	int				 port, sigfd, nfds, fg;

	/* rcp's server side: rshd run again as the account (copyreq.h). */
	if (argc > 1 && strcmp(argv[1], COPYREQ_FLAG) == 0) {
		return copyd_main(argc - 1, argv + 1);
	}

	memset(&d, 0, sizeof(d));
	/* What whoever started rshd left open (but systemd's sockets) is
	 * not rshd's to keep, nor to pass on to commands. */
	closefrom(systemd_fds_end());
	title_init(argc, argv);
	parse_args(argc, argv, &src);
	fg = src.foreground || src.check;
	sanitize_stdio();
	/* With -i, standard output is the client's connection: syslog. */
	log_init("rshd", inetd && !src.check ? LOG_TO_SYSLOG : fg ?
	    LOG_TO_STDERR : LOG_TO_BOTH, src.debug);
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		log_err("cannot tell the current directory: %s",
		    strerror(errno));
		exit(1);
	}
	src.cwd = cwd;
	/* A reload reads it again, after daemon() moved to /. */
	if (src.config != NULL && src.config[0] != '/') {
		if (asprintf(&config, "%s/%s", cwd, src.config) == -1) {
			log_err("out of memory");
			exit(1);
		}
		src.config = config;
	}
	if (crypto_init() == -1) {
		log_err("cannot initialize OpenSSL's libcrypto");
		exit(1);
	}
	if (exec_account_self(&d.account) == -1) {
		log_err("cannot look up the account of uid %u",
		    (unsigned)geteuid());
		exit(1);
	}
	d.src = &src;
	d.boot = first_snapshot(&src, &d.account);
	d.cur = d.boot;
	snapshot_hold(d.cur);
	d.gen = d.cur->gen;
	c = &d.boot->conf;
	if (audit_open(c->audit_log, err, sizeof(err)) == -1 ||
	    sandbox_account(c, &sandbox, err, sizeof(err)) == -1) {
		log_err("%s", err);
		exit(1);
	}
	if (src.check) {
		const char *file = snapshot_config_path(&src);

		printf("rshd: %s%s and keys file %s are in order: %s\n",
		    file != NULL ? "config file " : "settings",
		    file != NULL ? file : "", c->keys_file,
		    snapshot_keys_said(d.boot, said, sizeof(said)));
		exit(0);
	}
	if (!sandbox.drop) {
		log_info("not started as root: no privilege to drop; the "
		    "network part runs as uid %u", (unsigned)geteuid());
	}
	if ((d.admit = admit_new()) == NULL ||
	    (d.shutdown_fd = eventfd(0, EFD_CLOEXEC)) == -1 ||
	    (sigfd = setup_signals()) == -1) {
		log_err("cannot set up: %s", strerror(errno));
		exit(1);
	}
	pthread_mutex_init(&d.snap_lock, NULL);
	if (inetd) {
		int fd = take_inetd_connection();

		start_monitor(&d, &src);
		return serve_inetd(&d, fd, sigfd);
	}
	/* Before binding: a second instance names the first, not the port. */
	if (c->pid_file != NULL && (pfh = open_pid_file(c->pid_file)) == NULL) {
		exit(1);
	}
	/* Sockets systemd holds for us, or our own. */
	if ((nfds = systemd_listeners(&l, err, sizeof(err))) > 0) {
		port = server_port(l.tcp[0]);
		if (!c->udp) {
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
	if (!fg && daemon(0, 0) == -1) {
		log_err("daemon: %s", strerror(errno));
		exit(1);
	}
	if (!fg) {
		log_init("rshd", LOG_TO_SYSLOG, src.debug);
	}
	start_monitor(&d, &src);
	/* From here a stalled log reader must not stall sessions.  After
	 * daemon() (threads do not survive fork) and with the signals
	 * blocked. */
	if (log_async_start() == -1) {
		log_warn("cannot start the log writer thread; logging "
		    "directly");
	}
	if (pfh != NULL) {
		write_pid_file(pfh);
	}
	if ((d.pool = keypool_new(KEYPOOL_SIZE)) == NULL) {
		log_err("cannot start the key pool thread");
		exit(1);
	}
	if (l.nudp > 0 && (udp = udpd_start(&d, l.udp, l.nudp, err,
	    sizeof(err))) == NULL) {
		log_err("%s", err);
		exit(1);
	}
	/* Last: whoever waits for it may use every part of rshd. */
	if (c->port_file != NULL && priv_port_file(port, err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		exit(1);
	}
	log_info("listening on port %d, TCP%s (%s)%s", port,
	    udp != NULL ? " and UDP" : "",
	    snapshot_keys_said(d.boot, said, sizeof(said)),
	    nfds > 0 ? ", sockets from systemd" : "");
	systemd_notify("READY=1");
	if (server_run(&d, l.tcp, l.ntcp, sigfd) != 0) {
		/* Sessions still use d and libcrypto: no cleanup under them. */
		if (pfh != NULL) {
			pidfile_close(pfh);
		}
		(void)log_async_flush(1000);
		_exit(0);
	}
	udpd_stop(udp);
	authlog_flush();
	/* The privileged part removes it, once this part is done: this
	 * part may have no right to. */
	if (pfh != NULL) {
		pidfile_close(pfh);
	}
	keypool_free(d.pool);
	log_info("stopped");
	log_async_stop();
	audit_close();
	stop_monitor();
	snapshot_put(d.cur);
	snapshot_put(d.boot);
	admit_free(d.admit);
	exec_account_free(&d.account);
	return 0;
}
