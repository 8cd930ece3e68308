/*
 * json: the --json sink.  Each command's output is kept until it ends;
 * then one JSON object (one line) describes it on stdout: host, port,
 * command or argv, status, exit or signal, error, stdout and stderr
 * (UTF-8 text, or base64 with stdout_base64 / stderr_base64 true), their
 * sizes and the duration.  rsh's own messages still go to stderr.
 */
#ifndef RSH_JSON_H
#define RSH_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sink.h"

/* Output kept per stream and command, at most. */
#define JSON_MAXOUT	((size_t)256 << 20)

struct json {
	struct sink		 s;		/* first: &j->s is the sink */
	const char		*host;		/* as the user named it */
	unsigned		 port;
	const char		*transport;	/* "tcp" or "udp" */
	char			*what;		/* "command": ... or "argv": [...] */
	struct buf		 out, err;	/* kept until the end */
};

/* A JSON sink; display, host and transport must outlive it. */
void	json_init(struct json *j, const char *display, const char *host,
	    unsigned port, const char *transport);

/* Frees what the sink holds (not j itself). */
void	json_free(struct json *j);

#endif
