/*
 * plan.h: what exec needs to start a command, built before any fork so the
 * child makes only async-signal-safe calls.  Private to exec.c and plan.c.
 */
#ifndef RSHD_PLAN_H
#define RSHD_PLAN_H

#include <sys/types.h>

#include <stdint.h>

#include "exec.h"

#define EXEC_MAXGROUPS	256

struct exec_plan {
	const char	 *path;		/* what execve() runs */
	char		 *resolved;	/* owned copy when PATH was searched */
	char		**argv;		/* owned array; its strings borrowed,
					 * or in the same allocation */
	char		**envp;		/* owned array and strings */
	const char	 *cwd;
	char		 *warn;		/* written to stderr before exec */
	size_t		  warnlen;
	int		  no_stdin;
	uid_t		  uid;
	gid_t		  gid;
	int		  change_ids;
	gid_t		  groups[EXEC_MAXGROUPS];
	int		  ngroups;
	struct exec_limit limits[EXEC_MAXLIMITS];
	int		  nlimits;	/* set in the child before exec */
	int		  no_new_privs;	/* PR_SET_NO_NEW_PRIVS in the child */
	/* A command on a pseudo-terminal. */
	int		  pty;
	uint16_t	  rows, cols;	/* its size; 0: the kernel's */
	gid_t		  tty_gid;	/* the terminal's group (tty) */
	mode_t		  tty_mode;	/* 0620; 0600 without group tty */
	char		 *login;	/* "-sh", a login shell's argv[0] */
};

#endif
