/*
 * test_hostlist: rsh -w's host lists: ranges, padding, several groups,
 * ports and IPv6 after brackets, duplicates, exclusion, files, the cap,
 * and errors that name the offending text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../rsh/hostlist.h"

/* The list spec makes, joined with blanks, or "ERR: text". */
static const char *
expand(const char *spec, const char *exclude)
{
	static char	 out[8192];
	char		 err[512];
	struct hostlist	*h = hostlist_new();

	out[0] = '\0';
	if (h == NULL) {
		return "ERR: out of memory";
	}
	if (hostlist_add(h, spec, err, sizeof(err)) == -1 ||
	    (exclude != NULL && hostlist_exclude(h, exclude, err,
	    sizeof(err)) == -1)) {
		snprintf(out, sizeof(out), "ERR: %s", err);
	} else {
		for (size_t i = 0; i < hostlist_count(h); i++) {
			if (i > 0) {
				strlcat(out, " ", sizeof(out));
			}
			strlcat(out, hostlist_get(h, i), sizeof(out));
		}
	}
	hostlist_free(h);
	return out;
}

#define EXPANDS(spec, want) do {					\
	const char *got_ = expand(spec, NULL);				\
	if (strcmp(got_, want) == 0) {					\
		check_pass++;						\
	} else {							\
		check_fail++;						\
		fprintf(stderr, "%s:%d: '%s' gave '%s', expected '%s'\n",\
		    __FILE__, __LINE__, spec, got_, want);		\
	}								\
} while (0)

#define FAILS(spec, part) do {						\
	const char *got_ = expand(spec, NULL);				\
	if (strncmp(got_, "ERR: ", 5) == 0 && strstr(got_, part)) {	\
		check_pass++;						\
	} else {							\
		check_fail++;						\
		fprintf(stderr, "%s:%d: '%s' gave '%s', expected an "	\
		    "error with '%s'\n", __FILE__, __LINE__, spec, got_, \
		    part);						\
	}								\
} while (0)

static void
test_expansion(void)
{
	EXPANDS("web1", "web1");
	EXPANDS("web[1-3]", "web1 web2 web3");
	EXPANDS("web[01-03]", "web01 web02 web03");
	EXPANDS("web[08-11]", "web08 web09 web10 web11");
	EXPANDS("n[098-101]", "n098 n099 n100 n101");
	EXPANDS("db1,db[3,5-7]:2222", "db1 db3:2222 db5:2222 db6:2222 "
	    "db7:2222");
	EXPANDS("r[1-2]n[1-2]", "r1n1 r1n2 r2n1 r2n2");
	EXPANDS("127.0.[0-1].[1-2]", "127.0.0.1 127.0.0.2 127.0.1.1 "
	    "127.0.1.2");
	EXPANDS("[1-3]x", "1x 2x 3x");
	EXPANDS("[::1]:2222,[fe80::1]", "[::1]:2222 [fe80::1]");
	EXPANDS("a,b,a,c,b", "a b c");
	EXPANDS("w[1-3],w2,w[2-4]", "w1 w2 w3 w4");
	EXPANDS(" a , b ,,c,", "a b c");
	EXPANDS("", "");
	EXPANDS("x[7]", "x7");
	EXPANDS("x[0-0]", "x0");
}

static void
test_errors(void)
{
	FAILS("web[1-3", "'[' without ']' in 'web[1-3'");
	FAILS("web1-3]", "']' without '[' in 'web1-3]'");
	FAILS("ok,web[[1-2]]", "'[' inside brackets in 'web[[1-2]]'");
	FAILS("web[a-c]", "bad range '[a-c]' in 'web[a-c]'");
	FAILS("web[]", "bad range '[]'");
	FAILS("web[1-]", "bad range '[1-]'");
	FAILS("web[1,]", "bad range '[1,]'");
	FAILS("web[1-2-3]", "bad range '[1-2-3]'");
	FAILS("web[5-3]", "range 5-3 goes down in 'web[5-3]'");
	FAILS("web[1-1234567890]", "bad range");
	FAILS("h[1-100001]", "'h[1-100001]' makes the list longer than "
	    "100000 hosts");
	FAILS("h[1-1000][1-1000]", "longer than 100000 hosts");
	FAILS("a[1-2][1-2][1-2][1-2][1-2][1-2][1-2][1-2][1-2]",
	    "more than 8 bracket groups");
}

