/*
 * master: rsh -M and rsh -O.  The master is a daemon of its own (double
 * fork, setsid, stdio on /dev/null) that listens on the control socket
 * (ctl.c) and runs pool.c's loop; rsh -M waits on a pipe until the
 * master's first connection is authenticated, or says why it is not.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"
#include "netio.h"

#include "ctl.h"
#include "master.h"
#include "mux.h"
#include "opts.h"
#include "pool.h"
#include "sink.h"
#include "target.h"

/* The master's listening socket at path, mode 0600; -1 (said in err). */
static int
listen_at(const char *path, ino_t *ino, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	struct stat		st;
	mode_t			old;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0600) == -1 || listen(fd, MASTER_CLIENTS) == -1 ||
	    stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	*ino = st.st_ino;
	return fd;
}

/* Removes the socket and pid file if they are still this master's. */
static void
cleanup(const char *path, ino_t ino)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_ino == ino) {
		ctl_remove(path);
	}
}

static void
write_pidfile(const char *path)
{
	char	pidpath[CTL_PATHMAX + 8];
	int	fd;

	snprintf(pidpath, sizeof(pidpath), "%s.pid", path);
	fd = open(pidpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd != -1) {
		dprintf(fd, "%d\n", (int)getpid());
		close(fd);
	}
}

/*
 * The background process, after the second fork: it never returns into
 * main, whose clean-up belongs to the rsh -M that started it.
 */
static void __attribute__((noreturn))
background(struct pool_params *pp, const char *path, ino_t ino)
{
	sigset_t	set;
	int		null, status;

	if ((null = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(null, 0);
		(void)dup2(null, 1);
		(void)dup2(null, 2);
		if (null > 2) {
			close(null);
		}
	}
	if (chdir("/") == -1) {
		/* nothing relative is used; the cwd only pins a mount */
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	pp->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	write_pidfile(path);
	status = pool_run(pp);
	cleanup(path, ino);
	_exit(status);
}

/* rsh -M waits for "ok PID" or the master's errors on r. */
static int
wait_ready(int r, pid_t child, const struct target *t, const char *path,
    int verbose, int quiet)
{
	char	buf[2048];
	size_t	have = 0;
	ssize_t	n;

	while (have < sizeof(buf) - 1 &&
	    (n = read(r, buf + have, sizeof(buf) - 1 - have)) != 0) {
		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n == -1) {
			break;
		}
		have += (size_t)n;
	}
	buf[have] = '\0';
	(void)waitpid(child, NULL, 0);
	if (strncmp(buf, "ok ", 3) == 0) {
		if (verbose) {
			fprintf(stderr, "rsh: %s: master pid %d on %s\n",
			    t->display, atoi(buf + 3), path);
		}
		return 0;
	}
	if (!quiet) {
		fputs(buf[0] != '\0' ? buf : "rsh: the master ended before "
		    "its first connection\n", stderr);
	}
	return RSH_EXIT_FAILURE;
}

int
master_start(const struct target *t, const struct key *k,
    const struct opts *o, int quiet)
{
	struct pool_params	pp;
	char			path[CTL_PATHMAX], err[512];
	int			fd, rp[2];
	ino_t			ino = 0;
	pid_t			pid;

	if (ctl_path(t, 1, path, sizeof(path), err, sizeof(err)) == -1 ||
	    mux_stale(path, err, sizeof(err)) == -1 ||
	    (fd = listen_at(path, &ino, err, sizeof(err))) == -1) {
		if (!quiet || strstr(err, "already runs") != NULL) {
			fprintf(stderr, "rsh: %s\n", err);
		}
		return strstr(err, "already runs") != NULL ? 0 :
		    RSH_EXIT_FAILURE;
	}
	memset(&pp, 0, sizeof(pp));
	pp.t = t;
	pp.k = k;
	pp.retries = o->retries;
	pp.lfd = fd;
	pp.persist_ms = t->persist ? t->persist_ms : MASTER_PERSIST_MS;
	if (pipe2(rp, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		fprintf(stderr, "rsh: cannot start the master: %s\n",
		    strerror(errno));
		cleanup(path, ino);
		close(fd);
		return RSH_EXIT_FAILURE;
	}
	if (pid == 0) {
		close(rp[0]);
		(void)setsid();
		if (fork() != 0) {
			_exit(0);	/* the master is nobody's child */
		}
		/* Only the master writes it, and never waits on it: a
		 * stopped rsh -M must not stop the master. */
		(void)netio_set_nonblock(rp[1], 1);
		pp.ready_fd = rp[1];
		background(&pp, path, ino);
	}
	close(rp[1]);
	close(fd);
	fd = wait_ready(rp[0], pid, t, path, o->verbose, quiet);
	close(rp[0]);
	return fd;
}

int
master_main(const struct opts *o, int argc, char **argv)
{
	struct target	 t;
	struct keyring	*keys;
	struct key	 key;
	const struct key *k;
	char		 err[1024];
	int		 status;

	if (argc - o->argi != 1 || (o->master && o->ctl_op != NULL)) {
		fprintf(stderr, "usage: rsh -M HOST  or  rsh -O check|exit "
		    "HOST\n");
		return RSH_EXIT_FAILURE;
	}
	if (target_resolve(&t, argv[o->argi], o) == -1) {
		return RSH_EXIT_FAILURE;
	}
	if (o->ctl_op != NULL) {
		return mux_control(&t, o->ctl_op);
	}
	/* libcrypto, loaded here, is said missing before any key is read. */
	if (crypto_init() == -1) {
		fprintf(stderr, "rsh: %s\n", crypto_init_error());
		return RSH_EXIT_FAILURE;
	}
	if ((keys = keys_load(t.keypath, KEYS_CLIENT, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "rsh: %s\n", err);
		return RSH_EXIT_FAILURE;
	}
	if ((k = target_key(&t, keys, &key, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rsh: %s\n", err);
		keys_free(keys);
		return RSH_EXIT_FAILURE;
	}
	status = master_start(&t, k, o, 0);
	crypto_wipe(&key, sizeof(key));
	keys_free(keys);
	return status;
}
