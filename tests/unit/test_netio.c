/*
 * test_netio: server names come out in the one spelling both sides bind
 * into the handshake; host:port arguments split as users type them; full
 * reads and writes move every byte, stop at end of file and time out.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "netio.h"

#include "check.h"

#define BIG	(4 * 1024 * 1024)

struct canon_case {
	const char	*in;
	const char	*want;		/* NULL: refused */
};

static const struct canon_case canon_cases[] = {
	{ "web3", "web3" },
	{ "WEB3.Example.COM", "web3.example.com" },
	{ "web3.example.com.", "web3.example.com" },
	{ "under_score-dash.example", "under_score-dash.example" },
	{ "localhost", "localhost" },
	{ "", NULL },
	{ ".", NULL },
	{ "web3..", NULL },
	{ "a..b", NULL },
	{ ".a", NULL },
	{ "a b", NULL },
	{ "a/b", NULL },
	{ "a\tb", NULL },
	{ "caf\xc3\xa9", NULL },
	{ "host%eth0", NULL },
	{ "web3:22", NULL },
	{ "1.2.3.4", "1.2.3.4" },
	{ "192.0.2.255", "192.0.2.255" },
	{ "127.1", NULL },		/* the resolver's 127.0.0.1 */
	{ "01.2.3.4", NULL },
	{ "256.1.1.1", NULL },
	{ "1.2.3.4.", NULL },
	{ "1.2.3.4.5", NULL },
	{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
	{ "2001:DB8::0001", "2001:db8::1" },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
	{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },	/* one 0 */
	{ "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },	/* the longest */
	{ "2001:db8:0:0:1:1:0:0", "2001:db8::1:1:0:0" },	/* the first */
	{ "0:0:0:0:0:0:0:1", "::1" },
	{ "::", "::" },
	{ "1::", "1::" },
	{ "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789",
	    "abcd:ef01:2345:6789:abcd:ef01:2345:6789" },
	{ "::ffff:1.2.3.4", "1.2.3.4" },
	{ "::FFFF:0102:0304", "1.2.3.4" },
	{ "[::ffff:192.0.2.1]", "192.0.2.1" },
	{ "::1.2.3.4", "::102:304" },		/* not mapped: plain hex */
	{ "64:ff9b::192.0.2.1", "64:ff9b::c000:201" },
	{ "[::1]", "::1" },
	{ "[2001:DB8::1]", "2001:db8::1" },
	{ "fe80::1%eth0", "fe80::1" },		/* the zone is the client's */
	{ "[fe80::1%2]", "fe80::1" },
	{ "fe80::1%", NULL },
	{ "fe80::1%a b", NULL },
	{ "[1.2.3.4]", NULL },
	{ "[web3]", NULL },
	{ "[::1", NULL },
	{ "::1]", NULL },
	{ "[]", NULL },
	{ "[", NULL },
	{ "1:2:3:4:5:6:7:8:9", NULL },
	{ "1::2::3", NULL },
	{ ":::", NULL },
	{ "12345::1", NULL },
};

static void
test_canon_table(void)
{
	char out[NETIO_NAMEMAX];
	size_t i;
	int r;

	for (i = 0; i < sizeof(canon_cases) / sizeof(canon_cases[0]); i++) {
		const struct canon_case *c = &canon_cases[i];

		strlcpy(out, "untouched", sizeof(out));
		r = netio_name_canon(c->in, out, sizeof(out));
		if (c->want == NULL ? r == -1 :
		    r == 0 && strcmp(out, c->want) == 0) {
			check_pass++;
			continue;
		}
		check_fail++;
		fprintf(stderr, "name_canon(\"%s\") = %d \"%s\", want %s\n",
		    c->in, r, r == 0 ? out : "", c->want != NULL ? c->want :
		    "refusal");
	}
}

static void
test_canon_lengths(void)
{
	char in[300], out[NETIO_NAMEMAX];

	memset(in, 'a', 255);
	in[255] = '\0';
	CHECK_EQ(netio_name_canon(in, out, sizeof(out)), 0);
	CHECK_EQ(strlen(out), 255);
	in[255] = '.';			/* 256 bytes with the dot it drops */
	in[256] = '\0';
	CHECK_EQ(netio_name_canon(in, out, sizeof(out)), 0);
	CHECK_EQ(strlen(out), 255);
	in[255] = 'a';			/* 256 bytes */
	CHECK_EQ(netio_name_canon(in, out, sizeof(out)), -1);
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	CHECK_EQ(netio_name_canon(in, out, sizeof(out)), -1);
	/* The output buffer is honoured. */
	CHECK_EQ(netio_name_canon("web3", out, 5), 0);
	CHECK_EQ(netio_name_canon("web3", out, 4), -1);
	CHECK_EQ(netio_name_canon("::1", out, 4), 0);
	CHECK_EQ(netio_name_canon("::1", out, 3), -1);
	CHECK_EQ(netio_name_canon("1.2.3.4", out, 7), -1);
	CHECK_EQ(netio_name_canon("::ffff:1.2.3.4", out, 8), 0);
	CHECK(strcmp(out, "1.2.3.4") == 0);
}

struct split_case {
	const char	*in;
	const char	*host;		/* NULL: refused */
	const char	*port;
};

static const struct split_case split_cases[] = {
	{ "web3", "web3", "" },
	{ "web3:2222", "web3", "2222" },
	{ "web3:ssh", "web3", "ssh" },
	{ "1.2.3.4:22", "1.2.3.4", "22" },
	{ "[::1]:2222", "::1", "2222" },
	{ "[::1]", "::1", "" },
	{ "::1", "::1", "" },
	{ "fe80::1", "fe80::1", "" },
	{ "2001:db8::1:22", "2001:db8::1:22", "" },	/* all address */
	{ "[fe80::1%eth0]:22", "fe80::1%eth0", "22" },
	{ "", NULL, NULL },
	{ ":22", NULL, NULL },
	{ "web3:", NULL, NULL },
	{ "web3:2 2", NULL, NULL },
	{ "[]", NULL, NULL },
	{ "[]:22", NULL, NULL },
	{ "[::1", NULL, NULL },
	{ "[::1]x", NULL, NULL },
	{ "[::1]:", NULL, NULL },
	{ "[::1]:22:", NULL, NULL },
};

static void
test_split_table(void)
{
	char host[NETIO_NAMEMAX], port[16];
	size_t i;
	int r;

	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];

		r = netio_split_hostport(c->in, host, sizeof(host), port,
		    sizeof(port));
		if (c->host == NULL ? r == -1 : r == 0 &&
		    strcmp(host, c->host) == 0 && strcmp(port, c->port) == 0) {
			check_pass++;
			continue;
		}
		check_fail++;
		fprintf(stderr, "split(\"%s\") = %d \"%s\" \"%s\"\n", c->in, r,
		    r == 0 ? host : "", r == 0 ? port : "");
	}
	CHECK_EQ(netio_split_hostport("web3:22", host, 5, port, 3), 0);
	CHECK_EQ(netio_split_hostport("web3:22", host, 4, port, 3), -1);
	CHECK_EQ(netio_split_hostport("web3:22", host, 5, port, 2), -1);
}

