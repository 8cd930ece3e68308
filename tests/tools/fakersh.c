/*
 * fakersh: a tiny rshd that misbehaves on purpose, for the client's tests.
 * It speaks the real handshake (lib/handshake.h's server side) and then
 * answers the first EXEC as MODE says, one connection at a time, until
 * killed.  What the real rshd never does cannot be tested against it.
 *
 * usage: fakersh -k KEYSFILE -P PORTFILE [-c COUNTFILE] MODE [N]
 *
 *   exit-first     EXIT 0 0 with no STARTED or ERROR before it
 *   greet-silent   S1, then silence (reads and drops what comes)
 *   busy N         refuse the first N connections as busy, then run
 *                  every EXEC as STARTED, STDOUT "ok\n", EXIT 0 0
 *   mute N         say nothing on the first N connections until the
 *                  client closes them, then as busy
 *   hangup N       close the first N connections without a word, then
 *                  as busy
 *   v1             a plain v1 server that knows no extension: an EXEC
 *                  with a tag from 0x08 to 0x7f (ACCOUNT) gets ERROR
 *                  BAD_REQUEST and EXIT 2 255; any other runs as busy
 *   idle-race N    on the first N connections, once authenticated, wait
 *                  for the client's next bytes (its EXEC), then shut the
 *                  socket down and close it without reading them, as
 *                  rshd's session_free does when IdleTimeout closes a
 *                  master's idle connection just as a command comes: an
 *                  end of file, then a reset; then as busy
 *   stdout         every EXEC as STARTED and the bytes of the file
 *                  $FAKERSH_STDOUT as STDOUT, then silence until the
 *                  client closes (a hostile copy stream for rcp)
 *   accept-close N on the first N connections, once authenticated, read
 *                  the EXEC (counted) and close without a word, as a
 *                  server that died after taking it; then as busy
 *
 * idle-race and accept-close serve each connection in a child process of
 * its own, so that the spare connection a master opens meanwhile does not
 * hold up the one it runs the command on.
 *
 * With -c, every EXEC taken (answered with STARTED, or read by
 * accept-close) appends a line "exec" to COUNTFILE.
 * Exit status: 1 on a local failure, 2 on a usage error.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "handshake.h"
#include "keys.h"
#include "netio.h"
#include "wire.h"

struct fake {
	struct keyring	*keys;
	const char	*mode;
	const char	*countfile;	/* -c, or NULL */
	int		 busy;		/* refusals left */
	int		 fd;
	struct wire_dir	*rx, *tx;
	uint8_t		 in[WIRE_MAXRECORD + HS_C1MAX];
	size_t		 have;
	uint8_t		 rec[WIRE_MAXRECORD];
	int		 ext;		/* the last EXEC had a tag v1 lacks */
};

static int
listen_on(const char *portfile)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	FILE			*f;
	int			fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1 ||
	    (f = fopen(portfile, "w")) == NULL) {
		perror("fakersh: listen");
		return -1;
	}
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	fclose(f);
	return fd;
}

/* Reads more bytes into f->in; 0 at end of file or error. */
static size_t
more(struct fake *f)
{
	ssize_t r = read(f->fd, f->in + f->have, sizeof(f->in) - f->have);

	if (r <= 0) {
		return 0;
	}
	f->have += (size_t)r;
	return (size_t)r;
}

static void
consume(struct fake *f, size_t n)
{
	memmove(f->in, f->in + n, f->have - n);
	f->have -= n;
}

