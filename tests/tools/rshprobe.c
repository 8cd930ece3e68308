/*
 * rshprobe: a raw protocol v1 client for the tests.  It speaks the
 * protocol through lib/ step by step, so that a test can send what rsh
 * never would (garbage for C1, a forged record, a malformed EXEC) and see
 * exactly what the server answers.
 *
 * usage: rshprobe [-w] [-t MS] [-r BYTES] -k KEYFILE [-n NAME] [-i KEYID] HOST
 *     PORT STEP...
 *
 * -w prints each WINDOW as "WINDOW n" (not printed without it).
 *
 * -r sets the socket's receive buffer (SO_RCVBUF) before it connects: a
 * small one makes a client that stops reading stall the server quickly.
 *
 * It connects, reads S1 (printing "S1", or "REFUSED reason text" and
 * stopping) and runs the steps in order.  C1 goes out before the first
 * step that needs it, and S2 is read by the first step that reads, so
 * records follow C1 without waiting, as rsh sends them.  Steps:
 *
 *   c1-garbage HEX   send these bytes instead of C1
 *   c1-trunc N       send only C1's first N bytes
 *   raw HEX          send raw bytes
 *   rec TYPE HEX     send a sealed record (TYPE in hex: 82; HEX may be "")
 *   flip TYPE HEX    the same record with one bit of its tag flipped
 *   exec-sh CMD      EXEC of CMD with FLAGS SHELL
 *   exec-env KV CMD  the same with one ENV, "NAME=value"
 *   exec-bad         EXEC whose ARG holds a NUL byte (BAD_REQUEST)
 *   stdin TEXT       STDIN with TEXT;  eof: STDIN_EOF
 *   stdin-burst N TEXT  N STDIN records of TEXT in one send(), as a
 *                    client ahead of its server's reads delivers them
 *   signal N         SIGNAL N;  bye: BYE;  ping HEX: PING
 *   s2               read S2 only
 *   started          read until STARTED or the end of a command
 *   until TEXT       read until the command's stdout holds TEXT
 *   read             read until EXIT or end of file
 *   pause MS         do nothing for MS milliseconds
 *   close            close the connection and stop
 *
 * One line per event on stdout: "S1", "S2 status" ("S2 0 bad-mac" when Ts
 * is wrong), "STARTED", "STDOUT data" and "STDERR data" (consecutive
 * records joined, escaped with strvis), "ERROR code text", "EXIT how code",
 * "PONG hex", "RECORD type length" (a type the probe does not know),
 * "BADRECORD why", "EOF" (the server closed or reset the connection),
 * "TIMEOUT" (nothing for -t MS, default 10000).
 *
 * Exit status: 0, also when the server closed the connection; 1 for a
 * local failure; 2 for a usage error; 3 after TIMEOUT.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* libbsd warns about NetBSD's strnvis() unless told which one we mean. */
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "crypto.h"
#include "handshake.h"
#include "keys.h"
#include "netio.h"
#include "wire.h"

#include "probe_key.h"

/* What a step says: go on, stop (server gone), failed, timed out. */
enum { GO = 0, STOP = 1, FAIL = -1, LATE = 3 };

struct probe {
	int		 fd;
	int		 timeout_ms;
	int		 rcvbuf;	/* -r; 0: the system's */
	int		 windows;	/* -w: print WINDOW records */
	uint8_t		 psk[CRYPTO_KEYLEN];
	char		 keyid[HS_MAXIDLEN + 1];
	char		 name[HS_MAXNAMELEN + 1];
	struct hs_client hs;
	int		 c1_sent;	/* C1 or a stand-in went out */
	int		 s2_read;
	struct wire_dir	*out;		/* NULL until C1 is made */
	struct wire_dir	*in;
	uint8_t		 obuf[WIRE_MAXRECORD];
	uint8_t		 ibuf[WIRE_MAXRECORD];
	int		 pend_type;	/* stream data not printed yet */
	uint8_t		*pend;
	size_t		 pend_len;
	size_t		 pend_cap;
};

