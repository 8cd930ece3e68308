/*
 * test_allow: an allow= key's word splitter and matcher, table-driven:
 * every shell metacharacter, blanks, tabs, newlines and NULs in command
 * lines; '*' against '/', '..' and leading dots; "**"; every truncation of
 * a plain line.
 */
#include <stdlib.h>
#include <string.h>

#include "../../rshd/allow.h"

#include "check.h"

/* A line (len bytes; NULs allowed) and what the splitter makes of it:
 * the words joined by '|', or the offset of the byte refused. */
static const struct split_case {
	const char		*line;
	size_t			 len;
	enum allow_split	 want;
	const char		*words;
	size_t			 bad;
} split_cases[] = {
#define OK(l, w)	{ (l), sizeof(l) - 1, ALLOW_SPLIT_OK, (w), 0 }
#define BAD(l, at)	{ (l), sizeof(l) - 1, ALLOW_SPLIT_BAD, NULL, (at) }
#define EMPTY(l)	{ (l), sizeof(l) - 1, ALLOW_SPLIT_EMPTY, NULL, 0 }
	OK("uptime", "uptime"),
	OK("df -h /", "df|-h|/"),
	OK("  df   -h  ", "df|-h"),
	OK("a=b c:d e,f+g@h%i x/y_z.w -", "a=b|c:d|e,f+g@h%i|x/y_z.w|-"),
	OK("/var/log/app/../../etc/shadow", "/var/log/app/../../etc/shadow"),
	EMPTY(""),
	EMPTY("   "),
	BAD("df -h; id", 5),
	BAD("df -h$(id >&2)", 5),
	BAD("df -h /\nid -un", 7),
	BAD("df\t-h", 2),
	BAD("df -h\0; id", 5),
	BAD("\0", 0),
	BAD("df -h `id`", 6),
	BAD("df -h && id", 6),
	BAD("df -h || id", 6),
	BAD("df -h | id", 6),
	BAD("df -h > /tmp/x", 6),
	BAD("df -h < /etc/shadow", 6),
	BAD("df -h \\; id", 6),
	BAD("df -h $HOME", 6),
	BAD("df -h ${IFS}", 6),
	BAD("df -h /*", 7),
	BAD("df -h /?", 7),
	BAD("df -h [/]", 6),
	BAD("df -h {a,b}", 6),
	BAD("df -h '/'", 6),
	BAD("df -h \"/\"", 6),
	BAD("df -h # c", 6),
	BAD("df -h ~", 6),
	BAD("df -h (id)", 6),
	BAD("!id", 0),
	BAD("df -h\r", 5),
	BAD("df -h \x7f", 6),
	BAD("df -h \xc3\xa9", 6),
	BAD("id\v", 2),
	BAD("id\f", 2),
#undef OK
#undef BAD
#undef EMPTY
};

static void
test_split_table(void)
{
	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]);
	    i++) {
		const struct split_case	*c = &split_cases[i];
		char			**argv = NULL, joined[256] = "";
		size_t			  argc = 0, bad = 9999;
		enum allow_split	  got;

		got = allow_split(c->line, c->len, &argv, &argc, &bad);
		if (got != c->want) {
			check_fail++;
			fprintf(stderr, "split case %zu: %d, expected %d\n", i,
			    (int)got, (int)c->want);
			free(argv);
			continue;
		}
		check_pass++;
		if (got == ALLOW_SPLIT_BAD) {
			CHECK_EQ(bad, c->bad);
			CHECK(argv == NULL);
		}
		if (got == ALLOW_SPLIT_EMPTY) {
			CHECK(argv == NULL && argc == 0);
		}
		if (got != ALLOW_SPLIT_OK) {
			continue;
		}
		for (size_t w = 0; w < argc; w++) {
			if (w > 0) {
				strlcat(joined, "|", sizeof(joined));
			}
			strlcat(joined, argv[w], sizeof(joined));
		}
		CHECK(argv[argc] == NULL);
		if (strcmp(joined, c->words) != 0) {
			check_fail++;
			fprintf(stderr, "split case %zu: '%s', expected '%s'\n",
			    i, joined, c->words);
		} else {
			check_pass++;
		}
		free(argv);
	}
}

