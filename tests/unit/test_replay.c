/*
 * test_replay: the UDP replay cache answers a repeat from its entry,
 * keeps each key within its quota, and raises the key's timestamp floor
 * when an entry leaves early: to the entry's timestamp, never beyond now
 * plus the clock window, and not at all for a request refused for clock
 * skew (one datagram from a clock a day ahead must not lock the key out).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "netio.h"

#include "../../rshd/replay.h"

#include "check.h"

#define WINDOW	30000
#define DAY	86400000ULL

static struct sockaddr_storage src;
static uint8_t out[64];

/* A new entry for (id, n = i) with timestamp ts: the verdict. */
static enum replay_verdict
enter(struct replay *r, const char *id, int i, uint64_t ts,
    struct replay_entry **e)
{
	uint8_t	n[16], hash[REPLAY_HASHLEN];
	size_t	len = 0;

	memset(n, 0, sizeof(n));
	memset(hash, 0, sizeof(hash));
	n[0] = (uint8_t)i;
	hash[0] = (uint8_t)i;
	return replay_check(r, id, strlen(id), n, hash, &src, ts, e, out,
	    sizeof(out), &len);
}

static struct replay *
cache(uint64_t start)
{
	struct replay_limits lim = { 64, 2, 65536, 2 * WINDOW, WINDOW };

	return replay_new(&lim, start);
}

static void
test_floor_rises(void)
{
	uint64_t		 now = netio_wall_ms();
	struct replay		*r = cache(now - 1000);
	struct replay_entry	*e;

	CHECK_EQ(replay_floor(r, "k", 1), now - 1000);
	CHECK_EQ(enter(r, "k", 1, now, &e), REPLAY_NEW);
	replay_store(r, e, (const uint8_t *)"a", 1, 0);
	/* A repeat gets the stored reply. */
	CHECK_EQ(enter(r, "k", 1, now, &e), REPLAY_RESEND);
	CHECK_EQ(enter(r, "k", 2, now + 5, &e), REPLAY_NEW);
	replay_store(r, e, (const uint8_t *)"b", 1, 0);
	/* The quota is 2: the third evicts the first, which ran, and the
	 * floor rises to its timestamp. */
	CHECK_EQ(enter(r, "k", 3, now + 10, &e), REPLAY_NEW);
	replay_store(r, e, (const uint8_t *)"c", 1, 0);
	CHECK_EQ(replay_floor(r, "k", 1), now);
	/* Another key's floor does not move. */
	CHECK_EQ(replay_floor(r, "other", 5), now - 1000);
	replay_free(r);
}

static void
test_skewed_moves_nothing(void)
{
	uint64_t		 now = netio_wall_ms();
	struct replay		*r = cache(now - 1000);
	struct replay_entry	*e;

	/* A request from a clock a day ahead, refused for clock skew. */
	CHECK_EQ(enter(r, "k", 1, now + DAY, &e), REPLAY_NEW);
	replay_store(r, e, (const uint8_t *)"skew", 4, 1);
	for (int i = 2; i < 6; i++) {
		CHECK_EQ(enter(r, "k", i, now + (uint64_t)i, &e), REPLAY_NEW);
		replay_store(r, e, (const uint8_t *)"ok", 2, 0);
	}
	/* It left the cache early; the key's floor is one of the requests
	 * that ran, nowhere near tomorrow. */
	CHECK(replay_floor(r, "k", 1) < now + 10);
	CHECK(replay_floor(r, "k", 1) >= now);
	replay_free(r);
}

static void
test_floor_capped(void)
{
	uint64_t		 now = netio_wall_ms();
	struct replay		*r = cache(now - 1000);
	struct replay_entry	*e;

	/* An entry with a timestamp far ahead that was not refused (the
	 * wall clock stepped back since): the floor stops at now plus the
	 * window. */
	CHECK_EQ(enter(r, "k", 1, now + DAY, &e), REPLAY_NEW);
	replay_store(r, e, (const uint8_t *)"x", 1, 0);
	for (int i = 2; i < 4; i++) {
		CHECK_EQ(enter(r, "k", i, now, &e), REPLAY_NEW);
		replay_store(r, e, (const uint8_t *)"ok", 2, 0);
	}
	CHECK(replay_floor(r, "k", 1) >= now + WINDOW);
	CHECK(replay_floor(r, "k", 1) <= netio_wall_ms() + WINDOW);
	replay_free(r);
}

int
main(void)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&src;

	memset(&src, 0, sizeof(src));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(4242);
	(void)inet_pton(AF_INET, "192.0.2.1", &s4->sin_addr);
	test_floor_rises();
	test_skewed_moves_nothing();
	test_floor_capped();
	return check_done("test_replay");
}