static struct probe P = { .fd = -1, .timeout_ms = 10000 };

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rshprobe [-w] [-t MS] [-r BYTES] -k KEYFILE "
	    "[-n NAME] [-i KEYID] HOST PORT STEP...\n");
	exit(2);
}

/* Prints len bytes escaped, without a newline. */
static void
print_vis(const void *p, size_t len)
{
	char	*s;

	if ((s = malloc(4 * len + 1)) == NULL) {
		perror("rshprobe: malloc");
		exit(1);
	}
	strvisx(s, p, len, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	fputs(s, stdout);
	free(s);
}

/* Prints the stream data gathered so far as one line. */
static void
flush_data(void)
{
	if (P.pend_type == 0) {
		return;
	}
	printf("%s ", P.pend_type == REC_STDOUT ? "STDOUT" : "STDERR");
	print_vis(P.pend, P.pend_len);
	putchar('\n');
	P.pend_type = 0;
	P.pend_len = 0;
}

/* Gathers stream data so that one write shows as one line. */
static void
add_data(int type, const uint8_t *p, size_t len)
{
	uint8_t	*n;

	if (len == 0) {
		return;
	}
	if (P.pend_type != type) {
		flush_data();
	}
	if (P.pend_cap - P.pend_len < len) {
		if ((n = realloc(P.pend, P.pend_len + len)) == NULL) {
			perror("rshprobe: realloc");
			exit(1);
		}
		P.pend = n;
		P.pend_cap = P.pend_len + len;
	}
	memcpy(P.pend + P.pend_len, p, len);
	P.pend_len += len;
	P.pend_type = type;
}

/* Prints one event line (after any pending stream data). */
static void __attribute__((format(printf, 1, 2)))
event(const char *fmt, ...)
{
	va_list	ap;

	flush_data();
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Decodes hex ("" or "-" is empty) into out; the length or -1. */
static long
hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t		 n = strlen(hex), i;
	unsigned int	 b;

	if (strcmp(hex, "-") == 0) {
		return 0;
	}
	if (n % 2 != 0 || n / 2 > cap) {
		return -1;
	}
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1) {
			return -1;
		}
		out[i] = (uint8_t)b;
	}
	return (long)(n / 2);
}

/* A decimal (base 10) or hex (base 16) number up to max, else usage. */
static unsigned long
number(const char *s, int base, unsigned long max)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, "rshprobe: bad number %s\n", s);
		usage();
	}
	return v;
}