static void
test_addr(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	char out[NETIO_ADDRSTRMAX], want[NETIO_ADDRSTRMAX];
	unsigned lo;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(22);
	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	CHECK_EQ(netio_addr_name((struct sockaddr *)&sin, out, sizeof(out)), 0);
	CHECK(strcmp(out, "192.0.2.1") == 0);
	CHECK_EQ(netio_addr_str((struct sockaddr *)&sin, out, sizeof(out)), 0);
	CHECK(strcmp(out, "192.0.2.1:22") == 0);
	CHECK_EQ(netio_addr_str((struct sockaddr *)&sin, out, 12), -1);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(2222);
	inet_pton(AF_INET6, "2001:db8:0:0:1:0:0:1", &sin6.sin6_addr);
	CHECK_EQ(netio_addr_name((struct sockaddr *)&sin6, out, sizeof(out)),
	    0);
	CHECK(strcmp(out, "2001:db8::1:0:0:1") == 0);
	CHECK_EQ(netio_addr_str((struct sockaddr *)&sin6, out, sizeof(out)),
	    0);
	CHECK(strcmp(out, "[2001:db8::1:0:0:1]:2222") == 0);

	inet_pton(AF_INET6, "::ffff:192.0.2.7", &sin6.sin6_addr);
	CHECK_EQ(netio_addr_name((struct sockaddr *)&sin6, out, sizeof(out)),
	    0);
	CHECK(strcmp(out, "192.0.2.7") == 0);
	CHECK_EQ(netio_addr_str((struct sockaddr *)&sin6, out, sizeof(out)),
	    0);
	CHECK(strcmp(out, "192.0.2.7:2222") == 0);

	/* Link-local: the name has no zone, the log string does. */
	inet_pton(AF_INET6, "fe80::1", &sin6.sin6_addr);
	sin6.sin6_scope_id = 99999;
	CHECK_EQ(netio_addr_name((struct sockaddr *)&sin6, out, sizeof(out)),
	    0);
	CHECK(strcmp(out, "fe80::1") == 0);
	CHECK_EQ(netio_addr_str((struct sockaddr *)&sin6, out, sizeof(out)),
	    0);
	CHECK(strcmp(out, "[fe80::1%99999]:2222") == 0);
	if ((lo = if_nametoindex("lo")) != 0) {
		sin6.sin6_scope_id = lo;
		snprintf(want, sizeof(want), "[fe80::1%%lo]:2222");
		CHECK_EQ(netio_addr_str((struct sockaddr *)&sin6, out,
		    sizeof(out)), 0);
		CHECK(strcmp(out, want) == 0);
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	CHECK_EQ(netio_addr_name((struct sockaddr *)&sun, out, sizeof(out)),
	    -1);
	CHECK_EQ(netio_addr_str((struct sockaddr *)&sun, out, sizeof(out)),
	    -1);
}

struct pump {
	int		 fd;
	uint8_t		*data;
	size_t		 len;
	int		 ret;
	int		 delay_ms;
};

static void *
pump_write(void *arg)
{
	struct pump *p = arg;

	if (p->delay_ms > 0)
		usleep((useconds_t)p->delay_ms * 1000);
	p->ret = netio_write_full(p->fd, p->data, p->len);
	return NULL;
}

/* 4 MB through a nonblocking socket pair: EAGAIN on both ends. */
static void
test_full_big(void)
{
	static uint8_t out[BIG], in[BIG];
	struct pump p;
	pthread_t t;
	size_t i;
	int sv[2];

	for (i = 0; i < BIG; i++)
		out[i] = (uint8_t)(i * 2654435761u >> 13);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		CHECK(0);
		return;
	}
	CHECK_EQ(netio_set_nonblock(sv[0], 1), 0);
	CHECK_EQ(netio_set_nonblock(sv[1], 1), 0);
	CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	p.fd = sv[0];
	p.data = out;
	p.len = BIG;
	p.ret = 1;
	p.delay_ms = 0;
	pthread_create(&t, NULL, pump_write, &p);
	CHECK_EQ(netio_read_full(sv[1], in, BIG, -1), BIG);
	pthread_join(t, NULL);
	CHECK_EQ(p.ret, 0);
	CHECK_MEM(in, out, BIG);
	CHECK_EQ(netio_set_nonblock(sv[0], 0), 0);
	CHECK(!(fcntl(sv[0], F_GETFL) & O_NONBLOCK));
	close(sv[0]);
	close(sv[1]);
}

