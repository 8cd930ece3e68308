/*
 * test_buf: the bounded buffer keeps data in order, compacts before it
 * grows, grows by doubling, and never goes past its maximum.
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"

#include "check.h"

static void
test_init(void)
{
	struct buf b;

	CHECK_EQ(buf_init(&b, 10, 5), -1);
	CHECK_EQ(buf_init(&b, 0, 100), 0);
	CHECK(b.p == NULL);
	CHECK_EQ(b.len, 0);
	CHECK(buf_reserve(&b, 0) != NULL);
	buf_free(&b);
	buf_free(&b);		/* twice is harmless */
	CHECK(b.p == NULL);
	CHECK_EQ(b.cap, 0);

	memset(&b, 0, sizeof(b));
	buf_free(&b);		/* a zeroed buffer too */
	CHECK_EQ(b.cap, 0);
}

static void
test_reserve_commit_consume(void)
{
	struct buf b;
	uint8_t *w;

	CHECK_EQ(buf_init(&b, 16, 1024), 0);
	CHECK_EQ(b.cap, 16);
	w = buf_reserve(&b, 5);
	CHECK(w != NULL && w == b.p);
	if (w == NULL)
		return;
	memcpy(w, "hello", 5);
	buf_commit(&b, 5);
	CHECK_EQ(b.len, 5);
	CHECK_EQ(buf_append(&b, " world", 6), 0);
	CHECK_EQ(b.len, 11);
	CHECK_MEM(buf_data(&b), "hello world", 11);
	buf_consume(&b, 6);
	CHECK_EQ(b.off, 6);
	CHECK_EQ(b.len, 5);
	CHECK_MEM(buf_data(&b), "world", 5);
	buf_consume(&b, 5);
	CHECK_EQ(b.len, 0);
	CHECK_EQ(b.off, 0);	/* emptied: back to the front */
	CHECK_EQ(buf_append(&b, "ab", 2), 0);
	buf_consume(&b, 100);	/* more than there is empties it */
	CHECK_EQ(b.len, 0);
	CHECK_EQ(buf_append(&b, "", 0), 0);
	CHECK_EQ(b.len, 0);
	buf_free(&b);
}

static void
test_compaction(void)
{
	struct buf b;
	uint8_t *w;

	CHECK_EQ(buf_init(&b, 16, 1024), 0);
	CHECK_EQ(buf_append(&b, "0123456789abcdef", 16), 0);
	buf_consume(&b, 10);
	CHECK_EQ(b.off, 10);
	/* 6 held, 10 free at the front: 8 more fit by moving, not growing. */
	w = buf_reserve(&b, 8);
	CHECK(w != NULL);
	if (w == NULL)
		return;
	CHECK_EQ(b.cap, 16);
	CHECK_EQ(b.off, 0);
	CHECK(w == b.p + 6);
	CHECK_MEM(buf_data(&b), "abcdef", 6);
	memcpy(w, "ABCDEFGH", 8);
	buf_commit(&b, 8);
	CHECK_MEM(buf_data(&b), "abcdefABCDEFGH", 14);

	/* Now 14 of 16 held: 3 more needs growth, and the data moves too. */
	buf_consume(&b, 1);
	CHECK_EQ(buf_append(&b, "xyz", 3), 0);
	CHECK_EQ(b.len, 16);
	CHECK_MEM(buf_data(&b), "bcdefABCDEFGHxyz", 16);
	buf_free(&b);
}

static void
test_growth_and_max(void)
{
	struct buf b;
	uint8_t chunk[100];
	size_t i;

	memset(chunk, 'z', sizeof(chunk));
	CHECK_EQ(buf_init(&b, 0, 1000), 0);
	CHECK_EQ(buf_append(&b, chunk, 1), 0);
	CHECK_EQ(b.cap, 256);	/* the smallest block */
	for (i = 1; i < 300; i++)
		CHECK_EQ(buf_append(&b, chunk, 1), 0);
	CHECK_EQ(b.cap, 512);	/* doubled */
	CHECK_EQ(b.len, 300);
	for (i = 0; i < 7; i++)
		CHECK_EQ(buf_append(&b, chunk, 100), 0);
	CHECK_EQ(b.len, 1000);
	CHECK_EQ(b.cap, 1000);	/* doubling stops at max */
	CHECK_EQ(buf_append(&b, chunk, 1), -1);
	CHECK(buf_reserve(&b, 1) == NULL);
	CHECK_EQ(b.len, 1000);	/* a refused append changes nothing */
	buf_consume(&b, 1);
	CHECK_EQ(buf_append(&b, chunk, 2), -1);
	CHECK_EQ(buf_append(&b, chunk, 1), 0);
	CHECK(buf_reserve(&b, (size_t)-1) == NULL);	/* no wrap */
	buf_free(&b);

	/* A max below the smallest block is still honoured exactly. */
	CHECK_EQ(buf_init(&b, 0, 10), 0);
	CHECK_EQ(buf_append(&b, chunk, 10), 0);
	CHECK_EQ(b.cap, 10);
	CHECK_EQ(buf_append(&b, chunk, 1), -1);
	buf_free(&b);
}

/* Data survives many rounds of partial consume and append in order. */
static void
test_stream(void)
{
	struct buf b;
	uint8_t in[37], out = 0;
	size_t i, k, bad = 0;
	uint8_t next = 0;

	CHECK_EQ(buf_init(&b, 8, 4096), 0);
	for (i = 0; i < 2000; i++) {
		for (k = 0; k < sizeof(in); k++)
			in[k] = next++;
		if (buf_append(&b, in, i % sizeof(in) + 1) != 0)
			bad++;
		next -= (uint8_t)(sizeof(in) - (i % sizeof(in) + 1));
		for (k = 0; k < (i * 7) % 41 && k < b.len; k++) {
			if (buf_data(&b)[k] != (uint8_t)(out + k))
				bad++;
		}
		out = (uint8_t)(out + k);
		buf_consume(&b, k);
	}
	CHECK_EQ(bad, 0);
	CHECK(b.cap <= 4096);
	buf_free(&b);
}

int
main(void)
{
	test_init();
	test_reserve_commit_consume();
	test_compaction();
	test_growth_and_max();
	test_stream();
	return check_done("test_buf");
}