static int
connect_to(const char *host, const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "rshprobe: %s: %s\n", host, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd == -1) {
			continue;
		}
		if (P.rcvbuf > 0) {
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &P.rcvbuf,
			    sizeof(P.rcvbuf));
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			break;
		}
		close(fd);
		fd = -1;
	}
	if (fd == -1) {
		fprintf(stderr, "rshprobe: %s:%s: %s\n", host, port,
		    strerror(errno));
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * Reads exactly len bytes.  GO, or STOP after printing EOF (end of file or
 * reset), LATE after printing TIMEOUT, FAIL.
 */
static int
recv_exact(uint8_t *buf, size_t len)
{
	ssize_t	n;

	n = netio_read_full(P.fd, buf, len, P.timeout_ms);
	if (n == (ssize_t)len) {
		return GO;
	}
	if (n >= 0 || errno == ECONNRESET) {
		event("EOF");
		return STOP;
	}
	if (errno == ETIMEDOUT) {
		event("TIMEOUT");
		return LATE;
	}
	perror("rshprobe: read");
	return FAIL;
}

/* Sends raw bytes; STOP (printing EOF) when the server is gone. */
static int
send_raw(const uint8_t *buf, size_t len)
{
	if (netio_write_full(P.fd, buf, len) == 0) {
		return GO;
	}
	if (errno == EPIPE || errno == ECONNRESET) {
		event("EOF");
		return STOP;
	}
	perror("rshprobe: write");
	return FAIL;
}

/* Reads S1 or a refusal, a byte at a time so as to read nothing more. */
static int
read_s1(void)
{
	struct hs_refusal	 ref;
	enum wire_status	 st;
	uint8_t			 buf[HS_REFUSALMAX];
	size_t			 have = 0, used;
	int			 r;

	do {
		if (have == sizeof(buf)) {
			event("BADS1");
			return STOP;
		}
		if ((r = recv_exact(buf + have, 1)) != GO) {
			return r;
		}
		have++;
		st = hs_client_read_s1(&P.hs, buf, have, &used, &ref);
	} while (st == WIRE_INCOMPLETE);
	if (st == WIRE_BAD) {
		event("BADS1");
		return STOP;
	}
	if (st == WIRE_TOOBIG) {
		flush_data();
		printf("REFUSED %u ", ref.reason);
		print_vis(ref.text, strlen(ref.text));
		putchar('\n');
		return STOP;
	}
	event("S1");
	return GO;
}

/* Makes C1 and the session's two directions. */
static int
make_c1(void)
{
	struct hs_keys	keys;
	int		rc = -1;

	if (hs_client_init(&P.hs, P.psk, P.keyid, P.name, NULL, NULL,
	    &keys) == -1) {
		fprintf(stderr, "rshprobe: cannot make C1\n");
		return -1;
	}
	P.out = wire_dir_new(keys.c2s, 0, 1);
	P.in = wire_dir_new(keys.s2c, 0, 0);
	if (P.out != NULL && P.in != NULL) {
		rc = 0;
	} else {
		fprintf(stderr, "rshprobe: wire_dir_new failed\n");
	}
	crypto_wipe(&keys, sizeof(keys));
	return rc;
}

/* Sends the whole C1 unless C1 or a stand-in went out already. */
static int
need_c1(void)
{
	if (P.c1_sent) {
		return GO;
	}
	if (make_c1() == -1) {
		return FAIL;
	}
	P.c1_sent = 1;
	return send_raw(P.hs.c1, P.hs.c1len);
}

/* Seals and sends one record, with a bit of its tag flipped if asked. */
static int
send_rec(uint8_t type, const uint8_t *payload, size_t len, int flip)
{
	long	n;
	int	r;

	if ((r = need_c1()) != GO) {
		return r;
	}
	if (P.out == NULL) {
		fprintf(stderr, "rshprobe: no session keys after a bad C1\n");
		return FAIL;
	}
	if (len > WIRE_MAXPAYLOAD) {
		fprintf(stderr, "rshprobe: payload too long\n");
		return FAIL;
	}
	if (len > 0) {
		memmove(P.obuf + WIRE_PAYLOADOFF, payload, len);
	}
	if ((n = wire_seal(P.out, type, P.obuf, len)) == -1) {
		fprintf(stderr, "rshprobe: wire_seal failed\n");
		return FAIL;
	}
	if (flip) {
		P.obuf[n - 1] ^= 0x01;
	}
	return send_raw(P.obuf, (size_t)n);
}

/* Reads S2 unless already read.  STOP after a non-zero status. */
static int
read_s2(void)
{
	enum wire_status	st;
	uint8_t			buf[HS_S2LEN], status = 0, b;
	size_t			have = 0, used;
	int			r;

	if ((r = need_c1()) != GO || P.s2_read) {
		return r;
	}
	do {
		if ((r = recv_exact(buf + have, 1)) != GO) {
			return r;
		}
		have++;
		st = hs_client_read_s2(&P.hs, buf, have, &used, &status);
	} while (st == WIRE_INCOMPLETE && have < sizeof(buf));
	P.s2_read = 1;
	if (st == WIRE_OK) {
		event("S2 0");
		return GO;
	}
	if (st == WIRE_BAD) {
		event("S2 %u bad-mac", buf[0]);
		return STOP;
	}
	event("S2 %u", status);
	/* The server closes after a refusal: show that it does. */
	if ((r = recv_exact(&b, 1)) == GO) {
		event("DATA after S2");
	}
	return r == FAIL || r == LATE ? r : STOP;
}

/* Prints one record from the server; sets *end on EXIT. */
static void
show_record(uint8_t type, const uint8_t *p, size_t len, int *end,
    int *started)
{
	switch (type) {
	case REC_STARTED:
		event("STARTED");
		*started = 1;
		break;
	case REC_STDOUT:
	case REC_STDERR:
		add_data(type, p, len);
		break;
	case REC_EXIT:
		if (len < 2) {
			event("EXIT short");
		} else {
			event("EXIT %u %u", p[0], p[1]);
		}
		*end = 1;
		break;
	case REC_ERROR:
		flush_data();
		printf("ERROR %u ", len < 2 ? 0u : (unsigned int)wire_get16(p));
		print_vis(p + 2, len < 2 ? 0 : len - 2);
		putchar('\n');
		break;
	case REC_PONG:
		flush_data();
		printf("PONG ");
		for (size_t i = 0; i < len; i++) {
			printf("%02x", p[i]);
		}
		putchar('\n');
		break;
	case REC_WINDOW:
		if (P.windows && len == 4) {
			flush_data();
			event("WINDOW %u", (unsigned int)wire_get32(p));
		}
		break;
	case REC_PAD_S:
		break;
	default:
		event("RECORD 0x%02x %zu", type, len);
		break;
	}
}

/* Whether the stdout gathered so far holds text. */
static int
stdout_has(const char *text)
{
	return P.pend_type == REC_STDOUT && memmem(P.pend, P.pend_len, text,
	    strlen(text)) != NULL;
}

/*
 * Reads records until EXIT or the end of file; with until_started, until
 * STARTED too; with text, until the command's stdout holds it too.
 */
static int
read_records(int until_started, const char *text)
{
	enum wire_status	 st;
	uint8_t			*payload, type;
	size_t			 used, len;
	uint32_t		 n;
	int			 r, end = 0, started = 0;

	if ((r = read_s2()) != GO) {
		return r;
	}
	while (!end && !(until_started && started) &&
	    !(text != NULL && stdout_has(text))) {
		if ((r = recv_exact(P.ibuf, WIRE_HDRLEN)) != GO) {
			return r;
		}
		n = wire_get32(P.ibuf);
		if (n < WIRE_MINSEALED || n > WIRE_MAXSEALED) {
			event("BADRECORD length %u", n);
			return STOP;
		}
		if ((r = recv_exact(P.ibuf + WIRE_HDRLEN, n)) != GO) {
			return r;
		}
		st = wire_open(P.in, P.ibuf, WIRE_HDRLEN + n, &used, &type,
		    &payload, &len);
		if (st != WIRE_OK) {
			event("BADRECORD tag");
			return STOP;
		}
		show_record(type, payload, len, &end, &started);
	}
	flush_data();
	return GO;
}

/* The bytes of "exec-sh CMD": ARG CMD, FLAGS SHELL. */
static int
send_exec_sh(const char *cmd, const char *env)
{
	struct wire_exec	 e;
	char			*argv[2], *envv[2];
	long			 n;

	memset(&e, 0, sizeof(e));
	argv[0] = (char *)(uintptr_t)cmd;
	argv[1] = NULL;
	e.argv = argv;
	e.argc = 1;
	envv[0] = (char *)(uintptr_t)env;
	envv[1] = NULL;
	e.env = envv;
	e.envc = env != NULL;
	e.has_flags = 1;
	e.flags = EXEC_FLAG_SHELL;
	n = wire_exec_encode(&e, P.ibuf, WIRE_MAXPAYLOAD, 0);
	if (n == -1) {
		fprintf(stderr, "rshprobe: cannot encode EXEC\n");
		return FAIL;
	}
	return send_rec(REC_EXEC, P.ibuf, (size_t)n, 0);
}

static int
pause_ms(unsigned long ms)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
		continue;
	}
	return GO;
}

