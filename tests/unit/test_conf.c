/*
 * test_conf: rshd's settings parser: the defaults, every keyword in any
 * case, both separators and trailing blanks, each numeric keyword's edges
 * and first invalid values with the exact error, flags, lists (later
 * wins, never appends), the error sentences, config files (comments,
 * continuation, file:line), and that etc/rshd.conf and docs/rshd.conf.5
 * name every keyword with the values the parser has.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../rshd/conf.h"

#include "check.h"

/* Run from tests/vectors, as `make unit` does. */
#define EXAMPLE_CONF	"../../etc/rshd.conf"
#define MANUAL		"../../docs/rshd.conf.5"

/* Every keyword rshd accepts, with a valid value. */
static const struct {
	const char *name, *value;
} keywords[] = {
	{ "KeysFile", "/k" }, { "ListenAddress", "::1" }, { "Port", "2222" },
	{ "PidFile", "/p" }, { "UDP", "no" }, { "ServerName", "h" },
	{ "ListenBacklog", "1" }, { "MaxConnections", "1" },
	{ "MaxUnauthenticated", "1" }, { "MaxUnauthenticatedPerSource", "1" },
	{ "AuthTimeout", "1" }, { "MaxAuthFailures", "0" },
	{ "AuthPenalty", "1" }, { "DrainGrace", "0" }, { "KillGrace", "0" },
	{ "StdinWindow", "64k" }, { "MaxCommandTime", "0" },
	{ "UdpWorkers", "1" }, { "UdpQueue", "1" }, { "UdpClockWindow", "1" },
	{ "UdpMaxReply", "512" }, { "UdpReplayEntries", "16" },
	{ "UdpReplayPerKey", "1" }, { "UdpReplayMemory", "64k" },
	{ "PermitRootCommands", "yes" }, { "IdleTimeout", "0" },
	{ "ShutdownGrace", "0" }, { "TCPKeepAlive", "no" },
	{ "AcceptEnv", "LANG" }, { "Path", "/bin" }, { "AuditLog", "/a" },
	{ "LimitCPU", "1" }, { "LimitNOFILE", "3" }, { "LimitNPROC", "1" },
	{ "LimitAS", "1m" },
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

/* The numeric keywords: where each lands, its range in stored units,
 * and texts for both edges and the first value past each. */
enum kind { INT, DURATION, BYTES, SIZE };
static const struct range {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	long long	 min, max;
	const char	*at_min, *at_max, *below, *above;
} ranges[] = {
#define R(n, k, f, lo, hi, a, b, c, d) \
	{ n, k, offsetof(struct conf, f), lo, hi, a, b, c, d }
	R("ListenBacklog", INT, backlog, 0, 65535, "0", "65535", "-1",
	    "65536"),
	R("MaxConnections", INT, max_conns, 1, 100000, "1", "100000", "0",
	    "100001"),
	R("MaxUnauthenticated", INT, max_unauth, 1, 100000, "1", "100000",
	    "0", "100001"),
	R("MaxUnauthenticatedPerSource", INT, max_unauth_src, 1, 100000, "1",
	    "100000", "0", "100001"),
	R("MaxAuthFailures", INT, max_auth_failures, 0, 100000, "0",
	    "100000", "-1", "100001"),
	R("UdpWorkers", INT, udp_workers, 1, 256, "1", "256", "0", "257"),
	R("UdpQueue", INT, udp_queue, 1, 4096, "1", "4096", "0", "4097"),
	R("UdpMaxReply", INT, udp_max_reply, 512, 65527, "512", "65527",
	    "511", "65528"),
	R("UdpReplayEntries", INT, udp_replay_entries, 16, 1000000, "16",
	    "1000000", "15", "1000001"),
	R("UdpReplayPerKey", INT, udp_replay_per_key, 1, 1000000, "1",
	    "1000000", "0", "1000001"),
	R("LimitNOFILE", INT, limit_nofile, 3, 1048576, "3", "1048576", "2",
	    "1048577"),
	R("LimitNPROC", INT, limit_nproc, 1, 4194304, "1", "4194304", "0",
	    "4194305"),
	R("AuthTimeout", DURATION, auth_timeout_ms, 100, 600000, "100ms",
	    "600", "99ms", "600001ms"),
	R("AuthPenalty", DURATION, auth_penalty_ms, 100, 3600000, "100ms",
	    "3600s", "99ms", "3600001ms"),
	R("DrainGrace", DURATION, drain_grace_ms, 0, 60000, "0ms", "60s",
	    "-1ms", "60001ms"),
	R("KillGrace", DURATION, kill_grace_ms, 0, 60000, "0", "60000ms",
	    "-1", "61"),
	R("MaxCommandTime", DURATION, max_timeout_ms, 0, 2000000000, "0",
	    "2000000", "-1", "2000001"),
	R("UdpClockWindow", DURATION, udp_window_ms, 1000, 300000, "1s",
	    "300s", "999ms", "300001ms"),
	R("IdleTimeout", DURATION, idle_timeout_ms, 0, 2000000000, "0s",
	    "2000000000ms", "-1s", "2000000001ms"),
	R("ShutdownGrace", DURATION, shutdown_grace_ms, 0, 3600000, "0",
	    "3600", "-1", "3601"),
	R("LimitCPU", DURATION, limit_cpu_ms, 1000, 2000000000, "1",
	    "2000000s", "999ms", "2000001s"),
	R("StdinWindow", BYTES, stdin_window, 65536, 16777216, "64k", "16m",
	    "65535", "16777217"),
	R("UdpReplayMemory", BYTES, udp_replay_bytes, 65536, 1073741824,
	    "64K", "1g", "65535", "1073741825"),
	R("LimitAS", SIZE, limit_as, 1048576, 1099511627776LL, "1m", "1024G",
	    "1048575", "1099511627777"),
#undef R
};
#define NRANGES		(sizeof(ranges) / sizeof(ranges[0]))

static long long
stored(const struct conf *c, const struct range *r)
{
	const char *p = (const char *)c + r->off;

	switch (r->kind) {
	case BYTES:
		return *(const uint32_t *)(const void *)p;
	case SIZE:
		return *(const long long *)(const void *)p;
	default:
		return *(const int *)(const void *)p;
	}
}

/* Sets kv and expects success. */
static void
set_ok(struct conf *c, const char *kv, int line)
{
	char err[512] = "";

	if (conf_set(c, kv, err, sizeof(err)) != 0) {
		check_fail++;
		fprintf(stderr, "test_conf.c:%d: '%s' refused: %s\n", line, kv,
		    err);
		return;
	}
	check_pass++;
}

/* Sets kv and expects exactly the error want. */
static void
set_bad(struct conf *c, const char *kv, const char *want, int line)
{
	char err[512] = "";

	if (conf_set(c, kv, err, sizeof(err)) == 0) {
		check_fail++;
		fprintf(stderr, "test_conf.c:%d: '%s' accepted\n", line, kv);
		return;
	}
	if (strcmp(err, want) != 0) {
		check_fail++;
		fprintf(stderr, "test_conf.c:%d: '%s' says\n  '%s', expected\n"
		    "  '%s'\n", line, kv, err, want);
		return;
	}
	check_pass++;
}

#define SET_OK(c, kv)		set_ok((c), (kv), __LINE__)
#define SET_BAD(c, kv, w)	set_bad((c), (kv), (w), __LINE__)
#define CHECK_STR(a, b)		CHECK((a) != NULL && strcmp((a), (b)) == 0)

static void
test_defaults(void)
{
	struct conf c;

	conf_defaults(&c);
	CHECK(c.keys_file == NULL && c.port == NULL && c.pid_file == NULL);
	CHECK(c.path == NULL && c.audit_log == NULL);
	CHECK_EQ(c.nlisten, 0);
	CHECK_EQ(c.nnames, 0);
	CHECK_EQ(c.naccept_env, 0);
	CHECK_EQ(c.udp, 1);
	CHECK_EQ(c.backlog, 0);
	CHECK_EQ(c.max_conns, 256);
	CHECK_EQ(c.max_unauth, 256);
	CHECK_EQ(c.max_unauth_src, 64);
	CHECK_EQ(c.auth_timeout_ms, 5000);
	CHECK_EQ(c.max_auth_failures, 10);
	CHECK_EQ(c.auth_penalty_ms, 10000);
	CHECK_EQ(c.drain_grace_ms, 200);
	CHECK_EQ(c.kill_grace_ms, 2000);
	CHECK_EQ(c.stdin_window, 262144);
	CHECK_EQ(c.max_timeout_ms, 0);
	CHECK_EQ(c.udp_workers, 4);
	CHECK_EQ(c.udp_queue, 64);
	CHECK_EQ(c.udp_window_ms, 30000);
	CHECK_EQ(c.udp_max_reply, 65507);
	CHECK_EQ(c.udp_replay_entries, 4096);
	CHECK_EQ(c.udp_replay_per_key, 1024);
	CHECK_EQ(c.udp_replay_bytes, 16 << 20);
	CHECK_EQ(c.permit_root, 0);
	CHECK_EQ(c.idle_timeout_ms, 1800000);
	CHECK_EQ(c.keepalive_ms, 120000);
	CHECK_EQ(c.shutdown_grace_ms, 10000);
	CHECK_EQ(c.limit_cpu_ms, 0);
	CHECK_EQ(c.limit_nofile, 0);
	CHECK_EQ(c.limit_nproc, 0);
	CHECK_EQ(c.limit_as, 0);
	conf_free(&c);
}

/* Keywords match in any case: as written, lower, upper. */
static void
test_every_keyword_any_case(void)
{
	char kv[256];

	for (size_t i = 0; i < NKEYWORDS; i++) {
		struct conf c;

		conf_defaults(&c);
		for (int form = 0; form < 3; form++) {
			size_t n;

			n = (size_t)snprintf(kv, sizeof(kv), "%s=%s",
			    keywords[i].name, keywords[i].value);
			for (size_t j = 0; form > 0 && j < n &&
			    kv[j] != '='; j++) {
				kv[j] = (char)(form == 1 ? tolower((unsigned
				    char)kv[j]) : toupper((unsigned char)kv[j]));
			}
			SET_OK(&c, kv);
		}
		conf_free(&c);
	}
}

/* "K V", "K=V", "K = V", tabs, and blanks at the end of the value. */
static void
test_separators(void)
{
	struct conf c;

	conf_defaults(&c);
	SET_OK(&c, "Port 2201");
	CHECK_STR(c.port, "2201");
	SET_OK(&c, "Port=2202");
	CHECK_STR(c.port, "2202");
	SET_OK(&c, "Port = 2203");
	CHECK_STR(c.port, "2203");
	SET_OK(&c, "Port\t2204 \t ");
	CHECK_STR(c.port, "2204");
	SET_OK(&c, "MaxConnections 12   ");
	CHECK_EQ(c.max_conns, 12);
	SET_OK(&c, "UDP no\t");
	CHECK_EQ(c.udp, 0);
	/* Blanks inside a value stay; an '=' after the first is the value's. */
	SET_OK(&c, "KeysFile /etc/my keys  ");
	CHECK_STR(c.keys_file, "/etc/my keys");
	SET_OK(&c, "Path=/a=b");
	CHECK_STR(c.path, "/a=b");
	/* An -o value may hold a '#': only the file has comments. */
	SET_OK(&c, "AuditLog=/var/log/#1");
	CHECK_STR(c.audit_log, "/var/log/#1");
	conf_free(&c);
}

/* Both edges of every numeric keyword, and the first value past each. */
static void
test_ranges(void)
{
	char kv[256], want[512];

	for (size_t i = 0; i < NRANGES; i++) {
		const struct range	*r = &ranges[i];
		struct conf		 c;
		const char		*units = r->kind == DURATION ?
		    " ms; units: s, ms" : r->kind == INT ? "" :
		    " bytes; units: k, m, g";
		const char *const	 junk[] = { r->below, r->above, "10x",
		    "-1", "99999999999999999999", "", "1.5", "10 s", "0x10" };

		conf_defaults(&c);
		snprintf(kv, sizeof(kv), "%s %s", r->name, r->at_min);
		SET_OK(&c, kv);
		CHECK_EQ(stored(&c, r), r->min);
		snprintf(kv, sizeof(kv), "%s %s", r->name, r->at_max);
		SET_OK(&c, kv);
		CHECK_EQ(stored(&c, r), r->max);
		for (size_t j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
			snprintf(kv, sizeof(kv), "%s=%s", r->name, junk[j]);
			snprintf(want, sizeof(want), "%s: '%s' is not a valid "
			    "value (from %lld to %lld%s)", r->name, junk[j],
			    r->min, r->max, units);
			SET_BAD(&c, kv, want);
			/* A refused value changes nothing. */
			CHECK_EQ(stored(&c, r), r->max);
		}
		conf_free(&c);
	}
}

/* Units: s and ms for durations, k, m, g in either case for sizes. */
static void
test_units(void)
{
	struct conf c;

	conf_defaults(&c);
	SET_OK(&c, "AuthTimeout 7");
	CHECK_EQ(c.auth_timeout_ms, 7000);
	SET_OK(&c, "AuthTimeout 7s");
	CHECK_EQ(c.auth_timeout_ms, 7000);
	SET_OK(&c, "AuthTimeout 250ms");
	CHECK_EQ(c.auth_timeout_ms, 250);
	SET_BAD(&c, "AuthTimeout 7S", "AuthTimeout: '7S' is not a valid value "
	    "(from 100 to 600000 ms; units: s, ms)");
	SET_BAD(&c, "AuthTimeout 1m", "AuthTimeout: '1m' is not a valid value "
	    "(from 100 to 600000 ms; units: s, ms)");
	SET_OK(&c, "StdinWindow 65536");
	CHECK_EQ(c.stdin_window, 65536);
	SET_OK(&c, "StdinWindow 1M");
	CHECK_EQ(c.stdin_window, 1 << 20);
	SET_BAD(&c, "StdinWindow 64kb", "StdinWindow: '64kb' is not a valid "
	    "value (from 65536 to 16777216 bytes; units: k, m, g)");
	SET_BAD(&c, "StdinWindow k", "StdinWindow: 'k' is not a valid value "
	    "(from 65536 to 16777216 bytes; units: k, m, g)");
	SET_OK(&c, "LimitAS 4g");
	CHECK_EQ(c.limit_as, 4LL << 30);
	SET_BAD(&c, "LimitAS 1048577g", "LimitAS: '1048577g' is not a valid "
	    "value (from 1048576 to 1099511627776 bytes; units: k, m, g)");
	/* LimitCPU is kept in ms; policy rounds it up to whole seconds. */
	SET_OK(&c, "LimitCPU 1500ms");
	CHECK_EQ(c.limit_cpu_ms, 1500);
	/* A plain number, no units. */
	SET_BAD(&c, "UdpMaxReply 1k", "UdpMaxReply: '1k' is not a valid value "
	    "(from 512 to 65527)");
	conf_free(&c);
}

static void
test_flags(void)
{
	static const char *const yes[] = { "yes", "YES", "Yes", "1" };
	static const char *const no[] = { "no", "NO", "No", "0" };
	struct conf c;
	char kv[64];

	conf_defaults(&c);
	for (size_t i = 0; i < 4; i++) {
		snprintf(kv, sizeof(kv), "PermitRootCommands %s", yes[i]);
		c.permit_root = 0;
		SET_OK(&c, kv);
		CHECK_EQ(c.permit_root, 1);
		snprintf(kv, sizeof(kv), "TCPKeepAlive %s", no[i]);
		c.keepalive_ms = 1;
		SET_OK(&c, kv);
		CHECK_EQ(c.keepalive_ms, 0);
	}
	SET_BAD(&c, "UDP true", "UDP wants yes or no, not 'true'");
	SET_BAD(&c, "UDP=2", "UDP wants yes or no, not '2'");
	SET_BAD(&c, "TCPKeepAlive=", "TCPKeepAlive: '' is not a valid value "
	    "(from 2000 to 3600000 ms; units: s, ms; or yes, no)");
	SET_BAD(&c, "TCPKeepAlive 1999ms", "TCPKeepAlive: '1999ms' is not a "
	    "valid value (from 2000 to 3600000 ms; units: s, ms; or yes, no)");
	SET_BAD(&c, "TCPKeepAlive 3601", "TCPKeepAlive: '3601' is not a "
	    "valid value (from 2000 to 3600000 ms; units: s, ms; or yes, no)");
	SET_OK(&c, "TCPKeepAlive 4s");
	CHECK_EQ(c.keepalive_ms, 4000);
	SET_OK(&c, "TCPKeepAlive YES");
	CHECK_EQ(c.keepalive_ms, 120000);
	SET_OK(&c, "TCPKeepAlive 3600s");
	CHECK_EQ(c.keepalive_ms, 3600000);
	SET_BAD(&c, "PermitRootCommands y", "PermitRootCommands wants yes or "
	    "no, not 'y'");
	conf_free(&c);
}

static void
test_lists(void)
{
	struct conf	c;
	char		kv[512];
	size_t		n;

	conf_defaults(&c);
	/* Blanks around values go, empty values are skipped; names and
	 * addresses are lowered, AcceptEnv keeps its case. */
	SET_OK(&c, "ServerName Web3.Example.COM , web3,, 192.0.2.13 ,");
	CHECK_EQ(c.nnames, 3);
	CHECK_STR(c.names[0], "web3.example.com");
	CHECK_STR(c.names[1], "web3");
	CHECK_STR(c.names[2], "192.0.2.13");
	SET_OK(&c, "ListenAddress 127.0.0.1,2001:DB8::1");
	CHECK_EQ(c.nlisten, 2);
	CHECK_STR(c.listen[1], "2001:db8::1");
	SET_OK(&c, "AcceptEnv LANG, LC_*");
	CHECK_EQ(c.naccept_env, 2);
	CHECK_STR(c.accept_env[0], "LANG");
	CHECK_STR(c.accept_env[1], "LC_*");
	/* The later value replaces the whole list: nothing is appended. */
	SET_OK(&c, "ServerName other");
	CHECK_EQ(c.nnames, 1);
	CHECK_STR(c.names[0], "other");
	CHECK(c.names[1] == NULL);
	SET_OK(&c, "AcceptEnv TZ");
	CHECK_EQ(c.naccept_env, 1);
	CHECK_STR(c.accept_env[0], "TZ");
	/* An empty list is the default again. */
	SET_OK(&c, "ListenAddress=");
	CHECK_EQ(c.nlisten, 0);
	/* 16 values fit; the 17th is refused. */
	n = (size_t)snprintf(kv, sizeof(kv), "AcceptEnv ");
	for (int i = 1; i <= 16; i++) {
		n += (size_t)snprintf(kv + n, sizeof(kv) - n, "%sV%d",
		    i > 1 ? "," : "", i);
	}
	SET_OK(&c, kv);
	CHECK_EQ(c.naccept_env, CONF_MAXLIST);
	CHECK_STR(c.accept_env[15], "V16");
	snprintf(kv + n, sizeof(kv) - n, ",V17");
	SET_BAD(&c, kv, "AcceptEnv: too many values (at most 16)");
	SET_BAD(&c, "servername a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
	    "ServerName: too many values (at most 16)");
	SET_BAD(&c, "ListenAddress 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
	    "ListenAddress: too many values (at most 16)");
	conf_free(&c);
}

/* A keyword given again: its last value wins. */
static void
test_later_wins(void)
{
	struct conf c;

	conf_defaults(&c);
	SET_OK(&c, "Port 1");
	SET_OK(&c, "port=2");
	CHECK_STR(c.port, "2");
	SET_OK(&c, "MaxConnections 5");
	SET_OK(&c, "MAXCONNECTIONS 6");
	CHECK_EQ(c.max_conns, 6);
	SET_OK(&c, "Path /a");
	SET_OK(&c, "Path /b");
	CHECK_STR(c.path, "/b");
	SET_OK(&c, "UDP no");
	SET_OK(&c, "UDP yes");
	CHECK_EQ(c.udp, 1);
	conf_free(&c);
}

static void
test_errors(void)
{
	struct conf	c;
	char		kv[1200];

	conf_defaults(&c);
	SET_BAD(&c, "Bogus 1", "unknown keyword 'Bogus'");
	SET_BAD(&c, "MaxConn=1", "unknown keyword 'MaxConn'");
	SET_BAD(&c, "Portx 1", "unknown keyword 'Portx'");
	SET_BAD(&c, " Port=1", "unknown keyword ''");
	SET_BAD(&c, "Port", "'Port' has no value (KEYWORD=VALUE)");
	SET_BAD(&c, "", "'' has no value (KEYWORD=VALUE)");
	/* An empty path or PATH is refused, not taken. */
	SET_BAD(&c, "Path=", "Path has no value");
	SET_BAD(&c, "PidFile   ", "PidFile has no value");
	SET_BAD(&c, "AuditLog=", "AuditLog has no value");
	/* A value is at most 1023 bytes, after its trailing blanks go. */
	snprintf(kv, sizeof(kv), "Path=%01023d   ", 0);
	SET_OK(&c, kv);
	CHECK_EQ(strlen(c.path), 1023);
	kv[5 + 1023] = '0';
	SET_BAD(&c, kv, "Path: value too long");
	conf_free(&c);
}

/* Writes text to a new temporary file; its path in path. */
static int
temp_file(char *path, size_t pathlen, const char *text)
{
	const char	*dir = getenv("TMPDIR");
	FILE		*fp;
	int		 fd;

	snprintf(path, pathlen, "%s/test_conf.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) == -1) {
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return -1;
	}
	if (fputs(text, fp) == EOF || fclose(fp) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

static void
test_load(void)
{
	struct conf	c;
	char		path[4096], err[512];

	CHECK_EQ(temp_file(path, sizeof(path),
	    "# a comment\n"
	    "\n"
	    "   \t\n"
	    "   # an indented comment\n"
	    "Port 2223   # a comment after a value\n"
	    "  MaxConnections=10\n"
	    "maxconnections   20\t\n"
	    "Path /a:\\\n"
	    "/b\n"
	    "ServerName A, B\n"
	    "ServerName C\n"
	    "AuditLog /log\\#1 # a backslash keeps its '#' in the value\n"),
	    0);
	conf_defaults(&c);
	err[0] = '\0';
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_STR(c.port, "2223");
	CHECK_EQ(c.max_conns, 20);
	CHECK_STR(c.path, "/a:/b");	/* a backslash joins the lines */
	CHECK_EQ(c.nnames, 1);
	CHECK_STR(c.names[0], "c");
	CHECK_STR(c.audit_log, "/log\\#1");
	conf_free(&c);
	/* conf_free leaves nothing behind, and a second one is harmless. */
	CHECK(c.port == NULL && c.path == NULL && c.names[0] == NULL);
	CHECK_EQ(c.nnames, 0);
	conf_free(&c);
	unlink(path);
}

/* The error names the file and the line, counting joined lines. */
static void
test_load_errors(void)
{
	struct conf	c;
	char		path[4096], err[512], want[4200];

	CHECK_EQ(temp_file(path, sizeof(path),
	    "# settings\n"
	    "Path /a:\\\n"
	    "/b\n"
	    "Bogus yes\n"
	    "Port 9\n"), 0);
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:4: unknown keyword 'Bogus'", path);
	CHECK_STR(err, want);
	CHECK(c.port == NULL);		/* loading stops at the error */
	conf_free(&c);
	unlink(path);

	CHECK_EQ(temp_file(path, sizeof(path), "UDP maybe\n"), 0);
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: UDP wants yes or no, not 'maybe'",
	    path);
	CHECK_STR(err, want);
	conf_free(&c);
	unlink(path);

	CHECK_EQ(temp_file(path, sizeof(path), "\n\nAuthTimeout\n"), 0);
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: 'AuthTimeout' has no value "
	    "(KEYWORD=VALUE)", path);
	CHECK_STR(err, want);
	conf_free(&c);
	unlink(path);

	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, "/nonexistent/rshd.conf", err, sizeof(err)),
	    -1);
	CHECK_STR(err, "config file /nonexistent/rshd.conf: No such file or "
	    "directory");
	conf_free(&c);
}