static int
handshake(struct fake *f)
{
	struct hs_server	 hs;
	struct hs_keys		 k;
	const struct key	*key;
	uint8_t			 s2[HS_S2LEN];
	size_t			 used;
	long			 n;
	int			 rc = -1;

	memset(&hs, 0, sizeof(hs));
	if (hs_server_init(&hs, NULL, NULL) == -1 ||
	    netio_write_full(f->fd, hs.s1, sizeof(hs.s1)) == -1) {
		goto out;
	}
	while (hs_server_read_c1(&hs, f->in, f->have, &used) ==
	    WIRE_INCOMPLETE) {
		if (more(f) == 0) {
			goto out;
		}
	}
	consume(f, used);
	key = keys_find_id(f->keys, hs.keyid, strlen(hs.keyid), hs.name,
	    hs.namelen);
	if (key == NULL || hs_server_verify(&hs, key->psk) != 0 ||
	    (n = hs_server_finish(&hs, HS_OK, s2, &k)) == -1 ||
	    netio_write_full(f->fd, s2, (size_t)n) == -1) {
		goto out;
	}
	f->rx = wire_dir_new(k.c2s, 0, 0);
	f->tx = wire_dir_new(k.s2c, 0, 1);
	crypto_wipe(&k, sizeof(k));
	rc = f->rx != NULL && f->tx != NULL ? 0 : -1;
out:
	hs_server_clear(&hs);
	return rc;
}

static int
send_rec(struct fake *f, uint8_t type, const void *p, size_t len)
{
	long n;

	memcpy(f->rec + WIRE_PAYLOADOFF, p, len);
	n = wire_seal(f->tx, type, f->rec, len);
	return n == -1 ? -1 : netio_write_full(f->fd, f->rec, (size_t)n);
}

/* v1 without extensions: 1 when the EXEC payload holds a tag v1 does not
 * define below 0x80 (the spec's BAD_REQUEST). */
static int
v1_unknown_tag(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (len - off >= 5) {
		if (p[off] > TLV_STDIN_DATA && p[off] < 0x80) {
			return 1;
		}
		off += 5 + (size_t)wire_get32(p + off + 1);
		if (off > len) {
			break;
		}
	}
	return 0;
}