/* Sends hex as C1's stand-in, or as raw bytes after C1. */
static int
send_hex(const char *hex, int as_c1)
{
	long	n;
	int	r;

	if ((n = hex_decode(hex, P.obuf, sizeof(P.obuf))) == -1) {
		fprintf(stderr, "rshprobe: bad hex %s\n", hex);
		usage();
	}
	if (as_c1) {
		if (P.c1_sent) {
			usage();
		}
		P.c1_sent = 1;
	} else if ((r = need_c1()) != GO) {
		return r;
	}
	return send_raw(P.obuf, (size_t)n);
}

static int
send_hex_rec(const char *type, const char *hex, int flip)
{
	uint8_t	t;
	long	n;

	t = (uint8_t)number(type, 16, 255);
	if ((n = hex_decode(hex, P.ibuf, WIRE_MAXPAYLOAD)) == -1) {
		fprintf(stderr, "rshprobe: bad hex %s\n", hex);
		usage();
	}
	return send_rec(t, P.ibuf, (size_t)n, flip);
}

/* One handler per step; a[] holds the step's arguments. */
static int
step_c1_garbage(char **a)
{
	return send_hex(a[0], 1);
}

static int
step_c1_trunc(char **a)
{
	unsigned long n = number(a[0], 10, HS_C1MAX);

	if (P.c1_sent || make_c1() == -1 || n > P.hs.c1len) {
		usage();
	}
	P.c1_sent = 1;
	return send_raw(P.hs.c1, n);
}

