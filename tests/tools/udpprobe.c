/*
 * udpprobe: a raw UDP client for the tests.  It builds one request
 * through lib/udp.c and then sends it, or a damaged copy, as the steps
 * say, so a test can see exactly what rshd answers (or that it answers
 * nothing) to what rsh -u never sends.
 *
 * usage: udpprobe [-t MS] -k KEYFILE [-n NAME] [-i KEYID] [-m MAXREPLY]
 *                 [-s SKEW_MS] [-P] HOST PORT STEP...
 *
 * The request runs its shell command (make CMD) with NO_STDIN, the clock
 * skewed by -s, padded to MAXREPLY / 3 unless -P.  Steps:
 *
 *   make CMD        a new request (new N) for the shell command CMD
 *   make-pty CMD    the same asking for a terminal (FLAGS PTY)
 *   send            send it;  newsock: later sends leave from a new port
 *   flip BIT        send a copy with bit BIT flipped (BIT may be "all":
 *                   one copy per bit, every one of them)
 *   trunc N         send only its first N bytes;  garbage HEX: raw bytes
 *   save FILE       write it to FILE;  load FILE: read it back
 *   recv            wait up to -t MS for a reply that opens
 *   count MS        count the datagrams that arrive within MS
 *   flood N         N new requests, up to 64 in flight, each answered
 *
 * One line per event: "SENT len", "REPLY len how code flags olen elen
 * hash" (hash: the first 8 bytes of the reply's SHA-256, in hex), "OUT
 * text" and "ERR text" (escaped), "NOREPLY", "REPLIES n" (count: every
 * datagram, opening or not), "FLOOD sent n replied m".
 * Exit status: 0; 1 for a local failure; 2 for a usage error.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "crypto.h"
#include "keys.h"
#include "netio.h"
#include "udp.h"
#include "wire.h"

#include "probe_key.h"

#define DGRAM_MAX	65536

struct probe {
	int		 fd;
	int		 timeout_ms;
	uint8_t		 psk[CRYPTO_KEYLEN];
	char		 keyid[KEYS_MAXIDLEN + 1];
	char		 name[NETIO_NAMEMAX];
	uint16_t	 max_reply;
	long long	 skew_ms;
	int		 pad;
	struct addrinfo	*ai;
	uint8_t		 req[DGRAM_MAX];
	size_t		 reqlen;
	uint8_t		 n[UDP_NLEN];
};

static struct probe P = { .fd = -1, .timeout_ms = 3000, .max_reply = 1400,
	.pad = 1 };

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: udpprobe [-t MS] -k KEYFILE [-n NAME] "
	    "[-i KEYID] [-m MAXREPLY] [-s SKEW_MS] [-P] HOST PORT STEP...\n");
	exit(2);
}

static void __attribute__((noreturn))
fail(const char *what)
{
	fprintf(stderr, "udpprobe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
print_vis(const char *label, const void *p, size_t len)
{
	char *s;

	if ((s = malloc(4 * len + 1)) == NULL) {
		fail("malloc");
	}
	strvisx(s, p, len, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	printf("%s %s\n", label, s);
	free(s);
}


static void
new_socket(void)
{
	if (P.fd != -1) {
		close(P.fd);
	}
	if ((P.fd = socket(P.ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) ==
	    -1 || connect(P.fd, P.ai->ai_addr, P.ai->ai_addrlen) == -1) {
		fail("socket");
	}
}

/* A new request for the shell command cmd; with pty, one that asks for
 * a terminal, which UDP does not allow (PTY_SIZE is the unit tests'). */
static void
make(const char *cmd, int pty)
{
	struct wire_exec	 e;
	char			*argv[2] = { (char *)(uintptr_t)cmd, NULL };
	uint8_t			 tlv[DGRAM_MAX];
	size_t			 hlen = udp_req_hdrlen(strlen(P.keyid),
				    strlen(P.name));
	long			 n, len;

	memset(&e, 0, sizeof(e));
	e.argv = argv;
	e.argc = 1;
	e.has_flags = 1;
	e.flags = EXEC_FLAG_SHELL | EXEC_FLAG_NO_STDIN;
	if (pty) {
		e.flags |= EXEC_FLAG_PTY;
	}
	if ((n = wire_exec_encode(&e, tlv, sizeof(tlv), 0)) == -1 ||
	    (P.pad && (n = wire_exec_encode(&e, tlv, sizeof(tlv),
	    udp_req_padlen(hlen, (size_t)n, P.max_reply))) == -1) ||
	    crypto_random(P.n, sizeof(P.n)) == -1) {
		fprintf(stderr, "udpprobe: cannot build the request\n");
		exit(1);
	}
	len = udp_req_build(P.req, sizeof(P.req), P.keyid, P.name, P.n,
	    (uint64_t)((long long)netio_wall_ms() + P.skew_ms), P.max_reply, P.psk,
	    tlv, (size_t)n);
	if (len == -1) {
		fprintf(stderr, "udpprobe: the request does not fit\n");
		exit(1);
	}
	P.reqlen = (size_t)len;
}