/* Waits for the next record; its type, or -1 at the end. */
static int
next_rec(struct fake *f)
{
	uint8_t	*payload, type;
	size_t	 used, len;

	for (;;) {
		switch (wire_open(f->rx, f->in, f->have, &used, &type,
		    &payload, &len)) {
		case WIRE_OK:
			f->ext = type == REC_EXEC && v1_unknown_tag(payload,
			    len);
			consume(f, used);
			return type;
		case WIRE_INCOMPLETE:
			if (more(f) == 0) {
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
}

/* An EXEC taken: one line in the count file. */
static void
count(const struct fake *f)
{
	int fd;

	if (f->countfile == NULL || (fd = open(f->countfile, O_WRONLY |
	    O_CREAT | O_APPEND | O_CLOEXEC, 0600)) == -1) {
		return;
	}
	if (write(fd, "exec\n", 5) != 5) {
		perror("fakersh: count");
	}
	close(fd);
}

/* idle-race and accept-close, after the handshake (see the top). */
static void
cut(struct fake *f)
{
	struct pollfd pfd = { f->fd, POLLIN, 0 };

	if (strcmp(f->mode, "idle-race") == 0) {
		while (f->have == 0 && poll(&pfd, 1, -1) == -1 &&
		    errno == EINTR) {
			continue;
		}
		/* The end of file now; closed with bytes unread, a reset. */
		(void)shutdown(f->fd, SHUT_RDWR);
		return;
	}
	if (next_rec(f) == REC_EXEC) {
		count(f);
	}
}

/* stdout: the file's bytes as STDOUT, then nothing until the client
 * closes (a client that waited for more would hang). */
static void
send_file(struct fake *f, const char *path)
{
	uint8_t	buf[WIRE_MAXPAYLOAD];
	ssize_t	n;
	int	fd;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		perror("fakersh: $FAKERSH_STDOUT");
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 &&
	    send_rec(f, REC_STDOUT, buf, (size_t)n) == 0) {
		continue;
	}
	close(fd);
	while (more(f) > 0) {
		f->have = 0;
	}
}

/* The commands of one authenticated connection. */
static void
serve(struct fake *f)
{
	static const char refused[] = "\0\1an unknown tag below 0x80";
	uint8_t	exitp[10] = { 0 }, started[8] = { 0, 0, 0, 1, 0, 0, 0, 0 };
	uint8_t	notstarted[10] = { 2, 255 };
	int	type;

	while ((type = next_rec(f)) != -1 && type != REC_BYE) {
		if (type != REC_EXEC) {
			continue;
		}
		if (strcmp(f->mode, "v1") == 0 && f->ext) {
			if (send_rec(f, REC_ERROR, refused,
			    sizeof(refused) - 1) == -1 ||
			    send_rec(f, REC_EXIT, notstarted,
			    sizeof(notstarted)) == -1) {
				return;
			}
			continue;
		}
		if (strcmp(f->mode, "exit-first") != 0) {
			if (send_rec(f, REC_STARTED, started, 8) == -1) {
				return;
			}
			count(f);
			if (strcmp(f->mode, "stdout") == 0) {
				send_file(f, getenv("FAKERSH_STDOUT"));
				return;
			}
			if (send_rec(f, REC_STDOUT, "ok\n", 3) == -1) {
				return;
			}
		}
		if (send_rec(f, REC_EXIT, exitp, sizeof(exitp)) == -1) {
			return;
		}
	}
}

static void
connection(struct fake *f)
{
	static const uint8_t refusal[] = { 'R', 'S', 'H', 0, HS_REFUSE_BUSY,
	    9, 't', 'r', 'y', ' ', 'l', 'a', 't', 'e', 'r' };

	f->have = 0;
	if (strcmp(f->mode, "greet-silent") == 0) {
		struct hs_server hs;

		memset(&hs, 0, sizeof(hs));
		if (hs_server_init(&hs, NULL, NULL) == 0 &&
		    netio_write_full(f->fd, hs.s1, sizeof(hs.s1)) == 0) {
			while (more(f) > 0) {
				f->have = 0;
			}
		}
		hs_server_clear(&hs);
		return;
	}
	if (f->busy > 0 && (strcmp(f->mode, "idle-race") == 0 ||
	    strcmp(f->mode, "accept-close") == 0)) {
		f->busy--;
		if (handshake(f) == 0) {
			cut(f);
		}
	} else if (f->busy > 0) {
		f->busy--;
		if (strcmp(f->mode, "busy") == 0) {
			(void)netio_write_full(f->fd, refusal,
			    sizeof(refusal));
		}
		/* mute: no S1 ever; the client gives up and closes. */
		while (strcmp(f->mode, "mute") == 0 && more(f) > 0) {
			f->have = 0;
		}
		return;
	} else if (handshake(f) == 0) {
		serve(f);
	}
	wire_dir_free(f->rx);
	wire_dir_free(f->tx);
	f->rx = f->tx = NULL;
}

int
main(int argc, char **argv)
{
	struct fake	 f;
	const char	*keyfile = NULL, *portfile = NULL;
	char		 err[512];
	int		 ch, lfd, forking;
	pid_t		 pid;

	memset(&f, 0, sizeof(f));
	while ((ch = getopt(argc, argv, "c:k:P:")) != -1) {
		if (ch == 'c') {
			f.countfile = optarg;
		} else if (ch == 'k') {
			keyfile = optarg;
		} else if (ch == 'P') {
			portfile = optarg;
		} else {
			return 2;
		}
	}
	if (keyfile == NULL || portfile == NULL || optind >= argc) {
		fprintf(stderr, "usage: fakersh -k KEYS -P PORTFILE [-c COUNT] "
		    "MODE [N]\n");
		return 2;
	}
	f.mode = argv[optind];
	f.busy = optind + 1 < argc ? atoi(argv[optind + 1]) : 0;
	if (crypto_init() == -1 || (f.keys = keys_load(keyfile, KEYS_SERVER,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "fakersh: %s\n", err);
		return 1;
	}
	if ((lfd = listen_on(portfile)) == -1) {
		return 1;
	}
	forking = strcmp(f.mode, "idle-race") == 0 ||
	    strcmp(f.mode, "accept-close") == 0;
	if (forking) {
		signal(SIGCHLD, SIG_IGN);	/* no zombies */
	}
	for (;;) {
		if ((f.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR) {
				continue;
			}
			perror("fakersh: accept");
			return 1;
		}
		if (!forking) {
			connection(&f);
		} else if ((pid = fork()) == 0) {
			close(lfd);
			connection(&f);
			_exit(0);
		} else if (pid == -1) {
			perror("fakersh: fork");
		} else {
			/* The child took this connection's turn of N. */
			f.busy -= f.busy > 0;
		}
		close(f.fd);
	}
}
