/*
 * keyopts: the option list of a server key, one option at a time: a name,
 * then "=value" or "=\"quoted value\"" where the option takes one.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyopts.h"
#include "log.h"

#define NAMEMAX		32	/* an option's name */

static int	env_forbidden(const char *);
#define VALUEMAX	4096	/* an option's value, unquoted */

/* A value up to ',', a blank or the end, or a double-quoted one. */
static int
read_value(const char **pp, const char *name, char *out, char *err,
    size_t errlen)
{
	const char	*p = *pp;
	size_t		 n = 0;
	int		 quoted = *p == '"';

	out[0] = '\0';
	p += quoted;
	while (*p != '\0' && (quoted ? *p != '"' :
	    (*p != ',' && *p != ' ' && *p != '\t' && *p != '"'))) {
		if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
			p++;
		}
		if (n == VALUEMAX - 1) {
			return log_errbuf(err, errlen, "option '%s': value too "
			    "long", name);
		}
		out[n++] = *p++;
	}
	if (quoted && *p != '"') {
		return log_errbuf(err, errlen, "option '%s': no closing quote",
		    name);
	}
	if (!quoted && *p == '"') {
		return log_errbuf(err, errlen, "option '%s': a quote inside an "
		    "unquoted value", name);
	}
	out[n] = '\0';
	*pp = p + quoted;
	return 0;
}

/* Splits value at sep into a new array of strings; -1 when memory runs
 * out or there are too many (with err). */
static int
split(const char *name, const char *value, int sep, char ***arr, size_t *n,
    char *err, size_t errlen)
{
	const char *p = value;

	for (;;) {
		size_t	 len = strcspn(p, (const char[]){ (char)sep, '\0' });
		char	**v;

		if (len == 0) {
			return log_errbuf(err, errlen, "option '%s': an empty "
			    "item in '%s'", name, value);
		}
		if (*n == KEYOPTS_MAXLIST || (v = reallocarray(*arr, *n + 1,
		    sizeof(*v))) == NULL) {
			return log_errbuf(err, errlen, "option '%s': too many "
			    "items in '%s'", name, value);
		}
		*arr = v;
		if (((*arr)[*n] = strndup(p, len)) == NULL) {
			return log_errbuf(err, errlen, "option '%s': %s", name,
			    "out of memory");
		}
		(*n)++;
		if (p[len] == '\0') {
			return 0;
		}
		p += len + 1;
	}
}

static void
free_list(char **arr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(arr[i]);
	}
	free(arr);
}

/* "192.0.2.0/24", "2001:db8::/32", or an address alone. */
static int
parse_net(const char *s, struct keyopts_net *net)
{
	char		 addr[INET6_ADDRSTRLEN];
	const char	*slash = strchr(s, '/');
	size_t		 len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	const char	*errstr = NULL;
	int		 max;

	if (len == 0 || len >= sizeof(addr)) {
		return -1;
	}
	memcpy(addr, s, len);
	addr[len] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, addr, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	net->bits = max;
	if (slash != NULL) {
		net->bits = (int)strtonum(slash + 1, 0, max, &errstr);
		if (errstr != NULL || slash[1] == '\0') {
			return -1;
		}
	}
	return 0;
}

static int
set_from(struct keyopts *o, const char *value, char *err, size_t errlen)
{
	char	**items = NULL;
	size_t	  n = 0;
	int	  rc = -1;

	if (split("from", value, ',', &items, &n, err, errlen) == -1) {
		goto out;
	}
	if (n == 0 || (o->from = calloc(n, sizeof(*o->from))) == NULL) {
		(void)log_errbuf(err, errlen, "option '%s': %s", "from",
		    "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (parse_net(items[i], &o->from[i]) == -1) {
			(void)log_errbuf(err, errlen, "option 'from': '%s' is "
			    "not an address or network", items[i]);
			goto out;
		}
	}
	o->nfrom = n;
	o->no_udp = 1;	/* a datagram's source proves nothing */
	rc = 0;
out:
	free_list(items, n);
	return rc;
}

