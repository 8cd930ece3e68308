/*
 * test_admit: admission counts sources (IPv6 by /64), refuses a source at
 * its limit unless its oldest handshake is stale, makes room in a full
 * table by evicting from the source holding the most (shutting that
 * socket down), the oldest handshake of all the sources tied at the most
 * and never one younger than the minimum age, never evicts an
 * authenticated connection nor evicts for a newcomer it then refuses,
 * and counts key sessions by id; penalties start after MaxAuthFailures
 * and double.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../rshd/admit.h"
#include "../../rshd/penalty.h"

#include "check.h"

#define NSOCK	16

static int ends[NSOCK][2];	/* [0] stands for the connection */

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage	ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		(void)inet_pton(AF_INET6, text, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		(void)inet_pton(AF_INET, text, &s4->sin_addr);
	}
	return ss;
}

/* 1 when connection i's socket was shut down (its peer sees EOF). */
static int
evicted(int i)
{
	struct pollfd	pfd = { ends[i][1], POLLIN, 0 };
	char		c;

	return poll(&pfd, 1, 0) == 1 && recv(ends[i][1], &c, 1,
	    MSG_DONTWAIT) == 0;
}

/* New sockets for a test: a shut-down one stays at end of file. */
static void
fresh_ends(void)
{
	for (int i = 0; i < NSOCK; i++) {
		if (ends[i][0] > 0) {
			close(ends[i][0]);
			close(ends[i][1]);
		}
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    ends[i]) == -1) {
			ends[i][0] = ends[i][1] = -1;
		}
	}
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
		continue;
	}
}

static void
test_groups(void)
{
	struct sockaddr_storage	a = addr("2001:db8:1:2::1");
	struct sockaddr_storage	b = addr("2001:db8:1:2:ffff::9");
	struct sockaddr_storage	c = addr("2001:db8:1:3::1");
	struct sockaddr_storage	v4 = addr("192.0.2.7");
	struct sockaddr_storage	mapped = addr("::ffff:192.0.2.7");
	struct in6_addr		ga, gb, gc, g4, gm;

	admit_group(&a, &ga);
	admit_group(&b, &gb);
	admit_group(&c, &gc);
	admit_group(&v4, &g4);
	admit_group(&mapped, &gm);
	CHECK_MEM(&ga, &gb, sizeof(ga));	/* one /64 */
	CHECK(memcmp(&ga, &gc, sizeof(ga)) != 0);
	CHECK_MEM(&g4, &gm, sizeof(g4));	/* IPv4 either way */
}

static void
test_per_source(void)
{
	struct admit_limits	 lim = { 100, 100, 2, 200, 0 };
	struct admit		*a = admit_new();
	struct admit_ticket	*t[4];
	struct sockaddr_storage	 p1 = addr("2001:db8::1");
	struct sockaddr_storage	 p2 = addr("2001:db8::2");	/* same /64 */
	const char		*why = NULL;
	int			 conns, unauth;

	CHECK((t[0] = admit_enter(a, &lim, &p1, ends[0][0], &why)) != NULL);
	CHECK((t[1] = admit_enter(a, &lim, &p2, ends[1][0], &why)) != NULL);
	/* A third from the /64, while both are fresh: refused. */
	CHECK((t[2] = admit_enter(a, &lim, &p1, ends[2][0], &why)) == NULL);
	CHECK(why != NULL && strstr(why, "from your address") != NULL);
	CHECK(!evicted(0) && !evicted(1));
	/* Once the oldest is stale, it makes room for the next. */
	sleep_ms(250);
	CHECK((t[2] = admit_enter(a, &lim, &p1, ends[2][0], &why)) != NULL);
	CHECK(evicted(0));
	CHECK(!evicted(1));
	CHECK_EQ(admit_authed(a, t[0]), -1);	/* it lost its slot */
	CHECK_EQ(admit_authed(a, t[1]), 0);
	admit_counts(a, &conns, &unauth);
	CHECK_EQ(conns, 3);	/* t[0] is still open until it leaves */
	CHECK_EQ(unauth, 1);
	for (int i = 0; i < 3; i++) {
		admit_leave(a, t[i]);
	}
	admit_counts(a, &conns, &unauth);
	CHECK_EQ(conns, 0);
	CHECK_EQ(unauth, 0);
	CHECK_EQ(admit_wait_idle(a, 10), 0);
	admit_free(a);
}

/* A handshake whose C1 is in, or on its way up the socket, waits for
 * rshd, not its client: it is never the one evicted. */
