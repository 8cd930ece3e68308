/*
 * test_ctl: the control socket's records between rsh and its master:
 * a record with fds round-trips over a socketpair, every truncation asks
 * for more, and a length beyond CTL_MAXREC is refused, not awaited.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
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

int
main(void)
{
	test_roundtrip();
	test_truncations();
	return check_done("test_ctl");
}