static void
test_full_small(void)
{
	uint8_t buf[16];
	struct pump p;
	pthread_t t;
	long long t0;
	int sv[2], pfd[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 || pipe(pfd) == -1) {
		CHECK(0);
		return;
	}
	CHECK_EQ(netio_read_full(sv[1], buf, 0, 0), 0);
	CHECK_EQ(netio_write_full(sv[0], "0123456789", 10), 0);
	CHECK_EQ(netio_read_full(sv[1], buf, 10, 1000), 10);
	CHECK_MEM(buf, "0123456789", 10);

	/* Nothing comes: ETIMEDOUT after the time asked for, not before. */
	t0 = netio_now_ms();
	errno = 0;
	CHECK_EQ(netio_read_full(sv[1], buf, 4, 100), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	CHECK(netio_now_ms() - t0 >= 100);
	CHECK(netio_now_ms() - t0 < 2000);

	/* Part comes: still a timeout, the limit is for the whole read. */
	CHECK_EQ(netio_write_full(sv[0], "abc", 3), 0);
	errno = 0;
	CHECK_EQ(netio_read_full(sv[1], buf, 4, 50), -1);
	CHECK_EQ(errno, ETIMEDOUT);

	/* The rest arrives later, within the limit. */
	p.fd = sv[0];
	p.data = (uint8_t *)"late";
	p.len = 4;
	p.delay_ms = 50;
	pthread_create(&t, NULL, pump_write, &p);
	CHECK_EQ(netio_read_full(sv[1], buf, 4, 5000), 4);
	pthread_join(t, NULL);
	CHECK_MEM(buf, "late", 4);

	/* End of file: the short count. */
	CHECK_EQ(netio_write_full(sv[0], "12345", 5), 0);
	shutdown(sv[0], SHUT_WR);
	CHECK_EQ(netio_read_full(sv[1], buf, 10, 1000), 5);
	CHECK_MEM(buf, "12345", 5);
	CHECK_EQ(netio_read_full(sv[1], buf, 10, -1), 0);

	/* A gone peer is EPIPE, not a SIGPIPE that kills us. */
	close(sv[1]);
	errno = 0;
	CHECK_EQ(netio_write_full(sv[0], "x", 1), -1);
	CHECK_EQ(errno, EPIPE);
	close(sv[0]);

	/* Not a socket: plain write(). */
	CHECK_EQ(netio_write_full(pfd[1], "pipe", 4), 0);
	CHECK_EQ(netio_read_full(pfd[0], buf, 4, 1000), 4);
	CHECK_MEM(buf, "pipe", 4);
	close(pfd[1]);
	CHECK_EQ(netio_read_full(pfd[0], buf, 4, 1000), 0);
	close(pfd[0]);
	CHECK_EQ(netio_write_full(-1, "x", 1), -1);
	CHECK_EQ(netio_read_full(-1, buf, 1, -1), -1);
}

/* A connected TCP pair on loopback: c the client's end, a the server's. */
static int
tcp_pair(int *c, int *a)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		return -1;
	}
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1 ||
	    (*c = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		close(l);
		return -1;
	}
	if (connect(*c, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (*a = accept(l, NULL, NULL)) == -1) {
		close(*c);
		close(l);
		return -1;
	}
	close(l);
	return 0;
}

