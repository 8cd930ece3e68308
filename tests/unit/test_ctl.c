/*
 * test_ctl: the control socket's records between rsh and its master:
 * a record with fds round-trips over a socketpair, every truncation asks
 * for more, and a length beyond CTL_MAXREC is refused, not awaited;
 * ControlPath's tokens, its limits and none.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"

#include "../../rsh/ctl.h"

#include "check.h"

static void
test_roundtrip(void)
{
	uint8_t		 buf[CTL_MAXREC], type = 0;
	const uint8_t	*p = NULL;
	size_t		 have = 0, len = 0, used = 0;
	int		 sv[2], fds[3] = { -1, -1, -1 }, nfd = 0, pass[3];
	struct stat	 a, b;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK_EQ(ctl_peer_ok(sv[0]), 0);
	pass[0] = 0;
	pass[1] = 1;
	pass[2] = sv[1];
	CHECK_EQ(ctl_send(sv[0], CTL_EXEC, "hello", 5, pass, 3), 0);
	CHECK_EQ(ctl_send(sv[0], CTL_SIGNAL, "\x0f", 1, NULL, 0), 0);
	CHECK(ctl_recv(sv[1], buf, sizeof(buf), &have, fds, &nfd) > 0);
	CHECK_EQ(nfd, 3);
	CHECK_EQ(ctl_record(buf, have, &type, &p, &len, &used), 1);
	CHECK_EQ(type, CTL_EXEC);
	CHECK_EQ(len, 5);
	CHECK_MEM(p, "hello", 5);
	/* The third fd is the socket itself, passed back. */
	CHECK(fstat(fds[2], &a) == 0 && fstat(sv[1], &b) == 0 &&
	    a.st_ino == b.st_ino);
	memmove(buf, buf + used, have - used);
	have -= used;
	if (have < CTL_HDR + 1) {
		CHECK(ctl_recv(sv[1], buf, sizeof(buf), &have, fds, &nfd) > 0);
	}
	CHECK_EQ(ctl_record(buf, have, &type, &p, &len, &used), 1);
	CHECK_EQ(type, CTL_SIGNAL);
	CHECK_EQ(p[0], 15);
	for (int i = 0; i < nfd; i++) {
		close(fds[i]);
	}
	close(sv[0]);
	close(sv[1]);
}

static void
test_truncations(void)
{
	uint8_t		 rec[CTL_HDR + 3] = { CTL_RESULT, 0, 0, 0, 3, 'a',
	    'b', 'c' }, type;
	const uint8_t	*p;
	size_t		 len, used;

	for (size_t n = 0; n < sizeof(rec); n++) {
		CHECK_EQ(ctl_record(rec, n, &type, &p, &len, &used), 0);
	}
	CHECK_EQ(ctl_record(rec, sizeof(rec), &type, &p, &len, &used), 1);
	CHECK_EQ(used, sizeof(rec));
	/* A length no record may have: refused at once, whatever follows. */
	wire_put32(rec + 1, CTL_MAXREC);
	CHECK_EQ(ctl_record(rec, CTL_HDR, &type, &p, &len, &used), -1);
	wire_put32(rec + 1, UINT32_MAX);
	CHECK_EQ(ctl_record(rec, CTL_HDR, &type, &p, &len, &used), -1);
	wire_put32(rec + 1, CTL_MAXREC - CTL_HDR);
	CHECK_EQ(ctl_record(rec, sizeof(rec), &type, &p, &len, &used), 0);
}

/* ctl_path for t with ControlPath cp: its return, the path in out. */
static int
path_of(struct target *t, const char *cp, char *out, char *err,
    size_t errlen)
{
	snprintf(t->control, sizeof(t->control), "%s", cp);
	err[0] = '\0';
	return ctl_path(t, 0, out, CTL_PATHMAX, err, errlen);
}