/* What a crash, a FIFO or a directory in the config's place gives: an
 * error naming the file (and the line), never a hang or the defaults. */
static void
test_load_odd_files(void)
{
	static const char	 nuls[4096];
	struct conf		 c;
	char			 path[4096], err[512], want[4200];
	FILE			*fp;

	/* A NUL anywhere: the file and the line it is on. */
	CHECK_EQ(temp_file(path, sizeof(path), "Port 9\n# two\nKillGrace"),
	    0);
	CHECK((fp = fopen(path, "a")) != NULL);
	if (fp != NULL) {
		(void)fputc('\0', fp);
		(void)fputs(" 1s\n", fp);
		(void)fclose(fp);
	}
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: line holds a NUL byte", path);
	CHECK_STR(err, want);
	CHECK(c.port == NULL);		/* nothing of it is taken */
	conf_free(&c);
	/* A file of NULs, as a crash leaves one. */
	CHECK((fp = fopen(path, "w")) != NULL);
	if (fp != NULL) {
		(void)fwrite(nuls, 1, sizeof(nuls), fp);
		(void)fclose(fp);
	}
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: line holds a NUL byte", path);
	CHECK_STR(err, want);
	conf_free(&c);
	unlink(path);

	/* A FIFO with no writer: refused at once. */
	CHECK_EQ(temp_file(path, sizeof(path), ""), 0);
	unlink(path);
	CHECK_EQ(mkfifo(path, 0600), 0);
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "config file %s is not a regular file; "
	    "refusing it", path);
	CHECK_STR(err, want);
	conf_free(&c);
	unlink(path);

	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, "/", err, sizeof(err)), -1);
	CHECK_STR(err, "config file / is not a regular file; refusing it");
	conf_free(&c);

	/* Empty, comments only, and two settings: how many it set. */
	CHECK_EQ(temp_file(path, sizeof(path), ""), 0);
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), 0);
	CHECK_EQ(c.file_settings, 0);
	conf_free(&c);
	unlink(path);
	CHECK_EQ(temp_file(path, sizeof(path), "# only\n\n  # comments\n"),
	    0);
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), 0);
	CHECK_EQ(c.file_settings, 0);
	conf_free(&c);
	unlink(path);
	CHECK_EQ(temp_file(path, sizeof(path), "Port 9\n# x\nUDP no\n"), 0);
	conf_defaults(&c);
	CHECK_EQ(conf_load(&c, path, err, sizeof(err)), 0);
	CHECK_EQ(c.file_settings, 2);
	conf_free(&c);
	unlink(path);
}