static void
test_spoke_not_evicted(void)
{
	struct admit_limits	 lim = { 100, 100, 2, 200, 0 };
	struct admit		*a = admit_new();
	struct admit_ticket	*t[4];
	struct sockaddr_storage	 p1 = addr("192.0.2.1");
	const char		*why = NULL;

	CHECK((t[0] = admit_enter(a, &lim, &p1, ends[0][0], &why)) != NULL);
	CHECK((t[1] = admit_enter(a, &lim, &p1, ends[1][0], &why)) != NULL);
	admit_spoke(a, t[0]);				/* C1 read */
	CHECK_EQ(send(ends[1][1], "c1", 2, 0), 2);	/* C1 arriving */
	sleep_ms(250);
	/* Both stale by age, neither idle: the newcomer is refused. */
	CHECK((t[2] = admit_enter(a, &lim, &p1, ends[2][0], &why)) == NULL);
	CHECK(why != NULL && strstr(why, "from your address") != NULL);
	CHECK(!evicted(0) && !evicted(1));
	for (int i = 0; i < 2; i++) {
		admit_leave(a, t[i]);
	}
	admit_free(a);
}

static void
test_full_table(void)
{
	struct admit_limits	 lim = { 100, 4, 4, 100000, 0 };
	struct admit		*a = admit_new();
	struct admit_ticket	*t[8];
	struct sockaddr_storage	 big = addr("10.0.0.1");
	struct sockaddr_storage	 small = addr("10.0.0.2");
	struct sockaddr_storage	 newcomer = addr("10.0.0.3");
	const char		*why = NULL;

	/* 10.0.0.1 holds three, 10.0.0.2 one: the table is full. */
	for (int i = 0; i < 3; i++) {
		t[i] = admit_enter(a, &lim, &big, ends[i][0], &why);
	}
	t[3] = admit_enter(a, &lim, &small, ends[3][0], &why);
	CHECK(t[0] != NULL && t[1] != NULL && t[2] != NULL && t[3] != NULL);
	/* A newcomer evicts the oldest of the biggest holder. */
	CHECK((t[4] = admit_enter(a, &lim, &newcomer, ends[4][0], &why)) !=
	    NULL);
	CHECK(evicted(0));
	CHECK(!evicted(1) && !evicted(2) && !evicted(3));
	/* The biggest holder itself gets nothing more: it would only evict
	 * its own (fresh) ones. */
	CHECK(admit_enter(a, &lim, &big, ends[5][0], &why) == NULL);
	CHECK(why != NULL && strcmp(why,
	    "too many unauthenticated connections") == 0);
	/* Authenticated connections are never evicted: with all of the
	 * connection slots theirs, a newcomer is refused. */
	lim.max_conns = 5;
	for (int i = 1; i < 5; i++) {
		(void)admit_authed(a, t[i]);
	}
	admit_leave(a, t[0]);
	CHECK((t[0] = admit_enter(a, &lim, &small, ends[6][0], &why)) != NULL);
	CHECK_EQ(admit_authed(a, t[0]), 0);
	CHECK(admit_enter(a, &lim, &newcomer, ends[7][0], &why) == NULL);
	CHECK(why != NULL && strcmp(why, "too many connections") == 0);
	CHECK(!evicted(6));
	/* A reload that raises the limit takes effect at once. */
	lim.max_conns = 6;
	CHECK((t[5] = admit_enter(a, &lim, &newcomer, ends[7][0], &why)) !=
	    NULL);
	for (int i = 0; i < 6; i++) {
		admit_leave(a, t[i]);
	}
	admit_free(a);
}

/* IPv6 /64s and an IPv4 client tied at the most: the oldest handshake of
 * them all goes, never the IPv4 client's fresh one (it sorts first). */
