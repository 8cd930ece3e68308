/*
 * test_keyopts: the keys file's option parser: every option, quoting,
 * comments, every error with its sentence, networks of both families,
 * allow= globs, env= names, and every truncation of a long option list.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "../../rshd/keyopts.h"

#include "check.h"

/* Parses text and expects success. */
static void
good(const char *text, struct keyopts *o, int line)
{
	char err[512] = "";

	if (keyopts_parse(text, o, err, sizeof(err)) != 0) {
		check_fail++;
		fprintf(stderr, "test_keyopts.c:%d: '%s' refused: %s\n", line,
		    text, err);
		return;
	}
	check_pass++;
}

/* Parses text and expects an error that mentions want. */
static void
bad(const char *text, const char *want, int line)
{
	struct keyopts	o;
	char		err[512] = "";

	if (keyopts_parse(text, &o, err, sizeof(err)) == 0) {
		check_fail++;
		fprintf(stderr, "test_keyopts.c:%d: '%s' accepted\n", line,
		    text);
		keyopts_free(&o);
		return;
	}
	if (strstr(err, want) == NULL) {
		check_fail++;
		fprintf(stderr, "test_keyopts.c:%d: '%s': '%s' does not say "
		    "'%s'\n", line, text, err, want);
		return;
	}
	check_pass++;
	/* Nothing is left allocated after a refusal. */
	CHECK(o.users == NULL && o.nusers == 0 && o.from == NULL &&
	    o.allow == NULL &&
	    o.env == NULL && o.command == NULL);
}

#define GOOD(t, o)	good((t), (o), __LINE__)
#define BAD(t, w)	bad((t), (w), __LINE__)

