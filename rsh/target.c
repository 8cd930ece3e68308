/*
 * target: one struct config filled source by source, highest precedence
 * first, since config_set keeps the first value; then the defaults.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyname.h"
#include "netio.h"

#include "config.h"
#include "opts.h"
#include "target.h"

const char *
target_home(void)
{
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	if (home != NULL && *home != '\0') {
		return home;
	}
	return (pw = getpwuid(getuid())) != NULL ? pw->pw_dir : NULL;
}

/* One source's value; what for messages ("-p", "RSH_PORT"). */
static int
set(struct config *c, const char *what, const char *kw, const char *v)
{
	char err[512];

	if (v == NULL || config_set(c, kw, v, err, sizeof(err)) == 0) {
		return 0;
	}
	if (strcmp(kw, "Port") == 0) {
		fprintf(stderr, "rsh: invalid port '%s'\n", v);
	} else {
		fprintf(stderr, "rsh: %s: %s\n", what, err);
	}
	return -1;
}

static int
from_options(struct config *c, const char *port, const struct opts *o)
{
	char err[512];

	if (set(c, "HOST:PORT", "Port", port[0] != '\0' ? port : NULL) ||
	    set(c, "-p", "Port", o->port) ||
	    set(c, "-k", "Key", o->keyfile) ||
	    set(c, "-l", "User", o->login) ||
	    set(c, "--connect-timeout", "ConnectTimeout", o->connect_timeout)) {
		return -1;
	}
	for (size_t i = 0; i < o->ncfg; i++) {
		/* A file name here is --keygen's -o, given without --keygen. */
		if (o->cfg[i][strcspn(o->cfg[i], "= \t")] == '\0') {
			fprintf(stderr, "rsh: -o takes a setting, KEYWORD=value "
			    "(rsh_config(5)), not '%s'; to write a new key to a "
			    "file: rsh --keygen KEYID -o FILE\n", o->cfg[i]);
			return -1;
		}
		if (config_set_line(c, o->cfg[i], err, sizeof(err)) == -1) {
			if (strncmp(err, "invalid port", 12) == 0) {
				fprintf(stderr, "rsh: %s\n", err);
			} else {
				fprintf(stderr, "rsh: -o %s: %s\n", o->cfg[i],
				    err);
			}
			return -1;
		}
	}
	return 0;
}

static int
from_env_and_file(struct config *c, const char *host, const struct opts *o)
{
	char		 err[1024], path[4096];
	const char	*home = target_home(), *v;

	if (((v = getenv("RSH_PORT")) != NULL && *v != '\0' &&
	    set(c, "RSH_PORT", "Port", v) == -1) ||
	    ((v = getenv("RSH_KEY")) != NULL && *v != '\0' &&
	    set(c, "RSH_KEY", "Key", v) == -1)) {
		return -1;
	}
	if (o->config != NULL && strcmp(o->config, "none") == 0) {
		return 0;
	}
	if (o->config != NULL) {
		snprintf(path, sizeof(path), "%s", o->config);
	} else if (home != NULL) {
		snprintf(path, sizeof(path), "%s/.config/rsh/config", home);
	} else {
		return 0;
	}
	if (config_load(c, path, host, o->config == NULL, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "rsh: %s\n", err);
		return -1;
	}
	return 0;
}

/* What no source set. */
static int
finish(struct target *t, const struct config *c)
{
	const char *home = target_home();

	snprintf(t->port, sizeof(t->port), "%d",
	    c->port != 0 ? c->port : TARGET_PORT);
	if (c->key != NULL) {
		snprintf(t->keypath, sizeof(t->keypath), "%s", c->key);
	} else if (home != NULL) {
		snprintf(t->keypath, sizeof(t->keypath),
		    "%s/.config/rsh/key", home);
	} else {
		fprintf(stderr, "rsh: cannot find your home directory for the "
		    "key file; use -k\n");
		return -1;
	}
	t->connect_ms = c->connect_ms != 0 ? c->connect_ms :
	    TARGET_CONNECT_MS;
	t->alive_ms = c->alive_set ? c->alive_ms : TARGET_ALIVE_MS;
	t->alive_count = c->alive_count != 0 ? c->alive_count :
	    TARGET_ALIVE_COUNT;
	if (c->user != NULL) {
		/* config_set kept it within the room. */
		snprintf(t->account, sizeof(t->account), "%s", c->user);
	}
	if (c->control_path != NULL && strlen(c->control_path) >=
	    sizeof(t->control)) {
		fprintf(stderr, "rsh: ControlPath: longer than a path can "
		    "be\n");
		return -1;
	}
	if (c->control_path != NULL) {
		snprintf(t->control, sizeof(t->control), "%s",
		    c->control_path);
	}
	t->persist = c->persist == 1;
	t->persist_ms = c->persist_ms;
	snprintf(t->connect, sizeof(t->connect), "%s",
	    c->hostname != NULL ? c->hostname : t->host);
	if (netio_name_canon(c->servername != NULL ? c->servername :
	    t->connect, t->name, sizeof(t->name)) == -1) {
		fprintf(stderr, "rsh: '%s' is not a host name or address\n",
		    c->servername != NULL ? c->servername : t->connect);
		return -1;
	}
	snprintf(t->display, sizeof(t->display), strchr(t->host, ':') !=
	    NULL ? "[%s]:%s" : "%s:%s", t->host, t->port);
	return 0;
}

const struct key *
target_key(const struct target *t, const struct keyring *keys,
    struct key *out, char *err, size_t errlen)
{
	const struct key *k;

	if ((k = keyname_host_key(keys, t->name, out)) != NULL) {
		return k;
	}
	if (errno == ENOENT) {
		snprintf(err, errlen, "no key for %s in %s", t->name,
		    t->keypath);
	} else {
		snprintf(err, errlen, "cannot derive the key for %s from the "
		    "fleet key in %s: libcrypto's HKDF failed", t->name,
		    t->keypath);
	}
	return NULL;
}

const char *
target_account(const struct target *t)
{
	return t->account[0] != '\0' ? t->account : NULL;
}

int
target_resolve(struct target *t, const char *arg, const struct opts *o)
{
	struct config	c;
	char		port[32];
	int		rc = -1;

	memset(t, 0, sizeof(*t));
	memset(&c, 0, sizeof(c));
	if (netio_split_hostport(arg, t->host, sizeof(t->host), port,
	    sizeof(port)) == -1 || t->host[0] == '\0') {
		fprintf(stderr, "rsh: '%s' is not a host name or address\n",
		    arg);
		return -1;
	}
	if (from_options(&c, port, o) == 0 &&
	    from_env_and_file(&c, t->host, o) == 0 && finish(t, &c) == 0) {
		rc = 0;
	}
	config_free(&c);
	return rc;
}