static void
test_cap_exact(void)
{
	char		 err[256];
	struct hostlist	*h = hostlist_new();

	CHECK(h != NULL);
	CHECK_EQ(hostlist_add(h, "h[1-99999]", err, sizeof(err)), 0);
	CHECK_EQ(hostlist_count(h), 99999);
	CHECK_EQ(hostlist_add(h, "x1", err, sizeof(err)), 0);
	CHECK_EQ(hostlist_count(h), HOSTLIST_MAX);
	/* One more is refused, and the list stays as it was. */
	CHECK_EQ(hostlist_add(h, "x2", err, sizeof(err)), -1);
	CHECK(strstr(err, "longer than 100000") != NULL);
	CHECK_EQ(hostlist_count(h), HOSTLIST_MAX);
	CHECK(strcmp(hostlist_get(h, 0), "h1") == 0);
	CHECK(strcmp(hostlist_get(h, 99998), "h99999") == 0);
	CHECK(hostlist_get(h, HOSTLIST_MAX) == NULL);
	hostlist_free(h);
	hostlist_free(NULL);
}

static void
test_failed_add_keeps_list(void)
{
	char		 err[256];
	struct hostlist	*h = hostlist_new();

	CHECK_EQ(hostlist_add(h, "a,b", err, sizeof(err)), 0);
	CHECK_EQ(hostlist_add(h, "c,d,e[", err, sizeof(err)), -1);
	CHECK_EQ(hostlist_count(h), 2);
	/* c was taken back, so it can be added again. */
	CHECK_EQ(hostlist_add(h, "c", err, sizeof(err)), 0);
	CHECK_EQ(hostlist_count(h), 3);
	CHECK(strcmp(hostlist_get(h, 2), "c") == 0);
	hostlist_free(h);
}

static void
test_exclude(void)
{
	CHECK(strcmp(expand("web[1-5]", "web[2-3]"), "web1 web4 web5") == 0);
	CHECK(strcmp(expand("a,b,c", "x,b"), "a c") == 0);
	CHECK(strcmp(expand("a,b", "a,b"), "") == 0);
	CHECK(strcmp(expand("a,b", ""), "a b") == 0);
	CHECK(strncmp(expand("a,b", "b[1-"), "ERR: '[' without ']'", 20) ==
	    0);
}

static void
test_file(void)
{
	char	 path[] = "/tmp/test_hostlist.XXXXXX", spec[64];
	char	 err[512];
	int	 fd = mkstemp(path);
	FILE	*f;

	CHECK(fd != -1);
	f = fdopen(fd, "w");
	fputs("# the web tier\nweb[1-2]  # two\n\n db1,db2\r\nweb1\n", f);
	fclose(f);
	snprintf(spec, sizeof(spec), "^%s", path);
	CHECK(strcmp(expand(spec, NULL), "web1 web2 db1 db2") == 0);
	CHECK(strcmp(expand("db2,web9", spec), "web9") == 0);
	f = fopen(path, "w");
	fputs("ok\nbad[1-\n", f);
	fclose(f);
	CHECK(strstr(expand(spec, NULL), ":2: '[' without ']' in 'bad[1-'") !=
	    NULL);
	unlink(path);
	{
		struct hostlist *h = hostlist_new();

		CHECK_EQ(hostlist_add(h, spec, err, sizeof(err)), -1);
		CHECK(strstr(err, "No such file") != NULL);
		hostlist_free(h);
	}
}

int
main(void)
{
	test_expansion();
	test_errors();
	test_cap_exact();
	test_failed_add_keeps_list();
	test_exclude();
	test_file();
	return check_done("test_hostlist");
}