static int
step_raw(char **a)
{
	return send_hex(a[0], 0);
}

static int
step_rec(char **a)
{
	return send_hex_rec(a[0], a[1], 0);
}

static int
step_flip(char **a)
{
	return send_hex_rec(a[0], a[1], 1);
}

static int
step_exec_sh(char **a)
{
	return send_exec_sh(a[0], NULL);
}

static int
step_exec_env(char **a)
{
	return send_exec_sh(a[1], a[0]);
}

static int
step_exec_bad(char **a)
{
	static const uint8_t bad[] = { TLV_ARG, 0, 0, 0, 3, 'a', 0, 'b' };

	(void)a;
	return send_rec(REC_EXEC, bad, sizeof(bad), 0);
}

static int
step_stdin(char **a)
{
	return send_rec(REC_STDIN, (const uint8_t *)a[0], strlen(a[0]), 0);
}

static int
step_stdin_burst(char **a)
{
	size_t	 n = (size_t)number(a[0], 10, 64), len = strlen(a[1]);
	size_t	 off = 0;
	uint8_t	*buf;
	long	 w;
	int	 r;

	if ((r = need_c1()) != GO) {
		return r;
	}
	if (P.out == NULL || len == 0 || len > 4096) {
		fprintf(stderr, "rshprobe: stdin-burst: no keys, or TEXT "
		    "empty or longer than 4096 bytes\n");
		return FAIL;
	}
	if ((buf = malloc(n * (len + WIRE_OVERHEAD))) == NULL) {
		perror("rshprobe: malloc");
		return FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + off + WIRE_PAYLOADOFF, a[1], len);
		if ((w = wire_seal(P.out, REC_STDIN, buf + off, len)) == -1) {
			fprintf(stderr, "rshprobe: wire_seal failed\n");
			free(buf);
			return FAIL;
		}
		off += (size_t)w;
	}
	r = send_raw(buf, off);
	free(buf);
	return r;
}

static int
step_eof(char **a)
{
	(void)a;
	return send_rec(REC_STDIN_EOF, NULL, 0, 0);
}

static int
step_signal(char **a)
{
	uint8_t sig = (uint8_t)number(a[0], 10, 255);

	return send_rec(REC_SIGNAL, &sig, 1, 0);
}

static int
step_bye(char **a)
{
	(void)a;
	return send_rec(REC_BYE, NULL, 0, 0);
}

static int
step_ping(char **a)
{
	return send_hex_rec("6", a[0], 0);
}

