/*
 * sandbox: what the network part gives up once the privileged part is
 * forked: root (for NetworkAccount, _rshd by default), every capability,
 * the right to gain any by exec (PR_SET_NO_NEW_PRIVS), and every system
 * call it does not need (a seccomp filter).  docs/PRIVSEP.md.
 */
#ifndef RSHD_SANDBOX_H
#define RSHD_SANDBOX_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct sandbox {
	int	 drop;		/* 0: not root, nothing to drop */
	uid_t	 uid;
	gid_t	 gid;
	char	 name[64];
};

/*
 * Looks the account up before anything starts, so that rshd refuses to
 * start without it: 0, or -1 with a sentence in err naming the setting
 * and how to make the account.
 */
int	sandbox_account(const struct conf *c, struct sandbox *sb, char *err,
	    size_t errlen);

/*
 * Drops to sb's account (when root), sets PR_SET_NO_NEW_PRIVS and loads
 * the filter.  Call it before any thread starts.  A forbidden call sends
 * a struct sandbox_report on the socket report, and the process dies of
 * SIGSYS.  0, or -1 with a sentence in err (rshd must not run on then).
 */
int	sandbox_enter(const struct sandbox *sb, int report, char *err,
	    size_t errlen);

/* What the network part says of a forbidden call before it dies. */
#define SANDBOX_REPORT_TAG	0x53	/* 'S' */
struct sandbox_report {
	uint8_t		tag;
	uint8_t		pad[3];
	int32_t		nr;		/* the system call's number */
	uint32_t	arch;		/* AUDIT_ARCH_* */
};

/* The system call's name ("execve"), or "unknown". */
const char	*sandbox_syscall_name(const struct sandbox_report *r);

#endif