static int
tcpopt(int fd, int level, int name)
{
	socklen_t	len = sizeof(int);
	int		v = -1;

	(void)getsockopt(fd, level, name, &v, &len);
	return v;
}

/* The keepalive schedule adds up to the limit; TCP_USER_TIMEOUT only when
 * asked for; an acknowledged peer, even one that stopped reading, owes
 * nothing. */
static void
test_liveness(void)
{
	static const struct {
		int	limit, idle, intvl, cnt;
	} sched[] = {
		{ 120000, 60, 15, 4 }, { 3000, 1, 1, 2 }, { 4000, 2, 1, 2 },
		{ 2000, 1, 1, 1 }, { 60000, 30, 7, 4 }, { 3600000, 1800, 450, 4 },
		{ 500, 1, 1, 1 },
	};
	static uint8_t	junk[65536];
	size_t		i;
	int		c, a, n;

	if (tcp_pair(&c, &a) == -1) {
		CHECK(!"no loopback TCP");
		return;
	}
	CHECK_EQ(netio_set_liveness(c, 0, NETIO_LIVE_SENT), 0);
	CHECK_EQ(tcpopt(c, SOL_SOCKET, SO_KEEPALIVE), 0);
	CHECK_EQ(tcpopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
	for (i = 0; i < sizeof(sched) / sizeof(sched[0]); i++) {
		CHECK_EQ(netio_set_liveness(c, sched[i].limit, 0), 0);
		CHECK_EQ(tcpopt(c, SOL_SOCKET, SO_KEEPALIVE), 1);
		CHECK_EQ(tcpopt(c, IPPROTO_TCP, TCP_KEEPIDLE), sched[i].idle);
		CHECK_EQ(tcpopt(c, IPPROTO_TCP, TCP_KEEPINTVL), sched[i].intvl);
		CHECK_EQ(tcpopt(c, IPPROTO_TCP, TCP_KEEPCNT), sched[i].cnt);
		CHECK_EQ(tcpopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
	}
	CHECK_EQ(netio_set_liveness(c, 7000, NETIO_LIVE_SENT), 0);
	CHECK_EQ(tcpopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT), 7000);
	CHECK_EQ(netio_set_liveness(-1, 7000, 0), -1);

	/* The peer reads nothing: its window shuts, yet it acknowledges
	 * everything, so nothing is owed. */
	CHECK_EQ(netio_set_nonblock(a, 1), 0);
	for (n = 0; n < 10000 && send(a, junk, sizeof(junk),
	    MSG_NOSIGNAL) > 0; n++) {
		continue;
	}
	usleep(200 * 1000);
	CHECK_EQ(netio_unanswered_ms(a), 0);
	CHECK_EQ(netio_unanswered_ms(-1), -1);
	close(c);
	close(a);
}

static void
test_clock(void)
{
	long long a, b;

	a = netio_now_ms();
	usleep(20 * 1000);
	b = netio_now_ms();
	CHECK(b - a >= 20);
	CHECK(b - a < 5000);
}

int
main(void)
{
	/* A read that ignores its time limit fails the test, not the run. */
	alarm(60);
	test_canon_table();
	test_canon_lengths();
	test_split_table();
	test_addr();
	test_full_small();
	test_full_big();
	test_clock();
	test_liveness();
	return check_done("test_netio");
}
