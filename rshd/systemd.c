/*
 * systemd: passed file descriptors start at 3 (SD_LISTEN_FDS_START); a
 * notification is one datagram to a Unix socket, abstract when its name
 * starts with '@'.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netio.h"

#include "systemd.h"
#include "udpd.h"

#define LISTEN_FDS_START	3

/* One passed socket, filed as TCP or UDP. */
static int
file_socket(int fd, struct listeners *l, char *err, size_t errlen)
{
	struct sockaddr_storage	ss = { 0 };
	socklen_t		len = sizeof(ss), tlen;
	int			type = 0;

	tlen = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		snprintf(err, errlen, "socket %d from systemd is not an IP "
		    "socket", fd);
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    netio_set_nonblock(fd, 1) == -1) {
		snprintf(err, errlen, "socket %d from systemd: %s", fd,
		    strerror(errno));
		return -1;
	}
	if (type == SOCK_STREAM && l->ntcp < SERVER_MAXLISTENERS) {
		l->tcp[l->ntcp++] = fd;
	} else if (type == SOCK_DGRAM && l->nudp < SERVER_MAXLISTENERS &&
	    udpd_prepare_socket(fd, ss.ss_family) == 0) {
		l->udp[l->nudp++] = fd;
	} else {
		snprintf(err, errlen, "socket %d from systemd: not a stream or "
		    "datagram socket rshd can use", fd);
		return -1;
	}
	return 0;
}

int
systemd_fds_end(void)
{
	const char	*pid = getenv("LISTEN_PID");
	const char	*fds = getenv("LISTEN_FDS");
	const char	*errstr = NULL;
	long long	 n;

	if (pid == NULL || fds == NULL ||
	    strtonum(pid, 1, 0x7fffffff, &errstr) != (long long)getpid()) {
		return LISTEN_FDS_START;
	}
	/* Out of range: systemd_listeners() refuses it; keep nothing. */
	n = strtonum(fds, 0, SERVER_MAXLISTENERS * 2, &errstr);
	return LISTEN_FDS_START + (errstr != NULL ? 0 : (int)n);
}

int
systemd_listeners(struct listeners *l, char *err, size_t errlen)
{
	const char	*pid = getenv("LISTEN_PID");
	const char	*fds = getenv("LISTEN_FDS");
	const char	*errstr = NULL;
	long long	 n;

	memset(l, 0, sizeof(*l));
	if (pid == NULL || fds == NULL ||
	    strtonum(pid, 1, 0x7fffffff, &errstr) != (long long)getpid()) {
		return 0;	/* not for us */
	}
	n = strtonum(fds, 0, SERVER_MAXLISTENERS * 2, &errstr);
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (errstr != NULL) {
		snprintf(err, errlen, "LISTEN_FDS=%s: %s", fds, errstr);
		return -1;
	}
	for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + n; fd++) {
		if (file_socket(fd, l, err, errlen) == -1) {
			return -1;
		}
	}
	if (n > 0 && l->ntcp == 0) {
		snprintf(err, errlen, "systemd passed no TCP socket");
		return -1;
	}
	return (int)n;
}

/* The notify socket, connected before the network part dropped its
 * privileges (systemd's is root's, a test's in a private directory);
 * -1 when there is none.  open_errno: why connecting it failed. */
static int	notify_fd = -1;
static int	notify_errno;

void
systemd_notify_open(void)
{
	const char		*path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sun;
	socklen_t		 len;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path)) {
		return;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@') {
		sun.sun_path[0] = '\0';	/* an abstract name */
	}
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC,
	    0)) == -1 || connect(notify_fd, (struct sockaddr *)&sun,
	    len) == -1) {
		notify_errno = errno;
		if (notify_fd != -1) {
			close(notify_fd);
		}
		notify_fd = -1;
	}
}

void
systemd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");

	if (notify_fd == -1 && notify_errno == 0) {
		return;		/* not started by systemd */
	}
	if (notify_fd == -1 || send(notify_fd, state, strlen(state),
	    MSG_NOSIGNAL) == -1) {
		log_warn("cannot notify systemd (%s): %s",
		    path != NULL ? path : "NOTIFY_SOCKET",
		    strerror(notify_fd == -1 ? notify_errno : errno));
	}
}