static void
test_control_path(void)
{
	struct target	t;
	char		dir[] = "/tmp/test_ctl.XXXXXX", cp[256], want[256];
	char		out[CTL_PATHMAX], def[CTL_PATHMAX], err[512];
	size_t		room;

	CHECK(mkdtemp(dir) != NULL);
	memset(&t, 0, sizeof(t));
	snprintf(t.host, sizeof(t.host), "typed");
	snprintf(t.connect, sizeof(t.connect), "10.0.0.1");
	snprintf(t.name, sizeof(t.name), "10.0.0.1");
	snprintf(t.port, sizeof(t.port), "2200");
	snprintf(t.keypath, sizeof(t.keypath), "/k");
	snprintf(t.account, sizeof(t.account), "ops");
	CHECK(setenv("XDG_RUNTIME_DIR", dir, 1) == 0);
	CHECK(setenv("HOME", dir, 1) == 0);

	/* The tokens, ~ and %%; %C is the default path's name. */
	snprintf(cp, sizeof(cp), "~/%%h-%%p-%%r-%%n-%%i-%%%%-%%C");
	CHECK_EQ(path_of(&t, cp, out, err, sizeof(err)), 0);
	snprintf(def, sizeof(def), "%s/rsh", dir);
	CHECK(mkdir(def, 0700) == 0);
	CHECK_EQ(path_of(&t, "", def, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/10.0.0.1-2200-ops-typed-%u-%%-%s",
	    dir, (unsigned)getuid(), strrchr(def, '/') + 3);
	CHECK(strcmp(out, want) == 0);
	CHECK_EQ(strlen(strrchr(def, '/') + 3), 16);

	/* 107 bytes fit a sun_path, 108 do not. */
	room = CTL_PATHMAX - 1 - strlen(dir) - 1;
	snprintf(cp, sizeof(cp), "%s/%0*d", dir, (int)room, 0);
	CHECK_EQ(path_of(&t, cp, out, err, sizeof(err)), 0);
	CHECK_EQ(strlen(out), CTL_PATHMAX - 1);
	snprintf(cp, sizeof(cp), "%s/%0*d", dir, (int)room + 1, 0);
	CHECK_EQ(path_of(&t, cp, out, err, sizeof(err)), -1);
	CHECK(strstr(err, "too long for a unix socket's path") != NULL);

	CHECK_EQ(path_of(&t, "/tmp/%z", out, err, sizeof(err)), -1);
	CHECK(strstr(err, "unknown token '%z'") != NULL);
	CHECK_EQ(path_of(&t, "/tmp/m%", out, err, sizeof(err)), -1);
	CHECK(strstr(err, "lone '%'") != NULL);
	CHECK_EQ(path_of(&t, "m-%C", out, err, sizeof(err)), -1);
	CHECK(strstr(err, "not an absolute path") != NULL);
	/* A directory that is not there: no master, nothing to say. */
	CHECK_EQ(path_of(&t, "/nonexistent-dir/m", out, err, sizeof(err)), 1);
	CHECK_EQ(err[0], '\0');
	/* none: no master to find; none to start, with a sentence. */
	CHECK_EQ(path_of(&t, "none", out, err, sizeof(err)), 1);
	CHECK_EQ(ctl_path(&t, 1, out, sizeof(out), err, sizeof(err)), -1);
	CHECK(strstr(err, "ControlPath is none") != NULL);
	/* Its directory open to others is refused, as the default one. */
	CHECK(chmod(dir, 0755) == 0);
	snprintf(cp, sizeof(cp), "%s/m", dir);
	CHECK_EQ(path_of(&t, cp, out, err, sizeof(err)), -1);
	CHECK(strstr(err, "lets others in") != NULL);
	snprintf(cp, sizeof(cp), "%s/rsh", dir);
	CHECK(rmdir(cp) == 0);
	CHECK(rmdir(dir) == 0);
}

int
main(void)
{
	test_roundtrip();
	test_truncations();
	test_control_path();
	return check_done("test_ctl");
}