/* Every prefix of a plain line splits, and into no more words than it. */
static void
test_split_prefixes(void)
{
	const char	*line = "  systemctl  is-active nginx.service  ";
	char		**argv;
	size_t		  argc, bad, words = 0;

	for (size_t n = 0; n <= strlen(line); n++) {
		enum allow_split r = allow_split(line, n, &argv, &argc, &bad);

		CHECK(r == ALLOW_SPLIT_OK || r == ALLOW_SPLIT_EMPTY);
		CHECK(r != ALLOW_SPLIT_EMPTY || argv == NULL);
		CHECK(argc >= words && argc <= 3);
		words = argc;
		free(r == ALLOW_SPLIT_OK ? argv : NULL);
	}
	CHECK_EQ(words, 3);
}

/* A pattern, an argv, and whether it matches. */
static const struct match_case {
	const char	*pattern;
	const char	*argv[6];
	int		 want;
} match_cases[] = {
	{ "cat /var/log/app/*", { "cat", "/var/log/app/x.log" }, 1 },
	{ "cat /var/log/app/*", { "cat", "/var/log/app/../../etc/shadow" },
	    0 },
	{ "cat /var/log/app/*", { "cat", "/var/log/app/.." }, 0 },
	{ "cat /var/log/app/*", { "cat", "/var/log/app/.hidden" }, 0 },
	{ "cat /var/log/app/*", { "cat", "/var/log/app/a/b" }, 0 },
	{ "cat /var/log/app/*", { "cat", "/var/log/app/x", "/etc/shadow" },
	    0 },
	{ "cat /var/log/app/*", { "cat" }, 0 },
	{ "cat /var/log/app/*", { "/bin/cat", "/var/log/app/x" }, 0 },
	{ "uptime", { "uptime" }, 1 },
	{ "uptime", { "/tmp/uptime" }, 0 },
	{ "uptime", { "./uptime" }, 0 },
	{ "uptime", { "uptime", "-V" }, 0 },
	{ "uptime", { "uptime " }, 0 },
	{ "/usr/bin/uptime", { "/usr/bin/uptime" }, 1 },
	{ "/usr/bin/uptime", { "uptime" }, 0 },
	{ "df -h", { "df", "-h" }, 1 },
	{ "df -h", { "df", "-h", "/" }, 0 },
	{ "df -h", { "df -h" }, 0 },
	{ "df -h /*", { "df", "-h", "/" }, 1 },
	{ "df -h /*", { "df", "-h", "/home" }, 1 },
	{ "df -h /*", { "df", "-h", "/home/x" }, 0 },
	{ "df -h /*", { "df", "-h", "/.." }, 0 },
	{ "echo **", { "echo" }, 1 },
	{ "echo **", { "echo", "a", "b;c", "$(id)" }, 1 },
	{ "echo **", { "echox" }, 0 },
	{ "echo * **", { "echo" }, 0 },
	{ "echo * **", { "echo", "a", "b" }, 1 },
	{ "systemctl is-active [a-z]*", { "systemctl", "is-active", "nginx" },
	    1 },
	{ "systemctl is-active [a-z]*", { "systemctl", "is-active",
	    "--host=root@evil" }, 0 },
	{ "systemctl is-active [a-z]*", { "systemctl", "is-active", "-H",
	    "evil" }, 0 },
	/* '*' takes an option, as rshd.conf(5) warns. */
	{ "systemctl is-active *", { "systemctl", "is-active",
	    "--host=root@evil" }, 1 },
	{ "* --version", { "sh", "--version" }, 1 },
	{ "* --version", { "/bin/sh", "--version" }, 0 },
	{ "* --version", { "..", "--version" }, 0 },
	/* No shell reads a word: a newline in one is only a byte. */
	{ "echo *", { "echo", "a\nb" }, 1 },
	{ "echo *", { "echo", "" }, 1 },
	{ "echo a=b", { "echo", "a=b" }, 1 },
	{ "echo a\\*", { "echo", "a*" }, 1 },
	{ "echo a\\*", { "echo", "ab" }, 0 },
};