static void
send_bytes(const uint8_t *p, size_t len)
{
	if (send(P.fd, p, len, 0) == -1 && errno != ECONNREFUSED) {
		fail("send");
	}
	printf("SENT %zu\n", len);
}

/* Waits up to ms for one datagram into buf: its length, or -1. */
static long
wait_dgram(uint8_t *buf, size_t cap, int ms)
{
	long long	deadline = netio_now_ms() + ms;
	struct pollfd	pfd = { P.fd, POLLIN, 0 };
	ssize_t		r;

	for (;;) {
		long long left = deadline - netio_now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			return -1;
		}
		r = recv(P.fd, buf, cap, MSG_DONTWAIT);
		if (r >= 0) {
			return (long)r;
		}
		if (errno != ECONNREFUSED && errno != EAGAIN) {
			fail("recv");
		}
	}
}

static void
step_recv(void)
{
	static uint8_t		buf[DGRAM_MAX];
	struct udp_reply	rep;
	uint8_t			hash[CRYPTO_MACLEN];
	/* H: our own request, which may be one a server refuses to parse */
	size_t			hlen = udp_req_hdrlen(P.req[4],
				    P.req[5 + P.req[4]]);
	long			len;

	while ((len = wait_dgram(buf, sizeof(buf), P.timeout_ms)) >= 0) {
		struct crypto_part part = { buf, (size_t)len };

		if (crypto_sha256(hash, &part, 1) == -1) {
			fail("sha256");
		}
		if (udp_rep_open(buf, (size_t)len, P.n, P.req, hlen, P.psk,
		    &rep) != WIRE_OK) {
			continue;
		}
		printf("REPLY %ld %u %u %u %zu %zu ", len, rep.how, rep.code,
		    rep.flags, rep.olen, rep.elen);
		for (int i = 0; i < 8; i++) {
			printf("%02x", hash[i]);
		}
		putchar('\n');
		print_vis("OUT", rep.out, rep.olen);
		print_vis("ERR", rep.err, rep.elen);
		return;
	}
	printf("NOREPLY\n");
}

static void
step_count(int ms)
{
	static uint8_t	buf[DGRAM_MAX];
	long long	deadline = netio_now_ms() + ms;
	int		n = 0;
	long long	left;

	while ((left = deadline - netio_now_ms()) > 0) {
		if (wait_dgram(buf, sizeof(buf), (int)left) >= 0) {
			n++;
		}
	}
	printf("REPLIES %d\n", n);
}

/* n requests for "true", up to 64 unanswered at a time. */
static void
step_flood(long n)
{
	static uint8_t	buf[DGRAM_MAX];
	long		sent = 0, got = 0;

	while (sent < n) {
		while (sent < n && sent - got < 64) {
			make("true", 0);
			if (send(P.fd, P.req, P.reqlen, 0) == -1 &&
			    errno != ECONNREFUSED) {
				fail("send");
			}
			sent++;
		}
		if (wait_dgram(buf, sizeof(buf), P.timeout_ms) >= 0) {
			got++;
		} else {
			got = sent;	/* dropped: go on */
		}
	}
	while (wait_dgram(buf, sizeof(buf), 200) >= 0) {
		continue;
	}
	printf("FLOOD sent %ld\n", sent);
}

static void
save(const char *path)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(P.req, 1, P.reqlen, fp) != P.reqlen || fclose(fp) != 0) {
		fail(path);
	}
}

static void
load(const char *path)
{
	FILE	*fp;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		fail(path);
	}
	n = fread(P.req, 1, sizeof(P.req), fp);
	fclose(fp);
	if (n < 4 + 1 + 1 + 1 + 1 + UDP_NLEN) {
		fprintf(stderr, "udpprobe: %s is too short\n", path);
		exit(1);
	}
	P.reqlen = n;
	/* N follows magic, idlen, key id, namelen and name. */
	memcpy(P.n, P.req + 6 + P.req[4] + P.req[5 + P.req[4]], UDP_NLEN);
}

