/*
 * conf: defaults, the config file and -o overrides.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys.h"

#include "conf.h"
#include "textfile.h"

enum conf_type { T_INT, T_DURATION, T_BYTES, T_SIZE, T_STRING, T_NAMES,
	T_LISTEN, T_ENVLIST, T_BOOL, T_ALIVE };

struct conf_keyword {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	long long	 min, max;
};

#define OFF(f)	offsetof(struct conf, f)
static const struct conf_keyword keywords[] = {
	{ "KeysFile", T_STRING, OFF(keys_file), 0, 0 },
	{ "ListenAddress", T_LISTEN, 0, 0, 0 },
	{ "Port", T_STRING, OFF(port), 0, 0 },
	{ "PidFile", T_STRING, OFF(pid_file), 0, 0 },
	{ "UDP", T_BOOL, OFF(udp), 0, 1 },
	{ "ServerName", T_NAMES, 0, 0, 0 },
	{ "ListenBacklog", T_INT, OFF(backlog), 0, 65535 },
	{ "MaxConnections", T_INT, OFF(max_conns), 1, 100000 },
	{ "MaxUnauthenticated", T_INT, OFF(max_unauth), 1, 100000 },
	{ "MaxUnauthenticatedPerSource", T_INT, OFF(max_unauth_src), 1, 100000 },
	{ "AuthTimeout", T_DURATION, OFF(auth_timeout_ms), 100, 600000 },
	{ "MaxAuthFailures", T_INT, OFF(max_auth_failures), 0, 100000 },
	{ "AuthPenalty", T_DURATION, OFF(auth_penalty_ms), 100, 3600000 },
	{ "DrainGrace", T_DURATION, OFF(drain_grace_ms), 0, 60000 },
	{ "KillGrace", T_DURATION, OFF(kill_grace_ms), 0, 60000 },
	{ "StdinWindow", T_BYTES, OFF(stdin_window), 65536, 16777216 },
	{ "MaxCommandTime", T_DURATION, OFF(max_timeout_ms), 0, 2000000000 },
	{ "UdpWorkers", T_INT, OFF(udp_workers), 1, 256 },
	{ "UdpQueue", T_INT, OFF(udp_queue), 1, 4096 },
	{ "UdpClockWindow", T_DURATION, OFF(udp_window_ms), 1000, 300000 },
	{ "UdpMaxReply", T_INT, OFF(udp_max_reply), 512, 65527 },
	{ "UdpReplayEntries", T_INT, OFF(udp_replay_entries), 16, 1000000 },
	{ "UdpReplayPerKey", T_INT, OFF(udp_replay_per_key), 1, 1000000 },
	{ "UdpReplayMemory", T_BYTES, OFF(udp_replay_bytes), 65536,
	    1073741824 },
	{ "PermitRootCommands", T_BOOL, OFF(permit_root), 0, 1 },
	{ "CommandCgroups", T_BOOL, OFF(command_cgroups), 0, 1 },
	{ "IdleTimeout", T_DURATION, OFF(idle_timeout_ms), 0, 2000000000 },
	{ "ShutdownGrace", T_DURATION, OFF(shutdown_grace_ms), 0, 3600000 },
	{ "TCPKeepAlive", T_ALIVE, OFF(keepalive_ms), 2000, 3600000 },
	{ "AcceptEnv", T_ENVLIST, 0, 0, 0 },
	{ "Path", T_STRING, OFF(path), 0, 0 },
	{ "AuditLog", T_STRING, OFF(audit_log), 0, 0 },
	{ "AuditRequired", T_BOOL, OFF(audit_required), 0, 1 },
	{ "LimitCPU", T_DURATION, OFF(limit_cpu_ms), 1000, 2000000000 },
	{ "LimitNOFILE", T_INT, OFF(limit_nofile), 3, 1048576 },
	{ "LimitNPROC", T_INT, OFF(limit_nproc), 1, 4194304 },
	{ "LimitAS", T_SIZE, OFF(limit_as), 1 << 20, 1LL << 40 },
	{ "PermitPTY", T_BOOL, OFF(permit_pty), 0, 1 },
	{ "NetworkAccount", T_STRING, OFF(network_account), 0, 0 },
};

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->udp = 1;
	c->command_cgroups = 1;
	c->permit_pty = 1;
	c->backlog = 0;		/* the kernel's maximum */
	c->max_conns = 256;
	c->max_unauth = 256;
	/* A burst of 64 clients from one address is still handshaking all
	 * at once on a busy machine: that is a script, not an attack. */
	c->max_unauth_src = 64;
	c->auth_timeout_ms = 5000;
	c->max_auth_failures = 10;
	c->auth_penalty_ms = 10000;
	c->drain_grace_ms = 200;
	c->kill_grace_ms = 2000;
	c->stdin_window = 262144;
	c->max_timeout_ms = 0;
	c->udp_workers = 4;
	c->udp_queue = 64;
	c->udp_window_ms = 30000;
	c->udp_max_reply = 65507;
	c->udp_replay_entries = 4096;
	c->udp_replay_per_key = 1024;
	c->udp_replay_bytes = 16 << 20;
	c->idle_timeout_ms = 30 * 60 * 1000;
	c->keepalive_ms = CONF_KEEPALIVE_MS;
	c->shutdown_grace_ms = 10000;
}