static void
test_match_table(void)
{
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]);
	    i++) {
		const struct match_case	*c = &match_cases[i];
		struct allow_pattern	 p;
		char			 err[256];
		size_t			 argc = 0;

		while (argc < 6 && c->argv[argc] != NULL) {
			argc++;
		}
		if (allow_compile(c->pattern, &p, err, sizeof(err)) == -1) {
			check_fail++;
			fprintf(stderr, "match case %zu: %s\n", i, err);
			continue;
		}
		if (allow_match(&p, (char *const *)c->argv, argc) != c->want) {
			check_fail++;
			fprintf(stderr, "match case %zu: '%s' against '%s'...: "
			    "expected %d\n", i, c->pattern, c->argv[0],
			    c->want);
		} else {
			check_pass++;
		}
		allow_pattern_free(&p);
	}
}

/* A shell line and a pattern: what the key would run, end to end. */
static void
test_split_then_match(void)
{
	struct allow_pattern	 p;
	char			 err[256], **argv;
	size_t			 argc, bad;

	CHECK_EQ(allow_compile("df -h /*", &p, err, sizeof(err)), 0);
	CHECK_EQ(allow_split("df -h /", 7, &argv, &argc, &bad),
	    ALLOW_SPLIT_OK);
	CHECK(allow_match(&p, argv, argc));
	free(argv);
	CHECK_EQ(allow_split("df  -h   /var  ", 15, &argv, &argc, &bad),
	    ALLOW_SPLIT_OK);
	CHECK(allow_match(&p, argv, argc));
	free(argv);
	CHECK_EQ(allow_split("df -h /var/..", 13, &argv, &argc, &bad),
	    ALLOW_SPLIT_OK);
	CHECK(!allow_match(&p, argv, argc));
	free(argv);
	allow_pattern_free(&p);
}

static void
test_compile(void)
{
	struct allow_pattern	p;
	char			err[256];

	CHECK_EQ(allow_compile("  df \t -h\t/*  ", &p, err, sizeof(err)), 0);
	CHECK_EQ(p.nwords, 3);
	CHECK(!p.rest);
	CHECK(strcmp(p.words[2], "/*") == 0 && p.words[3] == NULL);
	allow_pattern_free(&p);
	CHECK_EQ(allow_compile("echo **", &p, err, sizeof(err)), 0);
	CHECK(p.rest && p.nwords == 1);
	allow_pattern_free(&p);
	CHECK_EQ(allow_compile("", &p, err, sizeof(err)), -1);
	CHECK(strstr(err, "empty pattern") != NULL && p.words == NULL);
	CHECK_EQ(allow_compile(" \t ", &p, err, sizeof(err)), -1);
	CHECK_EQ(allow_compile("**", &p, err, sizeof(err)), -1);
	CHECK(strstr(err, "any program") != NULL && p.words == NULL);
	CHECK_EQ(allow_compile("a ** b", &p, err, sizeof(err)), -1);
	CHECK(strstr(err, "last word") != NULL && p.words == NULL);
	CHECK_EQ(allow_compile("a ** **", &p, err, sizeof(err)), -1);
	/* "**" inside a word is fnmatch's, a '*' like any other. */
	CHECK_EQ(allow_compile("a b**", &p, err, sizeof(err)), 0);
	CHECK(!p.rest && p.nwords == 2);
	allow_pattern_free(&p);
}

static void
test_byte_names(void)
{
	char buf[32];

	CHECK(strcmp(allow_byte_name('\n', buf, sizeof(buf)),
	    "a newline") == 0);
	CHECK(strcmp(allow_byte_name('\t', buf, sizeof(buf)), "a tab") == 0);
	CHECK(strcmp(allow_byte_name(';', buf, sizeof(buf)), "';'") == 0);
	CHECK(strcmp(allow_byte_name('\0', buf, sizeof(buf)),
	    "the byte 0x00") == 0);
	CHECK(strcmp(allow_byte_name('\xc3', buf, sizeof(buf)),
	    "the byte 0xc3") == 0);
	CHECK(strcmp(allow_byte_name(' ', buf, sizeof(buf)),
	    "the byte 0x20") == 0);
}

int
main(void)
{
	test_split_table();
	test_split_prefixes();
	test_match_table();
	test_split_then_match();
	test_compile();
	test_byte_names();
	return check_done("test_allow");
}