static void
test_ties(void)
{
	struct admit_limits	 lim = { 100, 7, 4, 100000, 150 };
	struct admit		*a = admit_new();
	struct admit_ticket	*t[9];
	struct sockaddr_storage	 v6a = addr("2001:db8:a::1");
	struct sockaddr_storage	 v6a2 = addr("2001:db8:a::2");
	struct sockaddr_storage	 v6b = addr("2001:db8:b::1");
	struct sockaddr_storage	 v6b2 = addr("2001:db8:b:0:ffff::2");
	struct sockaddr_storage	 v4 = addr("192.0.2.7");
	struct sockaddr_storage	 v6c = addr("2001:db8:c::1");
	struct sockaddr_storage	 v6d = addr("2001:db8:d::1");
	const char		*why = NULL;

	t[0] = admit_enter(a, &lim, &v6a, ends[0][0], &why);
	t[1] = admit_enter(a, &lim, &v6b, ends[1][0], &why);
	sleep_ms(100);
	t[2] = admit_enter(a, &lim, &v6a2, ends[2][0], &why);
	t[3] = admit_enter(a, &lim, &v6b2, ends[3][0], &why);
	sleep_ms(100);
	/* The IPv4 client's two handshakes are fresh. */
	t[4] = admit_enter(a, &lim, &v4, ends[4][0], &why);
	t[5] = admit_enter(a, &lim, &v4, ends[5][0], &why);
	t[6] = admit_enter(a, &lim, &v6c, ends[6][0], &why);
	for (int i = 0; i < 7; i++) {
		CHECK(t[i] != NULL);
	}
	/* Full, three sources hold two each: the oldest of the six goes
	 * (2001:db8:a::1's, admitted first), old enough at 200 ms. */
	CHECK((t[7] = admit_enter(a, &lim, &v6d, ends[7][0], &why)) != NULL);
	CHECK(evicted(0));
	for (int i = 1; i < 7; i++) {
		CHECK(!evicted(i));
	}
	/* Next, 2001:db8:b::/64 holds the most alone; its oldest goes. */
	CHECK((t[8] = admit_enter(a, &lim, &v6d, ends[8][0], &why)) != NULL);
	CHECK(evicted(1));
	CHECK(!evicted(4) && !evicted(5));
	for (int i = 0; i < 9; i++) {
		admit_leave(a, t[i]);
	}
	admit_free(a);
}

/* A full table of handshakes younger than the minimum age: a newcomer is
 * refused and nobody is evicted. */
static void
test_min_age(void)
{
	struct admit_limits	 lim = { 100, 4, 4, 100000, 60000 };
	struct admit		*a = admit_new();
	struct admit_ticket	*t[5];
	struct sockaddr_storage	 v6 = addr("2001:db8:e::1");
	struct sockaddr_storage	 v4 = addr("192.0.2.9");
	const char		*why = NULL;

	for (int i = 0; i < 3; i++) {
		t[i] = admit_enter(a, &lim, &v6, ends[i][0], &why);
	}
	t[3] = admit_enter(a, &lim, &v4, ends[3][0], &why);
	CHECK(admit_enter(a, &lim, &v4, ends[4][0], &why) == NULL);
	CHECK(why != NULL && strcmp(why,
	    "too many unauthenticated connections") == 0);
	for (int i = 0; i < 4; i++) {
		CHECK(t[i] != NULL);
		CHECK(!evicted(i));
	}
	/* Once they are old enough, the biggest source pays. */
	lim.min_age_ms = 0;
	CHECK((t[4] = admit_enter(a, &lim, &v4, ends[4][0], &why)) != NULL);
	CHECK(evicted(0));
	for (int i = 0; i < 5; i++) {
		admit_leave(a, t[i]);
	}
	admit_free(a);
}

/* Nothing is evicted for a newcomer that is refused anyway (limits a
 * reload lowered below what authenticated connections hold), and an
 * evicted connection's slot is given again before its thread leaves. */
static void
test_no_wasted_eviction(void)
{
	struct admit_limits	 lim = { 10, 10, 1, 0, 0 };
	struct admit		*a = admit_new();
	struct admit_ticket	*t[6];
	struct sockaddr_storage	 x = addr("2001:db8:f::1");
	struct sockaddr_storage	 y = addr("192.0.2.10");
	struct sockaddr_storage	 z = addr("2001:db8:1f::1");
	const char		*why = NULL;

	t[0] = admit_enter(a, &lim, &x, ends[0][0], &why);
	t[1] = admit_enter(a, &lim, &z, ends[1][0], &why);
	CHECK_EQ(admit_authed(a, t[0]), 0);
	CHECK_EQ(admit_authed(a, t[1]), 0);
	t[2] = admit_enter(a, &lim, &y, ends[2][0], &why);
	CHECK(t[0] != NULL && t[1] != NULL && t[2] != NULL);
	/* y is at its own limit with a stale handshake, but the two
	 * authenticated connections fill MaxConnections: refused, and its
	 * handshake stays. */
	lim.max_conns = 2;
	CHECK(admit_enter(a, &lim, &y, ends[3][0], &why) == NULL);
	CHECK(why != NULL && strcmp(why, "too many connections") == 0);
	CHECK(!evicted(2));
	/* The same for another source, which would evict y's. */
	lim.max_unauth_src = 4;
	CHECK(admit_enter(a, &lim, &x, ends[3][0], &why) == NULL);
	CHECK(!evicted(2));
	/* With room for one: y's own stale handshake makes it, and the slot
	 * it held counts as free at once, before its thread leaves. */
	lim.max_conns = 3;
	lim.max_unauth_src = 1;
	CHECK((t[3] = admit_enter(a, &lim, &y, ends[3][0], &why)) != NULL);
	CHECK(evicted(2));
	CHECK((t[4] = admit_enter(a, &lim, &y, ends[4][0], &why)) != NULL);
	CHECK(evicted(3));
	CHECK_EQ(admit_authed(a, t[4]), 0);
	CHECK(admit_enter(a, &lim, &y, ends[5][0], &why) == NULL);
	for (int i = 0; i < 5; i++) {
		admit_leave(a, t[i]);
	}
	CHECK_EQ(admit_wait_idle(a, 10), 0);
	admit_free(a);
}