static int
step_s2(char **a)
{
	(void)a;
	return read_s2();
}

static int
step_started(char **a)
{
	(void)a;
	return read_records(1, NULL);
}

static int
step_until(char **a)
{
	return read_records(0, a[0]);
}

static int
step_read(char **a)
{
	(void)a;
	return read_records(0, NULL);
}

static int
step_pause(char **a)
{
	return pause_ms(number(a[0], 10, 600000));
}

static int
step_close(char **a)
{
	int r;

	(void)a;
	r = close(P.fd);
	P.fd = -1;
	return r == 0 ? STOP : FAIL;
}

static const struct step {
	const char	*name;
	int		 nargs;
	int		(*run)(char **);
} steps[] = {
	{ "c1-garbage", 1, step_c1_garbage },
	{ "c1-trunc", 1, step_c1_trunc },
	{ "raw", 1, step_raw },
	{ "rec", 2, step_rec },
	{ "flip", 2, step_flip },
	{ "exec-sh", 1, step_exec_sh },
	{ "exec-env", 2, step_exec_env },
	{ "exec-bad", 0, step_exec_bad },
	{ "stdin", 1, step_stdin },
	{ "stdin-burst", 2, step_stdin_burst },
	{ "eof", 0, step_eof },
	{ "signal", 1, step_signal },
	{ "bye", 0, step_bye },
	{ "ping", 1, step_ping },
	{ "s2", 0, step_s2 },
	{ "started", 0, step_started },
	{ "until", 1, step_until },
	{ "read", 0, step_read },
	{ "pause", 1, step_pause },
	{ "close", 0, step_close },
};

/* Runs the step at argv[*i], consuming its arguments. */
static int
run_step(int argc, char **argv, int *i)
{
	const char	*name = argv[*i];
	size_t		 k;

	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		if (strcmp(name, steps[k].name) != 0) {
			continue;
		}
		if (argc - *i - 1 < steps[k].nargs) {
			fprintf(stderr, "rshprobe: %s needs %d argument(s)\n",
			    name, steps[k].nargs);
			usage();
		}
		*i += 1 + steps[k].nargs;
		return steps[k].run(argv + *i - steps[k].nargs);
	}
	fprintf(stderr, "rshprobe: bad step %s\n", name);
	usage();
}


int
main(int argc, char **argv)
{
	const char	*keyfile = NULL, *name = NULL, *idover = NULL;
	int		 ch, i, r = GO;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ch = getopt(argc, argv, "+i:k:n:r:t:w")) != -1) {
		switch (ch) {
		case 'i':
			idover = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'r':
			P.rcvbuf = (int)number(optarg, 10, 1 << 24);
			break;
		case 'w':
			P.windows = 1;
			break;
		case 't':
			P.timeout_ms = (int)number(optarg, 10, 3600000);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (keyfile == NULL || argc < 2) {
		usage();
	}
	if (name != NULL) {
		if (strlcpy(P.name, name, sizeof(P.name)) >= sizeof(P.name)) {
			usage();
		}
	} else if (netio_name_canon(argv[0], P.name, sizeof(P.name)) == -1) {
		fprintf(stderr, "rshprobe: bad host name %s\n", argv[0]);
		return 1;
	}
	if (probe_key_load("rshprobe", keyfile, P.name, idover,
	    P.psk, P.keyid, sizeof(P.keyid)) == -1) {
		return 1;
	}
	if ((P.fd = connect_to(argv[0], argv[1])) == -1) {
		return 1;
	}
	r = read_s1();
	for (i = 2; r == GO && i < argc;) {
		r = run_step(argc, argv, &i);
	}
	flush_data();
	if (P.fd != -1) {
		close(P.fd);
	}
	hs_client_clear(&P.hs);
	crypto_wipe(P.psk, sizeof(P.psk));
	wire_dir_free(P.out);
	wire_dir_free(P.in);
	free(P.pend);
	if (r == FAIL) {
		return 1;
	}
	return r == LATE ? 3 : 0;
}