static long
number(const char *s, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < -max || v > max) {
		fprintf(stderr, "udpprobe: bad number %s\n", s);
		usage();
	}
	return v;
}

/* Sends copies of the request with bit b flipped (or every bit). */
static void
step_flip(const char *arg)
{
	static uint8_t	copy[DGRAM_MAX];
	size_t		from = 0, to = 8 * P.reqlen;

	if (strcmp(arg, "all") != 0) {
		from = (size_t)number(arg, 8L * (long)P.reqlen - 1);
		to = from + 1;
	}
	for (size_t b = from; b < to; b++) {
		memcpy(copy, P.req, P.reqlen);
		copy[b / 8] ^= (uint8_t)(1u << (b % 8));
		if (send(P.fd, copy, P.reqlen, 0) == -1 &&
		    errno != ECONNREFUSED) {
			fail("send");
		}
	}
	printf("SENT %zu x %zu\n", P.reqlen, to - from);
}

static int
run_step(int argc, char **argv, int *i)
{
	const char	*s = argv[(*i)++];
	const char	*a = *i < argc ? argv[*i] : NULL;
	static uint8_t	 raw[DGRAM_MAX];
	long		 n;

	if (strcmp(s, "send") == 0) {
		send_bytes(P.req, P.reqlen);
		return 0;
	} else if (strcmp(s, "newsock") == 0) {
		new_socket();
		return 0;
	} else if (strcmp(s, "recv") == 0) {
		step_recv();
		return 0;
	}
	if (a == NULL) {
		usage();
	}
	(*i)++;
	if (strcmp(s, "make") == 0) {
		make(a, 0);
	} else if (strcmp(s, "make-pty") == 0) {
		make(a, 1);
	} else if (strcmp(s, "flip") == 0) {
		step_flip(a);
	} else if (strcmp(s, "trunc") == 0) {
		send_bytes(P.req, (size_t)number(a, (long)P.reqlen));
	} else if (strcmp(s, "garbage") == 0) {
		for (n = 0; a[2 * n] != '\0' && a[2 * n + 1] != '\0' &&
		    n < DGRAM_MAX; n++) {
			unsigned int b;

			if (sscanf(a + 2 * n, "%2x", &b) != 1) {
				usage();
			}
			raw[n] = (uint8_t)b;
		}
		send_bytes(raw, (size_t)n);
	} else if (strcmp(s, "save") == 0) {
		save(a);
	} else if (strcmp(s, "load") == 0) {
		load(a);
	} else if (strcmp(s, "count") == 0) {
		step_count((int)number(a, 600000));
	} else if (strcmp(s, "flood") == 0) {
		step_flood(number(a, 10000000));
	} else {
		return -1;
	}
	return 0;
}


int
main(int argc, char **argv)
{
	const char	*keyfile = NULL, *name = NULL, *idover = NULL;
	struct addrinfo	 hints;
	int		 ch, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ch = getopt(argc, argv, "+i:k:m:n:Ps:t:")) != -1) {
		switch (ch) {
		case 'i': idover = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'm': P.max_reply = (uint16_t)number(optarg, 65535); break;
		case 'n': name = optarg; break;
		case 'P': P.pad = 0; break;
		case 's': P.skew_ms = number(optarg, 1000000000L); break;
		case 't': P.timeout_ms = (int)number(optarg, 600000); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (keyfile == NULL || argc < 3) {
		usage();
	}
	if (netio_name_canon(name != NULL ? name : argv[0], P.name,
	    sizeof(P.name)) == -1 || crypto_init() == -1 ||
	    probe_key_load("udpprobe", keyfile, P.name, idover,
	    P.psk, P.keyid, sizeof(P.keyid)) == -1) {
		return 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(argv[0], argv[1], &hints, &P.ai) != 0) {
		fprintf(stderr, "udpprobe: bad address %s %s\n", argv[0],
		    argv[1]);
		return 2;
	}
	new_socket();
	make("true", 0);
	for (i = 2; i < argc;) {
		if (run_step(argc, argv, &i) == -1) {
			fprintf(stderr, "udpprobe: unknown step %s\n",
			    argv[i - 2]);
			return 2;
		}
	}
	close(P.fd);
	freeaddrinfo(P.ai);
	crypto_wipe(P.psk, sizeof(P.psk));
	return 0;
}