/* "10", "10s", "250ms": milliseconds, or -1. */
static long long
parse_duration(const char *v)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || n < 0 || n > 2000000000LL) {
		return -1;
	}
	if (strcmp(end, "ms") == 0) {
		return n;
	}
	if (*end == '\0' || strcmp(end, "s") == 0) {
		return n > 2000000LL ? -1 : n * 1000;
	}
	return -1;
}

/* "65536", "64k", "1m": bytes, or -1. */
static long long
parse_bytes(const char *v)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || n < 0 || n > (1LL << 40)) {
		return -1;
	}
	if (*end == '\0') {
		return n;
	}
	if (end[1] != '\0') {
		return -1;
	}
	switch (tolower((unsigned char)*end)) {
	case 'k':
		return n << 10;
	case 'm':
		return n << 20;
	case 'g':
		return n > (1LL << 20) ? -1 : n << 30;
	default:
		return -1;
	}
}

/* Replaces a list with a comma-separated value: a later -o wins. */
static int
set_list(char **arr, size_t *n, size_t max, const char *v, int lower)
{
	char	*copy, *p, *tok;

	while (*n > 0) {
		free(arr[--(*n)]);
		arr[*n] = NULL;
	}
	if ((copy = strdup(v)) == NULL) {
		return -1;
	}
	p = copy;
	while ((tok = strsep(&p, ",")) != NULL) {
		size_t tlen;

		tok += strspn(tok, " \t");
		tlen = strlen(tok);
		while (tlen > 0 && isspace((unsigned char)tok[tlen - 1])) {
			tok[--tlen] = '\0';
		}
		if (*tok == '\0') {
			continue;
		}
		if (*n == max || (arr[*n] = strdup(tok)) == NULL) {
			free(copy);
			return -1;
		}
		for (char *q = arr[*n]; lower && *q != '\0'; q++) {
			*q = (char)tolower((unsigned char)*q);
		}
		(*n)++;
	}
	free(copy);
	return 0;
}

static int
set_value(struct conf *c, const struct conf_keyword *k, const char *v,
    char *err, size_t errlen)
{
	char		 *base = (char *)c + k->off;
	long long	  n;
	const char	 *errstr = NULL;

	switch (k->type) {
	case T_STRING:
		/* An empty PATH or file name is a mistake, not a setting. */
		if (*v == '\0') {
			snprintf(err, errlen, "%s has no value", k->name);
			return -1;
		}
		free(*(char **)(void *)base);
		if ((*(char **)(void *)base = strdup(v)) == NULL) {
			goto nomem;
		}
		return 0;
	case T_NAMES:
		if (set_list(c->names, &c->nnames, CONF_MAXNAMES, v, 1) == -1) {
			goto toomany;
		}
		return 0;
	case T_LISTEN:
		if (set_list(c->listen, &c->nlisten, CONF_MAXLISTEN, v, 1) == -1) {
			goto toomany;
		}
		return 0;
	case T_ENVLIST:
		if (set_list(c->accept_env, &c->naccept_env, CONF_MAXLIST, v,
		    0) == -1) {
			goto toomany;
		}
		return 0;
	case T_BOOL:
		if (strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
			n = 1;
		} else if (strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0) {
			n = 0;
		} else {
			snprintf(err, errlen, "%s wants yes or no, not '%s'",
			    k->name, v);
			return -1;
		}
		*(int *)(void *)base = (int)n;
		return 0;
	case T_ALIVE:
		/* yes, no, or how soon a vanished client must be let go. */
		if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "no") == 0) {
			*(int *)(void *)base = strcasecmp(v, "yes") == 0 ?
			    CONF_KEEPALIVE_MS : 0;
			return 0;
		}
		n = parse_duration(v);
		if (n == 0) {
			*(int *)(void *)base = 0;
			return 0;
		}
		break;
	case T_INT:
		n = strtonum(v, k->min, k->max, &errstr);
		break;
	case T_DURATION:
		n = parse_duration(v);
		break;
	case T_BYTES:
	case T_SIZE:
		n = parse_bytes(v);
		break;
	default:
		n = -1;
		break;
	}
	if (errstr != NULL || n < k->min || n > k->max) {
		snprintf(err, errlen, "%s: '%s' is not a valid value "
		    "(from %lld to %lld%s)", k->name, v, k->min, k->max,
		    k->type == T_DURATION ? " ms; units: s, ms" :
		    k->type == T_ALIVE ? " ms; units: s, ms; or yes, no" :
		    k->type == T_BYTES || k->type == T_SIZE ?
		    " bytes; units: k, m, g" : "");
		return -1;
	}
	if (k->type == T_BYTES) {
		*(uint32_t *)(void *)base = (uint32_t)n;
	} else if (k->type == T_SIZE) {
		*(long long *)(void *)base = n;
	} else {
		*(int *)(void *)base = (int)n;
	}
	return 0;
