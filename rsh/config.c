/*
 * config: ssh_config's shape, few keywords.  "Host PATTERN..." starts a
 * block that applies when one of its glob patterns matches the host as
 * the user typed it and none of its "!PATTERN"s does.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire.h"

#include "config.h"
#include "opts.h"

/* "~/x" as "$HOME/x"; anything else as it is.  NULL: out of memory. */
static char *
expand_home(const char *v)
{
	const char	*home = getenv("HOME");
	char		*out;

	if (strncmp(v, "~/", 2) != 0 || home == NULL || *home == '\0') {
		return strdup(v);
	}
	if (asprintf(&out, "%s%s", home, v + 1) == -1) {
		return NULL;
	}
	return out;
}

static int
set_string(char **dst, const char *v, int home, char *err, size_t errlen)
{
	if (*dst != NULL) {
		return 0;
	}
	if ((*dst = home ? expand_home(v) : strdup(v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
set_number(const char *kw, const char *v, struct config *c, char *err,
    size_t errlen)
{
	const char	*errstr;
	uint32_t	 ms = 0;
	int		 n;

	if (strcasecmp(kw, "Port") == 0) {
		if ((n = opts_port(v)) == -1) {
			snprintf(err, errlen, "invalid port '%s'", v);
			return -1;
		}
		c->port = c->port != 0 ? c->port : n;
	} else if (strcasecmp(kw, "ConnectTimeout") == 0) {
		if (opts_duration(v, &ms) == -1) {
			goto bad;
		}
		c->connect_ms = c->connect_ms != 0 ? c->connect_ms : ms;
	} else if (strcasecmp(kw, "AliveInterval") == 0) {
		if (strcmp(v, "0") != 0 && opts_duration(v, &ms) == -1) {
			goto bad;
		}
		if (!c->alive_set) {
			c->alive_set = 1;
			c->alive_ms = strcmp(v, "0") == 0 ? 0 : ms;
		}
	} else {	/* AliveCount */
		n = (int)strtonum(v, 1, 1000, &errstr);
		if (errstr != NULL) {
			goto bad;
		}
		c->alive_count = c->alive_count != 0 ? c->alive_count : n;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: '%s' is not a valid value", kw, v);
	return -1;
}

/* ControlPersist yes, no, or how long an idle master stays. */
static int
set_persist(struct config *c, const char *v, char *err, size_t errlen)
{
	uint32_t ms = 0;

	if (strcasecmp(v, "no") != 0 && strcasecmp(v, "yes") != 0 &&
	    opts_duration(v, &ms) == -1) {
		snprintf(err, errlen, "ControlPersist: '%s' is not yes, no or "
		    "a time", v);
		return -1;
	}
	if (c->persist == 0) {
		c->persist = strcasecmp(v, "no") == 0 ? -1 : 1;
		c->persist_ms = ms;
	}
	return 0;
}

int
config_set(struct config *c, const char *kw, const char *v, char *err,
    size_t errlen)
{
	if (*v == '\0') {
		snprintf(err, errlen, "%s: a value is missing", kw);
		return -1;
	}
	if (strcasecmp(kw, "HostName") == 0) {
		return set_string(&c->hostname, v, 0, err, errlen);
	} else if (strcasecmp(kw, "Key") == 0) {
		return set_string(&c->key, v, 1, err, errlen);
	} else if (strcasecmp(kw, "ServerName") == 0) {
		return set_string(&c->servername, v, 0, err, errlen);
	} else if (strcasecmp(kw, "User") == 0) {
		/* The server judges the name; the wire takes 32 bytes. */
		if (strlen(v) > WIRE_ACCOUNTMAX) {
			snprintf(err, errlen, "User: '%.40s...' is longer than "
			    "an account name can be (%d bytes)", v,
			    WIRE_ACCOUNTMAX);
			return -1;
		}
		return set_string(&c->user, v, 0, err, errlen);
	} else if (strcasecmp(kw, "ControlPath") == 0) {
		/* Expanded where it is used (ctl.c), when the target and
		 * its account are known. */
		return set_string(&c->control_path, v, 0, err, errlen);
	} else if (strcasecmp(kw, "ControlPersist") == 0) {
		return set_persist(c, v, err, errlen);
	} else if (strcasecmp(kw, "Port") == 0 ||
	    strcasecmp(kw, "ConnectTimeout") == 0 ||
	    strcasecmp(kw, "AliveInterval") == 0 ||
	    strcasecmp(kw, "AliveCount") == 0) {
		return set_number(kw, v, c, err, errlen);
	}
	snprintf(err, errlen, "unknown keyword '%s'", kw);
	return -1;
}

/* Splits "Keyword value" or "Keyword=value" in place. */
static void
split(char *line, char **kw, char **v)
{
	char	*p, *end;

	line += strspn(line, " \t");
	*kw = line;
	p = line + strcspn(line, " \t=");
	end = p + strspn(p, " \t");
	if (*end == '=') {
		end++;
		end += strspn(end, " \t");
	}
	*p = '\0';
	*v = end;
	/* Trailing blanks (before a comment fparseln cut) are not value. */
	for (p = *v + strlen(*v); p > *v && isspace((unsigned char)p[-1]);) {
		*--p = '\0';
	}
}

int
config_set_line(struct config *c, const char *line, char *err,
    size_t errlen)
{
	char	*copy, *kw, *v;
	int	 rc;

	if ((copy = strdup(line)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	split(copy, &kw, &v);
	rc = config_set(c, kw, v, err, errlen);
	free(copy);
	return rc;
}

/* Whether a Host line's patterns take host. */
static int
host_matches(char *patterns, const char *host)
{
	char	*p, *save = NULL;
	int	 yes = 0;

	for (p = strtok_r(patterns, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		if (p[0] == '!' && fnmatch(p + 1, host, FNM_CASEFOLD) == 0) {
			return 0;
		}
		if (p[0] != '!' && fnmatch(p, host, FNM_CASEFOLD) == 0) {
			yes = 1;
		}
	}
	return yes;
}

static int
load_lines(struct config *c, FILE *fp, const char *path, const char *host,
    char *err, size_t errlen)
{
	char	 msg[512], *line, *kw, *v;
	size_t	 lineno = 0;
	int	 active = 1, rc = 0;

	while (rc == 0 && (line = fparseln(fp, NULL, &lineno, NULL, 0)) !=
	    NULL) {
		split(line, &kw, &v);
		if (*kw == '\0') {
			/* a blank or comment line */
		} else if (strcasecmp(kw, "Host") == 0) {
			active = host_matches(v, host);
		} else if (active &&
		    config_set(c, kw, v, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, msg);
			rc = -1;
		}
		free(line);
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int
config_load(struct config *c, const char *path, const char *host,
    int missing_ok, char *err, size_t errlen)
{
	FILE	*fp;
	int	 rc;

	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && missing_ok) {
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = load_lines(c, fp, path, host, err, errlen);
	fclose(fp);
	return rc;
}

void
config_free(struct config *c)
{
	free(c->hostname);
	free(c->key);
	free(c->servername);
	free(c->user);
	free(c->control_path);
	memset(c, 0, sizeof(*c));
}