static void
test_key_sessions(void)
{
	struct admit *a = admit_new();

	CHECK_EQ(admit_key_begin(a, "ops", 2), 0);
	CHECK_EQ(admit_key_begin(a, "ops", 2), 0);
	CHECK_EQ(admit_key_begin(a, "ops", 2), -1);
	CHECK_EQ(admit_key_begin(a, "ci", 0), 0);	/* no limit */
	admit_key_end(a, "ops");
	CHECK_EQ(admit_key_begin(a, "ops", 2), 0);
	admit_key_end(a, "ops");
	admit_key_end(a, "ops");
	admit_key_end(a, "ci");
	admit_key_end(a, "never-seen");		/* harmless */
	admit_free(a);
}

static void
test_penalty(void)
{
	struct sockaddr_storage	p = addr("2001:db8:5::1");
	struct sockaddr_storage	same64 = addr("2001:db8:5::2");
	struct sockaddr_storage	other = addr("2001:db8:6::1");
	long long		now = 1000000;

	penalty_reset();
	penalty_fail(&p, "p", 3, 1000, now);
	penalty_fail(&p, "p", 3, 1000, now);
	CHECK_EQ(penalty_left(&p, now), 0);
	penalty_fail(&same64, "p", 3, 1000, now);	/* the third */
	CHECK_EQ(penalty_left(&p, now), 1000);
	CHECK_EQ(penalty_left(&other, now), 0);
	CHECK_EQ(penalty_left(&p, now + 1000), 0);
	/* The next penalty doubles. */
	for (int i = 0; i < 3; i++) {
		penalty_fail(&p, "p", 3, 1000, now + 2000);
	}
	CHECK_EQ(penalty_left(&p, now + 2000), 2000);
	/* A success forgets the failures counted, not the level. */
	penalty_fail(&p, "p", 3, 1000, now + 5000);
	penalty_fail(&p, "p", 3, 1000, now + 5000);
	penalty_ok(&p);
	penalty_fail(&p, "p", 3, 1000, now + 5000);
	CHECK_EQ(penalty_left(&p, now + 5000), 0);
	/* Failures spread wider than the window never add up. */
	penalty_reset();
	for (int i = 0; i < 10; i++) {
		penalty_fail(&p, "p", 3, 1000,
		    now + (long long)i * PENALTY_WINDOW_MS / 2 + i);
		CHECK(i % 2 == 0 || penalty_left(&p, now + (long long)i *
		    PENALTY_WINDOW_MS / 2 + i) == 0);
	}
	/* 0 turns penalties off. */
	penalty_reset();
	for (int i = 0; i < 100; i++) {
		penalty_fail(&p, "p", 0, 1000, now);
	}
	CHECK_EQ(penalty_left(&p, now), 0);
	/* The table stays bounded under many sources, and a source under
	 * penalty is kept over the others. */
	penalty_fail(&p, "p", 1, 60000, now);
	for (unsigned i = 0; i < 3 * PENALTY_SOURCES; i++) {
		struct sockaddr_storage	q = addr("10.0.0.0");

		((struct sockaddr_in *)&q)->sin_addr.s_addr = htonl(0x0a000000 +
		    i);
		penalty_fail(&q, "q", 5, 1000, now + 1);
	}
	CHECK(penalty_left(&p, now + 2) > 0);
	penalty_reset();
}

int
main(void)
{
	test_groups();
	fresh_ends();
	test_per_source();
	fresh_ends();
	test_spoke_not_evicted();
	fresh_ends();
	test_full_table();
	fresh_ends();
	test_ties();
	fresh_ends();
	test_min_age();
	fresh_ends();
	test_no_wasted_eviction();
	test_key_sessions();
	test_penalty();
	return check_done("test_admit");
}