toomany:
	snprintf(err, errlen, "%s: too many values (at most %d)", k->name,
	    CONF_MAXLIST);
	return -1;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
conf_set(struct conf *c, const char *kv, char *err, size_t errlen)
{
	size_t		 klen, vlen;
	const char	*v;
	char		 value[1024];

	klen = strcspn(kv, "= \t");
	if (kv[klen] == '\0') {
		snprintf(err, errlen, "'%s' has no value (KEYWORD=VALUE)", kv);
		return -1;
	}
	v = kv + klen + strspn(kv + klen, "= \t");
	/* A config line may end in blanks (before a comment fparseln cut). */
	vlen = strlen(v);
	while (vlen > 0 && isspace((unsigned char)v[vlen - 1])) {
		vlen--;
	}
	if (vlen >= sizeof(value)) {
		snprintf(err, errlen, "%.*s: value too long", (int)klen, kv);
		return -1;
	}
	memcpy(value, v, vlen);
	value[vlen] = '\0';
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strlen(keywords[i].name) == klen &&
		    strncasecmp(keywords[i].name, kv, klen) == 0) {
			return set_value(c, &keywords[i], value, err, errlen);
		}
	}
	snprintf(err, errlen, "unknown keyword '%.*s'", (int)klen, kv);
	return -1;
}

int
conf_parse(struct conf *c, const char *path, const char *buf, size_t len,
    char *err, size_t errlen)
{
	FILE	*fp;
	char	*line, msg[256];
	size_t	 lineno = 0;
	int	 rc = 0;

	if (len == 0) {
		return 0;
	}
	if ((fp = fmemopen((void *)(uintptr_t)buf, len, "r")) == NULL) {
		snprintf(err, errlen, "config file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while ((line = fparseln(fp, NULL, &lineno, NULL, 0)) != NULL) {
		char *p = line + strspn(line, " \t");

		if (*p != '\0' && conf_set(c, p, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, msg);
			rc = -1;
		} else if (*p != '\0') {
			c->file_settings++;
		}
		free(line);
		if (rc == -1) {
			break;
		}
	}
	fclose(fp);
	return rc;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	/* Read as the keys are: a FIFO in its place would hang the main
	 * thread in fopen(), and NULs would read as blank lines. */
	if ((buf = textfile_read(path, "config file", &len, err,
	    errlen)) == NULL) {
		return -1;
	}
	rc = conf_parse(c, path, buf, len, err, errlen);
	free(buf);
	return rc;
}

void
conf_free(struct conf *c)
{
	free(c->keys_file);
	free(c->port);
	free(c->port_file);
	free(c->pid_file);
	for (size_t i = 0; i < c->nlisten; i++) {
		free(c->listen[i]);
	}
	for (size_t i = 0; i < c->nnames; i++) {
		free(c->names[i]);
	}
	for (size_t i = 0; i < c->naccept_env; i++) {
		free(c->accept_env[i]);
	}
	free(c->path);
	free(c->audit_log);
	free(c->network_account);
	memset(c, 0, sizeof(*c));
}
