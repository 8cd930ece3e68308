/*
 * test_copywire: the copy stream's codec.  Every record type round trips;
 * every proper prefix of a record is INCOMPLETE, never BAD or OK; each
 * limit is checked at its edge (name 255/256 bytes, chunk 65536/65537,
 * mode 07777/010000, nanoseconds, sizes); names that are not one
 * component are BAD wherever they come; and random bytes never crash or
 * read past what they were given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copywire.h"

#include "check.h"

static uint8_t	buf[COPYWIRE_HDRMAX + 16];

/* Decodes b (n bytes): the status; every shorter prefix INCOMPLETE. */
static enum copywire_status
decode_all(const uint8_t *b, size_t n, struct copywire_rec *r)
{
	const char		*why = NULL;
	size_t			 used = 0;
	enum copywire_status	 st;
	uint8_t			*copy;

	for (size_t i = 0; i < n; i++) {
		/* An exact-size copy: ASan sees any read past it. */
		copy = malloc(i + 1);
		memcpy(copy, b, i);
		st = copywire_decode(copy, i, r, &used, &why);
		if (st == COPYWIRE_OK) {
			CHECK(st != COPYWIRE_OK);
			free(copy);
			return st;
		}
		free(copy);
		if (st == COPYWIRE_BAD) {
			return st;
		}
	}
	st = copywire_decode(b, n, r, &used, &why);
	if (st == COPYWIRE_OK) {
		CHECK_EQ(used, n);
	} else {
		CHECK(why != NULL);
	}
	return st;
}

static void
round_trips(void)
{
	struct copywire_rec	r;
	size_t			n;

	n = copywire_put_file(buf, 0755, -5, 999999999, 1234567890123ULL,
	    "name", 4);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_OK);
	CHECK_EQ(r.type, CW_FILE);
	CHECK_EQ(r.mode, 0755);
	CHECK_EQ(r.mtime, -5);
	CHECK_EQ(r.nsec, 999999999);
	CHECK_EQ(r.size, 1234567890123ULL);
	CHECK(r.namelen == 4 && memcmp(r.name, "name", 4) == 0);
	n = copywire_put_dir(buf, 01777, 7, 8, "d", 1);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_OK);
	CHECK_EQ(r.type, CW_DIR);
	CHECK_EQ(r.mode, 01777);
	n = copywire_put_link(buf, 1, 2, "l", 1, "../t", 4);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_OK);
	CHECK(r.textlen == 4 && memcmp(r.text, "../t", 4) == 0);
	n = copywire_put_err(buf, "oops", 4);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_OK);
	CHECK_EQ(r.type, CW_ERR);
	n = copywire_put_data(buf, 65536);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_OK);
	CHECK_EQ(r.len, 65536);
	n = copywire_put_fend(buf, 3);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_OK);
	CHECK_EQ(r.status, 3);
	CHECK_EQ(decode_all(buf, copywire_put_type(buf, CW_UP), &r),
	    COPYWIRE_OK);
	CHECK_EQ(decode_all(buf, copywire_put_type(buf, CW_END), &r),
	    COPYWIRE_OK);
}

static void
limits(void)
{
	struct copywire_rec	r;
	char			name[300];
	size_t			n;

	memset(name, 'a', sizeof(name));
	n = copywire_put_file(buf, 0644, 0, 0, 0, name, 255);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_OK);
	n = copywire_put_file(buf, 0644, 0, 0, 0, name, 256);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	n = copywire_put_data(buf, 65537);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	n = copywire_put_data(buf, 0);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	n = copywire_put_file(buf, 010000, 0, 0, 0, "f", 1);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	n = copywire_put_file(buf, 0644, 0, 1000000000, 0, "f", 1);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	n = copywire_put_file(buf, 0644, 0, 0, (uint64_t)INT64_MAX + 1, "f",
	    1);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	n = copywire_put_link(buf, 0, 0, "l", 1, "", 0);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	n = copywire_put_link(buf, 0, 0, "l", 1, "a\0b", 3);
	CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	buf[0] = 'Q';
	CHECK_EQ(decode_all(buf, 1, &r), COPYWIRE_BAD);
}

static void
names(void)
{
	static const char *const bad[] = { "", ".", "..", "a/b", "/", "/etc",
	    "../x" };
	struct copywire_rec r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = copywire_put_file(buf, 0644, 0, 0, 0, bad[i],
		    strlen(bad[i]));

		CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
		n = copywire_put_dir(buf, 0755, 0, 0, bad[i], strlen(bad[i]));
		CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
		n = copywire_put_link(buf, 0, 0, bad[i], strlen(bad[i]), "t",
		    1);
		CHECK_EQ(decode_all(buf, n, &r), COPYWIRE_BAD);
	}
	CHECK_EQ(decode_all(buf, copywire_put_file(buf, 0, 0, 0, 0, "a\0b",
	    3), &r), COPYWIRE_BAD);
	CHECK(copywire_name_ok((const uint8_t *)"...", 3));
	CHECK(copywire_name_ok((const uint8_t *)".a", 2));
}

static void
basenames(void)
{
	size_t		 len;
	const char	*b;

	b = copywire_basename("a/b/", &len);
	CHECK(len == 1 && b[0] == 'b');
	b = copywire_basename("file", &len);
	CHECK(len == 4 && strncmp(b, "file", 4) == 0);
	(void)copywire_basename("/", &len);
	CHECK_EQ(len, 0);
	(void)copywire_basename("", &len);
	CHECK_EQ(len, 0);
}

static void
random_bytes(void)
{
	struct copywire_rec	 r;
	const char		*why;
	size_t			 used;
	uint8_t			*p;

	srandom(20);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(random() % 40);

		p = malloc(n + 1);
		for (size_t j = 0; j < n; j++) {
			p[j] = (uint8_t)random();
		}
		if (n > 0) {
			p[0] = (uint8_t)"FDEdulez"[random() % 8];
		}
		if (copywire_decode(p, n, &r, &used, &why) == COPYWIRE_OK) {
			CHECK(used <= n);
		}
		free(p);
	}
}

int
main(void)
{
	round_trips();
	limits();
	names();
	basenames();
	random_bytes();
	return check_done("test_copywire");
}
