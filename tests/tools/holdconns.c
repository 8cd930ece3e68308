/*
 * holdconns: holds many authenticated, idle connections to rshd open, so
 * that bench/run.sh can weigh what one costs the daemon.
 *
 * usage: holdconns -k KEYFILE [-n NAME] HOST PORT COUNT
 *
 * It opens COUNT connections one after the other, completes the handshake
 * on each (S1, C1, a valid S2) and sends nothing more, then prints
 * "ready COUNT" on stdout and waits until its standard input reaches end
 * of file (or it is signalled), when it closes them all.  An idle
 * authenticated connection is what a client holds between its handshake
 * and its EXEC, and rshd keeps it until IdleTimeout.
 *
 * Exit status: 0; 1 when a connection could not be opened or
 * authenticated (saying which and why); 2 for a usage error.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "handshake.h"
#include "keys.h"
#include "netio.h"
#include "probe_key.h"

#define TIMEOUT_MS	10000

static void
usage(void)
{
	fprintf(stderr, "usage: holdconns -k KEYFILE [-n NAME] HOST PORT "
	    "COUNT\n");
	exit(2);
}

/* A TCP socket connected to one of res, or -1 after saying why. */
static int
connect_to(const struct addrinfo *res)
{
	const struct addrinfo	*ai;
	int			 fd, e = 0;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			return fd;
		}
		e = errno;
		close(fd);
	}
	fprintf(stderr, "holdconns: connect: %s\n", strerror(e));
	return -1;
}

/*
 * Authenticates on fd: reads S1 (a byte at a time, so as to read nothing
 * more), sends C1, reads S2.  Returns 0, or -1 after saying why.
 */
static int
authenticate(int fd, const uint8_t psk[CRYPTO_KEYLEN], const char *keyid,
    const char *name)
{
	struct hs_client	 hs;
	struct hs_refusal	 ref;
	struct hs_keys		 keys;
	enum wire_status	 st;
	uint8_t			 buf[HS_REFUSALMAX], status = 0;
	size_t			 have = 0, used;
	int			 rc = -1;

	memset(&hs, 0, sizeof(hs));
	memset(&ref, 0, sizeof(ref));
	do {
		if (have == sizeof(buf) ||
		    netio_read_full(fd, buf + have, 1, TIMEOUT_MS) != 1) {
			fprintf(stderr, "holdconns: no S1\n");
			goto out;
		}
		have++;
		st = hs_client_read_s1(&hs, buf, have, &used, &ref);
	} while (st == WIRE_INCOMPLETE);
	if (st != WIRE_OK) {
		fprintf(stderr, "holdconns: refused or bad S1 (%u)\n",
		    ref.reason);
		goto out;
	}
	if (hs_client_init(&hs, psk, keyid, name, NULL, NULL, &keys) == -1) {
		fprintf(stderr, "holdconns: cannot make C1\n");
		goto out;
	}
	crypto_wipe(&keys, sizeof(keys));
	if (netio_write_full(fd, hs.c1, hs.c1len) == -1) {
		fprintf(stderr, "holdconns: send C1: %s\n", strerror(errno));
		goto out;
	}
	have = 0;
	do {
		if (netio_read_full(fd, buf + have, 1, TIMEOUT_MS) != 1) {
			fprintf(stderr, "holdconns: no S2\n");
			goto out;
		}
		have++;
		st = hs_client_read_s2(&hs, buf, have, &used, &status);
	} while (st == WIRE_INCOMPLETE && have < HS_S2LEN);
	if (st != WIRE_OK) {
		fprintf(stderr, "holdconns: S2 status %u\n", status);
		goto out;
	}
	rc = 0;
out:
	hs_client_clear(&hs);
	return rc;
}

/* Raises the soft limit on open files to hold count sockets. */
static int
raise_nofile(long count)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		perror("holdconns: getrlimit");
		return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)count + 16) {
		rl.rlim_cur = (rlim_t)count + 16;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max) {
			fprintf(stderr, "holdconns: %ld connections need more "
			    "open files than the hard limit %llu\n", count,
			    (unsigned long long)rl.rlim_max);
			return -1;
		}
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			perror("holdconns: setrlimit");
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct addrinfo	 hints, *res = NULL;
	uint8_t		 psk[CRYPTO_KEYLEN];
	char		 keyid[HS_MAXIDLEN + 1], name[HS_MAXNAMELEN + 1], c;
	const char	*keyfile = NULL, *nameopt = NULL;
	char		*end;
	int		*fds = NULL;
	long		 count, i, n = 0;
	int		 ch, e, rc = 1;

	while ((ch = getopt(argc, argv, "k:n:")) != -1) {
		switch (ch) {
		case 'k':
			keyfile = optarg;
			break;
		case 'n':
			nameopt = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3 || keyfile == NULL) {
		usage();
	}
	errno = 0;
	count = strtol(argv[2], &end, 10);
	if (errno != 0 || *argv[2] == '\0' || *end != '\0' || count < 1 ||
	    count > 100000) {
		usage();
	}
	if (nameopt != NULL) {
		if (strlcpy(name, nameopt, sizeof(name)) >= sizeof(name)) {
			usage();
		}
	} else if (netio_name_canon(argv[0], name, sizeof(name)) == -1) {
		fprintf(stderr, "holdconns: bad host name %s\n", argv[0]);
		return 2;
	}
	if (probe_key_load("holdconns", keyfile, name, NULL, psk, keyid,
	    sizeof(keyid)) == -1 || raise_nofile(count) == -1) {
		goto out;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(argv[0], argv[1], &hints, &res)) != 0) {
		fprintf(stderr, "holdconns: %s: %s\n", argv[0], gai_strerror(e));
		goto out;
	}
	if ((fds = calloc((size_t)count, sizeof(*fds))) == NULL) {
		perror("holdconns: calloc");
		goto out;
	}
	for (n = 0; n < count; n++) {
		if ((fds[n] = connect_to(res)) == -1 ||
		    authenticate(fds[n], psk, keyid, name) == -1) {
			fprintf(stderr, "holdconns: connection %ld of %ld "
			    "failed\n", n + 1, count);
			if (fds[n] != -1) {
				close(fds[n]);
			}
			goto out;
		}
	}
	printf("ready %ld\n", count);
	fflush(stdout);
	while ((e = (int)read(STDIN_FILENO, &c, 1)) != 0) {
		if (e == -1 && errno != EINTR) {
			break;
		}
	}
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		close(fds[i]);
	}
	free(fds);
	if (res != NULL) {
		freeaddrinfo(res);
	}
	crypto_wipe(psk, sizeof(psk));
	return rc;
}