static struct sockaddr_storage
addr(const char *s, int port)
{
	struct sockaddr_storage	ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

static int
from_ok(const struct keyopts *o, const char *a)
{
	struct sockaddr_storage ss = addr(a, 1234);

	return keyopts_from_ok(o, &ss);
}

static void
test_every_option(void)
{
	struct keyopts o;

	GOOD("", &o);
	CHECK(o.users == NULL && o.nusers == 0 && o.nfrom == 0 && !o.no_udp);
	keyopts_free(&o);
	GOOD("   # just a comment", &o);
	keyopts_free(&o);
	GOOD(NULL, &o);
	keyopts_free(&o);
	GOOD("user=deploy,from=\"10.0.0.0/8,2001:db8::/32\",command="
	    "\"echo \\\"hi, there\\\" \\\\ done\",allow=\"ls *|uptime\","
	    "env=\"LANG,TZ\",no-pty,max-sessions=4  # ops team", &o);
	CHECK(o.nusers == 1 && strcmp(o.users[0], "deploy") == 0);
	CHECK_EQ(o.nfrom, 2);
	CHECK(o.no_udp);	/* from= implies it */
	CHECK(o.no_pty);
	CHECK(o.command != NULL &&
	    strcmp(o.command, "echo \"hi, there\" \\ done") == 0);
	CHECK_EQ(o.nallow, 2);
	CHECK_EQ(o.nenv, 2);
	CHECK_EQ(o.max_sessions, 4);
	CHECK(keyopts_env_ok(&o, "TZ", 2));
	CHECK(!keyopts_env_ok(&o, "T", 1));
	CHECK(!keyopts_env_ok(&o, "HOME", 4));
	/* '*' takes an option too: rshd.conf(5) says so. */
	CHECK(keyopts_allow_ok(&o, (char *[]){ "ls", "-l", NULL }, 2));
	CHECK(keyopts_allow_ok(&o, (char *[]){ "ls", "tmp", NULL }, 2));
	CHECK(!keyopts_allow_ok(&o, (char *[]){ "ls", "/tmp", NULL }, 2));
	CHECK(keyopts_allow_ok(&o, (char *[]){ "uptime", NULL }, 1));
	CHECK(!keyopts_allow_ok(&o, (char *[]){ "uptime;", "rm", NULL }, 2));
	CHECK(!keyopts_allow_ok(&o, (char *[]){ "rm", "x", NULL }, 2));
	keyopts_free(&o);
	/* name= is lib/keys.c's (it picks the line); accepted here. */
	GOOD("name=web1,user=deploy,name=\"2001:db8::1\"", &o);
	CHECK(o.nusers == 1 && strcmp(o.users[0], "deploy") == 0);
	keyopts_free(&o);
	BAD("name", "option 'name' needs a value");
	/* Given twice, the patterns add up; '**' ends one. */
	GOOD("allow=\"echo **\",allow=\"df  -h\t/*\"", &o);
	CHECK_EQ(o.nallow, 2);
	CHECK(keyopts_allow_ok(&o, (char *[]){ "echo", NULL }, 1));
	CHECK(keyopts_allow_ok(&o, (char *[]){ "df", "-h", "/var", NULL },
	    3));
	CHECK(!keyopts_allow_ok(&o, (char *[]){ "df", "-h", NULL }, 2));
	keyopts_free(&o);
	GOOD("user=x", &o);
	CHECK(keyopts_allow_ok(&o, (char *[]){ "anything", NULL }, 1));
	keyopts_free(&o);
	/* Several accounts, in order: the first is the default. */
	GOOD("user=\"deploy,www-data,a.b_c-9\",no-pty", &o);
	CHECK_EQ(o.nusers, 3);
	CHECK(o.nusers == 3 && strcmp(o.users[0], "deploy") == 0 &&
	    strcmp(o.users[1], "www-data") == 0 &&
	    strcmp(o.users[2], "a.b_c-9") == 0);
	CHECK(o.no_pty);
	keyopts_free(&o);
	GOOD("no-udp", &o);
	CHECK(o.no_udp && o.nfrom == 0);
	CHECK(from_ok(&o, "192.0.2.1"));
	keyopts_free(&o);
}

static void
test_errors(void)
{
	BAD("users=x", "unknown option 'users'");
	BAD("user", "option 'user' needs a value");
	BAD("no-udp=yes", "option 'no-udp' takes no value");
	BAD("user=a,user=b", "option 'user' given twice");
	BAD("user=-x", "'-x' is not an account name");
	BAD("user=\"a b\"", "is not an account name");
	BAD("user=\"a,-b\"", "'-b' is not an account name");
	BAD("user=\"a,b,a\"", "option 'user': 'a' is named twice");
	BAD("user=\"a,,b\"", "an empty item");
	BAD("user=\"a,\"", "an empty item");
	BAD("user=\"a\",user=b", "option 'user' given twice");
	BAD("user=deploy,www-data", "unknown option 'www-data'; several "
	    "accounts are one quoted value: user=\"a,b\"");
	BAD("command=\"never closed", "no closing quote");
	BAD("command=", "option 'command' is empty");
	BAD("command=a\"b", "a quote inside an unquoted value");
	BAD("from=10.0.0.0/33", "'10.0.0.0/33' is not an address");
	BAD("from=\"10.0.0.1,\"", "an empty item");
	BAD("from=example.com", "'example.com' is not an address");
	BAD("from=::1/129", "'::1/129' is not an address");
	BAD("from=10.0.0.0/", "'10.0.0.0/' is not an address");
	BAD("from=1.2.3.4,from=5.6.7.8", "option 'from' given twice");
	BAD("from=1.2.3.4,5.6.7.8", "expected an option at '5.6.7.8'");
	BAD("from=\"1.2.3.4\",from=5.6.7.8", "option 'from' given twice");
	BAD("env=\"1X\"", "'1X' is not a variable name");
	BAD("env=LD_PRELOAD", "LD_PRELOAD may never be set");
	BAD("env=\"A,PATH\"", "PATH may never be set");
	BAD("env=RSH_KEYID", "RSH_KEYID may never be set");
	BAD("env=BASH_FUNC_x", "may never be set");
	BAD("max-sessions=0", "'0' is not a number from 1 to 100000");
	BAD("max-sessions=many", "is not a number");
	BAD("user=a,", "expected an option at ''");
	BAD(",user=a", "expected an option");
	BAD("user=a extra", "unexpected 'extra' after option 'user'");
	BAD("User=a", "expected an option at 'User=a'");
	BAD("allow=\"a||b\"", "an empty item");
	BAD("allow=\"a|  \"", "option 'allow': an empty pattern");
	BAD("allow=\"** x\"", "'**' may only be a pattern's last word");
	BAD("allow=\"x ** y\"", "'**' may only be a pattern's last word");
	BAD("allow=**", "'**' alone would allow any program");
	BAD("env=GIT_CONFIG_COUNT", "GIT_CONFIG_COUNT may never be set");
	BAD("env=PYTHONPATH", "may never be set");
}

static void
test_networks(void)
{
	struct keyopts o;

	GOOD("from=\"192.0.2.0/24,2001:db8::/48,198.51.100.7,0.0.0.0/0\"",
	    &o);
	CHECK(from_ok(&o, "192.0.2.200"));
	CHECK(from_ok(&o, "198.51.100.7"));
	CHECK(from_ok(&o, "203.0.113.9"));	/* 0.0.0.0/0 */
	CHECK(from_ok(&o, "::ffff:192.0.2.5"));	/* mapped matches v4 */
	CHECK(from_ok(&o, "2001:db8:0:1::1"));
	CHECK(!from_ok(&o, "2001:db8:1::1"));
	CHECK(!from_ok(&o, "::1"));
	keyopts_free(&o);
	GOOD("from=\"192.0.2.128/25,2001:db8::/127\"", &o);
	CHECK(from_ok(&o, "192.0.2.128"));
	CHECK(from_ok(&o, "192.0.2.255"));
	CHECK(!from_ok(&o, "192.0.2.127"));
	CHECK(from_ok(&o, "2001:db8::1"));
	CHECK(!from_ok(&o, "2001:db8::2"));
	CHECK(!from_ok(&o, "10.0.0.1"));
	keyopts_free(&o);
	GOOD("from=127.0.0.1", &o);
	CHECK(from_ok(&o, "127.0.0.1"));
	CHECK(!from_ok(&o, "127.0.0.2"));
	keyopts_free(&o);
}

/* Every prefix of a long list either parses or is refused cleanly. */
static void
test_truncations(void)
{
	const char	*full = "user=deploy,from=\"10.0.0.0/8,::1\","
			    "command=\"a \\\"b\\\"\",allow=\"x*|y\",env=LANG,"
			    "no-udp,no-pty,max-sessions=7";
	char		 buf[256], err[512];
	struct keyopts	 o;
	int		 ok = 0, refused = 0;

	for (size_t n = 0; n <= strlen(full); n++) {
		memcpy(buf, full, n);
		buf[n] = '\0';
		if (keyopts_parse(buf, &o, err, sizeof(err)) == 0) {
			ok++;
			keyopts_free(&o);
		} else {
			refused++;
			CHECK(err[0] != '\0');
		}
	}
	CHECK(ok > 5 && refused > 5);
	CHECK_EQ(keyopts_parse(full, &o, err, sizeof(err)), 0);
	CHECK_EQ(o.max_sessions, 7);
	keyopts_free(&o);
}

/* The names a client may never set, at any length: a 100-byte LD_ name
 * once slipped past a 64-byte buffer. */
static void
test_forbidden_names(void)
{
	char long_ld[101];

	memset(long_ld, 'A', sizeof(long_ld));
	memcpy(long_ld, "LD_", 3);
	CHECK_EQ(keyopts_env_forbidden(long_ld, sizeof(long_ld)), 1);
	memcpy(long_ld, "BASH_FUNC_", 10);
	CHECK_EQ(keyopts_env_forbidden(long_ld, sizeof(long_ld)), 1);
	memcpy(long_ld, "RSH_", 4);
	CHECK_EQ(keyopts_env_forbidden(long_ld, sizeof(long_ld)), 1);
	CHECK_EQ(keyopts_env_forbidden("PATH", 4), 1);
	CHECK_EQ(keyopts_env_forbidden("PATHX", 5), 0);
	CHECK_EQ(keyopts_env_forbidden("PAT", 3), 0);
	CHECK_EQ(keyopts_env_forbidden("LD", 2), 0);
	CHECK_EQ(keyopts_env_forbidden("LANG", 4), 0);
	CHECK_EQ(keyopts_env_forbidden("ENV", 3), 1);
}

/* What changes how a program loads or where it looks: never accepted. */
static void
test_loader_names(void)
{
	static const char *const never[] = { "GCONV_PATH", "BASHOPTS",
	    "CDPATH", "GLIBC_TUNABLES", "PYTHONPATH", "PYTHONSTARTUP",
	    "PYTHONHOME", "PERL5LIB", "PERL5OPT", "PERLLIB", "RUBYLIB",
	    "RUBYOPT", "NODE_OPTIONS", "GIT_CONFIG_COUNT",
	    "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0", "GIT_CONFIG_PARAMETERS",
	    "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "LOCPATH", "NLSPATH",
	    "HOSTALIASES", "JAVA_TOOL_OPTIONS", "LUA_INIT", "ZDOTDIR",
	    "PROMPT_COMMAND", "SHELLOPTS", "LD_AUDIT" };
	static const char *const fine[] = { "LANG", "LC_ALL", "TZ", "TERM",
	    "CI_JOB", "PYTHO", "GIT", "NODE", "PERL", "EDITOR", "TMPDIR" };

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (!keyopts_env_forbidden(never[i], strlen(never[i]))) {
			check_fail++;
			fprintf(stderr, "%s accepted\n", never[i]);
		} else {
			check_pass++;
		}
	}
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		CHECK_EQ(keyopts_env_forbidden(fine[i], strlen(fine[i])), 0);
	}
}