int
keyopts_env_forbidden(const char *name, size_t len)
{
	/* What the protocol forbids, what rshd sets itself, and what
	 * changes how a program loads or where it looks for code, its
	 * configuration or its data: the dynamic loader's and glibc's own
	 * (its unsecvars), the shells' start-up and options, and the
	 * interpreters' library paths and option variables. */
	static const char *const exact[] = { "BASH_ENV", "ENV", "IFS", "PATH",
	    "SHELLOPTS", "BASHOPTS", "PS4", "CDPATH", "PROMPT_COMMAND",
	    "ZDOTDIR", "HOME", "USER", "LOGNAME", "SHELL",
	    "GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES",
	    "LOCALDOMAIN", "LOCPATH", "MALLOC_TRACE", "NIS_PATH", "NLSPATH",
	    "RESOLV_HOST_CONF", "RES_OPTIONS",
	    "PERLLIB", "NODE_OPTIONS", "NODE_PATH", "JAVA_TOOL_OPTIONS",
	    "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS" };
	static const char *const prefix[] = { "LD_", "DYLD_", "BASH_FUNC_",
	    "RSH_", "PYTHON", "PERL5", "RUBY", "LUA_", "GIT_" };

	/* Whatever the name's length: a long LD_ name is still LD_. */
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		if (strlen(exact[i]) == len &&
		    memcmp(name, exact[i], len) == 0) {
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		size_t n = strlen(prefix[i]);

		if (len >= n && memcmp(name, prefix[i], n) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Names a client may never set: the loader's, the shells', ours. */
static int
env_forbidden(const char *name)
{
	return keyopts_env_forbidden(name, strlen(name));
}

static int
valid_env_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_') {
		return 0;
	}
	while (*++s != '\0') {
		if (!isalnum((unsigned char)*s) && *s != '_') {
			return 0;
		}
	}
	return 1;
}

static int
set_env(struct keyopts *o, const char *value, char *err, size_t errlen)
{
	if (split("env", value, ',', &o->env, &o->nenv, err, errlen) == -1) {
		return -1;
	}
	for (size_t i = 0; i < o->nenv; i++) {
		if (!valid_env_name(o->env[i])) {
			return log_errbuf(err, errlen, "option 'env': '%s' is "
			    "not a variable name", o->env[i]);
		}
		if (env_forbidden(o->env[i])) {
			return log_errbuf(err, errlen, "option 'env': %s may "
			    "never be set by a client", o->env[i]);
		}
	}
	return 0;
}

/* allow="PAT|PAT": each pattern compiled into its words. */
static int
set_allow(struct keyopts *o, const char *value, char *err, size_t errlen)
{
	char			**items = NULL, why[256];
	size_t			  n = 0;
	struct allow_pattern	 *a;
	int			  rc = -1;

	if (split("allow", value, '|', &items, &n, err, errlen) == -1) {
		goto out;
	}
	if (o->nallow + n > KEYOPTS_MAXLIST || (a = reallocarray(o->allow,
	    o->nallow + n, sizeof(*a))) == NULL) {
		(void)log_errbuf(err, errlen, "option 'allow': too many "
		    "patterns");
		goto out;
	}
	o->allow = a;
	for (size_t i = 0; i < n; i++) {
		if (allow_compile(items[i], &o->allow[o->nallow], why,
		    sizeof(why)) == -1) {
			(void)log_errbuf(err, errlen, "option 'allow': %s",
			    why);
			goto out;
		}
		o->nallow++;
	}
	rc = 0;
out:
	free_list(items, n);
	return rc;
}

static int
valid_user(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 && s[0] != '-' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* user="a,b": account names, each once. */
static int
set_users(struct keyopts *o, const char *value, char *err, size_t errlen)
{
	if (o->nusers > 0) {
		return log_errbuf(err, errlen, "option 'user' given twice");
	}
	if (split("user", value, ',', &o->users, &o->nusers, err,
	    errlen) == -1) {
		return -1;
	}
	for (size_t i = 0; i < o->nusers; i++) {
		if (!valid_user(o->users[i])) {
			return log_errbuf(err, errlen, "option 'user': '%s' is "
			    "not an account name", o->users[i]);
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(o->users[i], o->users[j]) == 0) {
				return log_errbuf(err, errlen, "option 'user': "
				    "'%s' is named twice", o->users[i]);
			}
		}
	}
	return 0;
}

/*
 * copy="/a,/b": the trees rsh-copy may reach, absolute, without "." or
 * ".." components (a root is a boundary, never something to resolve
 * again), trailing slashes dropped.
 */
static int
set_copy(struct keyopts *o, const char *value, char *err, size_t errlen)
{
	if (o->ncopy > 0) {
		return log_errbuf(err, errlen, "option 'copy' given twice");
	}
	if (split("copy", value, ',', &o->copy, &o->ncopy, err,
	    errlen) == -1) {
		return -1;
	}
	for (size_t i = 0; i < o->ncopy; i++) {
		char	*d = o->copy[i];
		size_t	 n = strlen(d);

		if (d[0] != '/' || strstr(d, "/./") != NULL ||
		    strstr(d, "/../") != NULL || (n >= 2 &&
		    strcmp(d + n - 2, "/.") == 0) || (n >= 3 &&
		    strcmp(d + n - 3, "/..") == 0)) {
			return log_errbuf(err, errlen, "option 'copy': '%s' is "
			    "not an absolute directory without . or ..", d);
		}
		while (n > 1 && d[n - 1] == '/') {
			d[--n] = '\0';
		}
	}
	return 0;
}

/* An option that takes no value. */
static int
apply_flag(struct keyopts *o, const char *name)
{
	if (strcmp(name, "no-udp") == 0) {
		o->no_udp = 1;
	} else if (strcmp(name, "no-pty") == 0) {
		o->no_pty = 1;
	} else if (strcmp(name, "no-copy") == 0) {
		o->no_copy = 1;
	} else {
		o->no_new_privs = 1;
	}
	return 0;
}

static int
set_string(char **field, const char *name, const char *value, char *err,
    size_t errlen)
{
	if (*field != NULL) {
		return log_errbuf(err, errlen, "option '%s' given twice", name);
	}
	if (*value == '\0') {
		return log_errbuf(err, errlen, "option '%s' is empty", name);
	}
	if ((*field = strdup(value)) == NULL) {
		return log_errbuf(err, errlen, "out of memory");
	}
	return 0;
}

static int
takes_value(const char *name)
{
	static const char *const known[] = { "user", "command", "from",
	    "allow", "env", "max-sessions", "name", "copy" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(name, known[i]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* One option and its value (NULL when it had none). */
static int
apply(struct keyopts *o, const char *name, const char *value, char *err,
    size_t errlen)
{
	const char	*errstr = NULL;

	if (strcmp(name, "no-udp") == 0 || strcmp(name, "no-pty") == 0 ||
	    strcmp(name, "no-new-privs") == 0 || strcmp(name, "no-copy") == 0) {
		if (value != NULL) {
			return log_errbuf(err, errlen, "option '%s' takes no "
			    "value", name);
		}
		return apply_flag(o, name);
	}
	if (!takes_value(name)) {
		return log_errbuf(err, errlen, "unknown option '%s'", name);
	}
	if (value == NULL) {
		return log_errbuf(err, errlen, "option '%s' needs a value "
		    "(%s=...)", name, name);
	}
	if (strcmp(name, "user") == 0) {
		return set_users(o, value, err, errlen);
	} else if (strcmp(name, "command") == 0) {
		return set_string(&o->command, name, value, err, errlen);
	} else if (strcmp(name, "from") == 0) {
		if (o->nfrom > 0) {
			return log_errbuf(err, errlen, "option 'from' given "
			    "twice");
		}
		return set_from(o, value, err, errlen);
	} else if (strcmp(name, "allow") == 0) {
		return set_allow(o, value, err, errlen);
	} else if (strcmp(name, "env") == 0) {
		return set_env(o, value, err, errlen);
	} else if (strcmp(name, "name") == 0) {
		/* lib/keys.c reads and checks it when it loads the file:
		 * which line a client gets depends on it. */
		return 0;
	} else if (strcmp(name, "copy") == 0) {
		return set_copy(o, value, err, errlen);
	}
	o->max_sessions = (int)strtonum(value, 1, 100000, &errstr);
	if (errstr != NULL) {
		return log_errbuf(err, errlen, "option 'max-sessions': '%s' is "
		    "not a number from 1 to 100000", value);
	}
	return 0;
}

int
keyopts_parse(const char *text, struct keyopts *o, char *err, size_t errlen)
{
	const char	*p = text != NULL ? text : "";
	char		 name[NAMEMAX], prev[NAMEMAX] = "", *value = NULL;
	int		 rc = -1;

	memset(o, 0, sizeof(*o));
	p += strspn(p, " \t");
	if (*p == '\0' || *p == '#') {
		return 0;
	}
	if ((value = malloc(VALUEMAX)) == NULL) {
		return log_errbuf(err, errlen, "%s", "out of memory");
	}
	for (;;) {
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz-");

		if (n == 0 || n >= sizeof(name)) {
			(void)log_errbuf(err, errlen, "expected an option at "
			    "'%.40s'", p);
			goto out;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		if (*p == '=') {
			p++;
			if (read_value(&p, name, value, err, errlen) == -1 ||
			    apply(o, name, value, err, errlen) == -1) {
				goto out;
			}
		} else if (apply(o, name, NULL, err, errlen) == -1) {
			/* user=a,b: the comma ended the option. */
			if (strcmp(prev, "user") == 0 &&
			    strncmp(err, "unknown option", 14) == 0) {
				(void)strlcat(err, "; several accounts are one "
				    "quoted value: user=\"a,b\"", errlen);
			}
			goto out;
		}
		memcpy(prev, name, sizeof(prev));
		if (*p == ',') {
			p++;
			continue;
		}
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '#') {
			break;
		}
		(void)log_errbuf(err, errlen, "unexpected '%.40s' after option "
		    "'%s'", p, name);
		goto out;
	}
	rc = 0;
out:
	free(value);
	if (rc == -1) {
		keyopts_free(o);
	}
	return rc;
}

void
keyopts_free(struct keyopts *o)
{
	free_list(o->users, o->nusers);
	free(o->from);
	free(o->command);
	for (size_t i = 0; i < o->nallow; i++) {
		allow_pattern_free(&o->allow[i]);
	}
	free(o->allow);
	free_list(o->env, o->nenv);
	free_list(o->copy, o->ncopy);
	memset(o, 0, sizeof(*o));
}

static int
net_match(const struct keyopts_net *net, const uint8_t *a)
{
	int full = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->addr, a, (size_t)full) != 0) {
		return 0;
	}
	return rest == 0 || ((net->addr[full] ^ a[full]) &
	    (0xff << (8 - rest)) & 0xff) == 0;
}

int
keyopts_from_ok(const struct keyopts *o, const struct sockaddr_storage *peer)
{
	const uint8_t	*a;
	int		 family = peer->ss_family;

	if (o->nfrom == 0) {
		return 1;
	}
	if (family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)peer)->sin_addr;
	} else {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)
		    (const void *)peer)->sin6_addr;

		a = a6->s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			family = AF_INET;
			a += 12;
		}
	}
	for (size_t i = 0; i < o->nfrom; i++) {
		if (o->from[i].family == family && net_match(&o->from[i], a)) {
			return 1;
		}
	}
	return 0;
}

int
keyopts_allow_ok(const struct keyopts *o, char *const *argv, size_t argc)
{
	if (o->nallow == 0) {
		return 1;
	}
	for (size_t i = 0; i < o->nallow; i++) {
		if (allow_match(&o->allow[i], argv, argc)) {
			return 1;
		}
	}
	return 0;
}

int
keyopts_env_ok(const struct keyopts *o, const char *name, size_t namelen)
{
	for (size_t i = 0; i < o->nenv; i++) {
		if (strlen(o->env[i]) == namelen &&
		    memcmp(o->env[i], name, namelen) == 0) {
			return 1;
		}
	}
	return 0;
}
