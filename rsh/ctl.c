/*
 * ctl: the control socket's place, its owner checks and its framing.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"

#include "ctl.h"
#include "target.h"

/* FNV-1a: a name, not a secret; the directory keeps others out. */
static uint64_t
fnv(uint64_t h, const char *s)
{
	do {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

static int
check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory (a symlink?); "
		    "refusing it for the master's socket", dir);
		return -1;
	}
	if (st.st_uid != getuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not by you; "
		    "refusing it for the master's socket", dir,
		    (unsigned)st.st_uid);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: mode %03o lets others in (want "
		    "0700); refusing it for the master's socket", dir,
		    (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

/*
 * The name of t's master: the target (host connected to, port, server
 * name, key file), so that two targets never share one.  FNV-1a, not
 * SHA-256: a name, not a secret (the directory keeps others out), and a
 * call through a master loads no libcrypto (HACKING.md).
 */
static uint64_t
target_hash(const struct target *t)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	return fnv(fnv(fnv(fnv(h, t->connect), t->port), t->name),
	    t->keypath);
}

/* One of ControlPath's tokens (%c) into out: 0, or -1 with err. */
static int
token(const struct target *t, char c, char *out, size_t n, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	const char	*v;
	char		 host[256];

	switch (c) {
	case '%':
		v = "%";
		break;
	case 'C':
		snprintf(out, n, "%016llx",
		    (unsigned long long)target_hash(t));
		return 0;
	case 'd':
		v = target_home();
		break;
	case 'h':
		v = t->connect;
		break;
	case 'i':
		snprintf(out, n, "%u", (unsigned)getuid());
		return 0;
	case 'L':
	case 'l':
		if (gethostname(host, sizeof(host)) == -1) {
			host[0] = '\0';
		}
		host[sizeof(host) - 1] = '\0';
		if (c == 'L') {
			host[strcspn(host, ".")] = '\0';
		}
		v = host;
		break;
	case 'n':
		v = t->host;
		break;
	case 'p':
		v = t->port;
		break;
	case 'r':
		v = t->account;
		break;
	case 'u':
		v = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : NULL;
		break;
	default:
		snprintf(err, errlen, "ControlPath '%.200s': unknown token "
		    "'%%%c' (rsh_config(5) lists them)", t->control, c);
		return -1;
	}
	if (v == NULL) {
		snprintf(err, errlen, "ControlPath: cannot find %s for %%%c",
		    c == 'd' ? "your home directory" : "your user name", c);
		return -1;
	}
	snprintf(out, n, "%s", v);
	return 0;
}

/* ControlPath with its leading ~ and its tokens expanded, into out (n
 * bytes, large): 0, or -1 with err. */
static int
expand(const struct target *t, char *out, size_t n, char *err,
    size_t errlen)
{
	const char	*s = t->control, *home;
	char		 tok[4096];
	size_t		 o = 0, k;

	if (strncmp(s, "~/", 2) == 0) {
		if ((home = target_home()) == NULL) {
			snprintf(err, errlen, "ControlPath: cannot find your "
			    "home directory for ~");
			return -1;
		}
		o = strlcpy(out, home, n);
		s++;
	}
	for (; *s != '\0' && o < n; s++) {
		if (*s != '%') {
			out[o++] = *s;
			continue;
		}
		if (s[1] == '\0') {
			snprintf(err, errlen, "ControlPath '%.200s' ends in a "
			    "lone '%%' (write %%%% for one)", t->control);
			return -1;
		}
		if (token(t, *++s, tok, sizeof(tok), err, errlen) == -1) {
			return -1;
		}
		k = strlen(tok);
		if (k >= n - o) {
			o = n;
			break;
		}
		memcpy(out + o, tok, k);
		o += k;
	}
	if (o >= n) {
		snprintf(err, errlen, "ControlPath '%.200s' is far too long",
		    t->control);
		return -1;
	}
	out[o] = '\0';
	return 0;
}

/*
 * ControlPath: the path it names, which must fit a unix socket's address
 * and be absolute (the master runs in /); its directory is the user's
 * own, never made here.
 */
static int
given_path(const struct target *t, int create, char *path, size_t len,
    char *err, size_t errlen)
{
	char	full[8192], dir[CTL_PATHMAX], *slash;
	size_t	n;

	if (expand(t, full, sizeof(full), err, errlen) == -1) {
		return -1;
	}
	if ((n = strlen(full)) >= CTL_PATHMAX || n >= len) {
		snprintf(err, errlen, "ControlPath gives a path of %zu bytes, "
		    "too long for a unix socket's path (at most %d bytes): "
		    "'%.300s'", n, CTL_PATHMAX - 1, full);
		return -1;
	}
	if (full[0] != '/') {
		snprintf(err, errlen, "ControlPath '%.200s' gives '%s': not "
		    "an absolute path", t->control, full);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", full);
	if ((slash = strrchr(dir, '/')) != NULL) {
		/* "/m" lives in "/" */
		slash[slash == dir ? 1 : 0] = '\0';
	}
	if (!create && access(dir, F_OK) == -1 && errno == ENOENT) {
		return 1;
	}
	if (check_dir(dir, err, errlen) == -1) {
		return -1;
	}
	snprintf(path, len, "%s", full);
	return 0;
}

int
ctl_path(const struct target *t, int create, char *path, size_t len,
    char *err, size_t errlen)
{
	const char	*xdg = getenv("XDG_RUNTIME_DIR");
	char		 dir[CTL_PATHMAX];
	int		 n;

	if (strcmp(t->control, "none") == 0) {
		if (create) {
			snprintf(err, errlen, "%s: ControlPath is none: no "
			    "master", t->display);
			return -1;
		}
		return 1;
	}
	if (t->control[0] != '\0') {
		return given_path(t, create, path, len, err, errlen);
	}
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(dir, sizeof(dir), "%s/rsh", xdg);
	} else {
		n = snprintf(dir, sizeof(dir), "/tmp/rsh-%u",
		    (unsigned)getuid());
	}
	if (n < 0 || (size_t)n >= sizeof(dir) - 20) {
		snprintf(err, errlen, "the master's directory '%s' is too "
		    "long for a socket path", dir);
		return -1;
	}
	if (create && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!create && access(dir, F_OK) == -1 && errno == ENOENT) {
		return 1;
	}
	if (check_dir(dir, err, errlen) == -1) {
		return -1;
	}
	snprintf(path, len, "%s/m-%016llx", dir,
	    (unsigned long long)target_hash(t));
	return 0;
}

int
ctl_check_socket(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT) {
			return 1;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: not a socket of yours with mode "
		    "0600 (uid %u, mode %03o); refusing it", path,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

void
ctl_remove(const char *path)
{
	char pidpath[CTL_PATHMAX + 8];

	(void)unlink(path);
	snprintf(pidpath, sizeof(pidpath), "%s.pid", path);
	(void)unlink(pidpath);
}

int
ctl_peer_ok(int fd)
{
	struct ucred	cr;
	socklen_t	len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 ||
	    len != sizeof(cr) || cr.uid != getuid()) {
		return -1;
	}
	return 0;
}

int
ctl_send(int fd, uint8_t type, const void *p, size_t len, const int *fds,
    int nfd)
{
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(3 * sizeof(int))];
	} cm;
	uint8_t		 hdr[CTL_HDR];
	struct iovec	 iov[2];
	struct msghdr	 m;
	ssize_t		 w;

	hdr[0] = type;
	wire_put32(hdr + 1, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)p;
	iov[1].iov_len = len;
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = len > 0 ? 2 : 1;
	if (nfd > 0) {
		memset(&cm, 0, sizeof(cm));
		m.msg_control = cm.b;
		m.msg_controllen = CMSG_SPACE((size_t)nfd * sizeof(int));
		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN((size_t)nfd * sizeof(int));
		memcpy(CMSG_DATA(&cm.h), fds, (size_t)nfd * sizeof(int));
	}
	while (m.msg_iovlen > 0) {
		w = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR) {
			continue;
		}
		if (w == -1) {
			return -1;
		}
		m.msg_control = NULL;	/* the fds went with the first byte */
		m.msg_controllen = 0;
		while (m.msg_iovlen > 0 && (size_t)w >= m.msg_iov->iov_len) {
			w -= (ssize_t)m.msg_iov->iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen > 0) {
			m.msg_iov->iov_base = (uint8_t *)m.msg_iov->iov_base +
			    w;
			m.msg_iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static void
take_fds(struct msghdr *m, int *fds, int *nfd)
{
	struct cmsghdr *h;

	for (h = CMSG_FIRSTHDR(m); h != NULL; h = CMSG_NXTHDR(m, h)) {
		size_t	n;
		int	fd;

		if (h->cmsg_level != SOL_SOCKET ||
		    h->cmsg_type != SCM_RIGHTS || h->cmsg_len < CMSG_LEN(0)) {
			continue;
		}
		n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (*nfd < 3) {
				fds[(*nfd)++] = fd;
			} else {
				close(fd);
			}
		}
	}
}

long
ctl_recv(int fd, uint8_t *b, size_t cap, size_t *have, int *fds, int *nfd)
{
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(8 * sizeof(int))];
	} cm;
	struct iovec	iov;
	struct msghdr	m;
	ssize_t		r;

	if (*have >= cap) {
		errno = EMSGSIZE;
		return -1;
	}
	iov.iov_base = b + *have;
	iov.iov_len = cap - *have;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cm.b;
	m.msg_controllen = sizeof(cm.b);
	do {
		r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (r == -1 && errno == EINTR);
	if (r == -1) {
		return -1;
	}
	take_fds(&m, fds, nfd);
	*have += (size_t)r;
	return (long)r;
}

int
ctl_record(const uint8_t *b, size_t have, uint8_t *type, const uint8_t **p,
    size_t *len, size_t *used)
{
	uint32_t n;

	if (have < CTL_HDR) {
		return 0;
	}
	n = wire_get32(b + 1);
	if (n > CTL_MAXREC - CTL_HDR) {
		return -1;
	}
	if (have - CTL_HDR < n) {
		return 0;
	}
	*type = b[0];
	*p = b + CTL_HDR;
	*len = n;
	*used = CTL_HDR + n;
	return 1;
}