/* copy= roots (absolute, trailing slashes dropped) and no-copy. */
static void
test_copy(void)
{
	struct keyopts o;

	good("copy=\"/srv/a/,/b\",no-copy", &o, __LINE__);
	CHECK_EQ(o.ncopy, 2);
	CHECK(o.ncopy == 2 && strcmp(o.copy[0], "/srv/a") == 0 &&
	    strcmp(o.copy[1], "/b") == 0);
	CHECK(o.no_copy);
	keyopts_free(&o);
	good("copy=/", &o, __LINE__);
	CHECK(o.ncopy == 1 && strcmp(o.copy[0], "/") == 0);
	keyopts_free(&o);
	bad("copy=\"srv\"", "is not an absolute directory", __LINE__);
	bad("copy=\"/a/../b\"", "without . or ..", __LINE__);
	bad("copy=\"/a/..\"", "without . or ..", __LINE__);
	bad("copy=\"/a/.\"", "without . or ..", __LINE__);
	bad("copy=/a,copy=/b", "given twice", __LINE__);
	bad("no-copy=1", "takes no value", __LINE__);
	bad("copy", "needs a value", __LINE__);
}

int
main(void)
{
	test_copy();
	test_forbidden_names();
	test_loader_names();
	test_every_option();
	test_errors();
	test_networks();
	test_truncations();
	return check_done("test_keyopts");
}