/* 1 when c holds a setting that defaults does not. */
static int
differs(const struct conf *c, const struct conf *defaults)
{
	for (size_t i = 0; i < NRANGES; i++) {
		if (stored(c, &ranges[i]) != stored(defaults, &ranges[i])) {
			return 1;
		}
	}
	return c->udp != defaults->udp ||
	    c->permit_root != defaults->permit_root ||
	    c->keepalive_ms != defaults->keepalive_ms ||
	    c->nlisten != 0 || c->nnames != 0 || c->naccept_env != 0 ||
	    c->keys_file != NULL || c->port != NULL || c->pid_file != NULL ||
	    c->path != NULL || c->audit_log != NULL;
}

/* Keywords etc/rshd.conf shows with an example, or with a default that
 * the daemon, not conf_defaults, fills in (checked below). */
static int
example_only(const char *line)
{
	static const char *const names[] = { "ListenAddress ", "ServerName ",
	    "PidFile ", "AuditLog ", "AcceptEnv ", "KeysFile ", "Port ",
	    "Path ", "LimitCPU ", "LimitNOFILE ", "LimitNPROC ", "LimitAS " };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strncmp(line, names[i], strlen(names[i])) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Every "#Keyword value" line of etc/rshd.conf is accepted, and shows the
 * default unless it is an example; every keyword has one. */
static void
test_example_conf(void)
{
	struct conf	 defaults;
	FILE		*fp;
	char		 line[512], err[512];
	int		 seen[NKEYWORDS] = { 0 };

	conf_defaults(&defaults);
	if ((fp = fopen(EXAMPLE_CONF, "re")) == NULL) {
		CHECK(!"cannot open " EXAMPLE_CONF);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct conf	c;
		size_t		klen;

		if (line[0] != '#' || line[1] < 'A' || line[1] > 'Z') {
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		klen = strcspn(line + 1, " =");
		for (size_t i = 0; i < NKEYWORDS; i++) {
			if (strlen(keywords[i].name) == klen &&
			    strncmp(line + 1, keywords[i].name, klen) == 0) {
				seen[i] = 1;
			}
		}
		conf_defaults(&c);
		if (conf_set(&c, line + 1, err, sizeof(err)) != 0) {
			check_fail++;
			fprintf(stderr, "%s: '%s' refused: %s\n", EXAMPLE_CONF,
			    line + 1, err);
		} else if (!example_only(line + 1) &&
		    differs(&c, &defaults)) {
			check_fail++;
			fprintf(stderr, "%s: '%s' is not the default\n",
			    EXAMPLE_CONF, line + 1);
		} else {
			check_pass++;
		}
		/* The defaults the daemon fills in itself. */
		if (strncmp(line + 1, "KeysFile ", 9) == 0) {
			/* make install fills in SYSCONFDIR. */
			CHECK_STR(c.keys_file, "@SYSCONFDIR@/rsh/keys");
		} else if (strncmp(line + 1, "Port ", 5) == 0) {
			CHECK_STR(c.port, "2222");
		} else if (strncmp(line + 1, "Path ", 5) == 0) {
			CHECK_STR(c.path, "/usr/local/bin:/usr/bin:/bin");
		}
		conf_free(&c);
	}
	fclose(fp);
	for (size_t i = 0; i < NKEYWORDS; i++) {
		if (!seen[i]) {
			check_fail++;
			fprintf(stderr, "%s does not show %s\n", EXAMPLE_CONF,
			    keywords[i].name);
		}
	}
}

/* docs/rshd.conf.5 has an entry for every keyword. */
static void
test_manual(void)
{
	FILE	*fp;
	char	 line[512];
	int	 seen[NKEYWORDS] = { 0 };

	if ((fp = fopen(MANUAL, "re")) == NULL) {
		CHECK(!"cannot open " MANUAL);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		for (size_t i = 0; i < NKEYWORDS; i++) {
			size_t n = strlen(keywords[i].name);

			if (strncmp(line, ".It Cm ", 7) == 0 &&
			    strncmp(line + 7, keywords[i].name, n) == 0 &&
			    line[7 + n] == ' ') {
				seen[i] = 1;
			}
		}
	}
	fclose(fp);
	for (size_t i = 0; i < NKEYWORDS; i++) {
		if (!seen[i]) {
			check_fail++;
			fprintf(stderr, "%s has no entry for %s\n", MANUAL,
			    keywords[i].name);
		}
	}
}

int
main(void)
{
	test_defaults();
	test_every_keyword_any_case();
	test_separators();
	test_ranges();
	test_units();
	test_flags();
	test_lists();
	test_later_wins();
	test_errors();
	test_load();
	test_load_errors();
	test_load_odd_files();
	test_example_conf();
	test_manual();
	return check_done("test_conf");
}
