/*
 * snapshot: building, sharing and comparing configuration snapshots.
 */
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "keys.h"
#include "log.h"
#include "netio.h"
#include "textfile.h"
#include "wire.h"

#include "policy.h"
#include "snapmat.h"
#include "snapshot.h"

#define DEFAULT_PORT	"2222"

static int
set_str(char **field, const char *value)
{
	char *p;

	if (value == NULL) {
		return 0;
	}
	if ((p = strdup(value)) == NULL) {
		return -1;
	}
	free(*field);
	*field = p;
	return 0;
}

/* 1 to 65535; 0 (a free port) only from -p. */
static int
check_port(const char *port, int from_option, char *err, size_t errlen)
{
	const char *errstr = NULL;

	(void)strtonum(port, from_option ? 0 : 1, 65535, &errstr);
	if (errstr != NULL) {
		snprintf(err, errlen, "invalid port '%s' (%s)", port,
		    from_option ? "0 to 65535; 0 takes a free one" :
		    "1 to 65535");
		return -1;
	}
	return 0;
}

/* Relative paths are taken from the directory rshd started in: a reload
 * runs after the daemon moved to /. */
static int
absolutize(char **path, const char *cwd)
{
	char *abs;

	if (*path == NULL || (*path)[0] == '/') {
		return 0;
	}
	if (asprintf(&abs, "%s/%s", cwd, *path) == -1) {
		return -1;
	}
	free(*path);
	*path = abs;
	return 0;
}

const char *
snapshot_config_path(const struct snapshot_source *src)
{
	struct stat st;

	/* Only a file that does not exist counts as none: one that cannot
	 * be read is an error from conf_load, which names the reason. */
	if (src->config != NULL && src->config_optional &&
	    stat(src->config, &st) == -1 && errno == ENOENT) {
		return NULL;
	}
	return src->config;
}

/* Defaults, then the config file (s->conf_text, read from config),
 * then -o, then the other flags. */
static int
build_conf(const struct snapshot_source *src, struct snapshot *s,
    const char *config, char *err, size_t errlen)
{
	struct conf	*c = &s->conf;
	char		 msg[512];

	conf_defaults(c);
	if (s->conf_text != NULL && conf_parse(c, config, s->conf_text,
	    s->conf_len, err, errlen) == -1) {
		return -1;
	}
	for (size_t i = 0; i < src->noverrides; i++) {
		if (conf_set(c, src->overrides[i], msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "-o %s: %s", src->overrides[i],
			    msg);
			return -1;
		}
	}
	if (set_str(&c->keys_file, src->keys) == -1 ||
	    set_str(&c->port, src->port) == -1 ||
	    set_str(&c->port_file, src->port_file) == -1 ||
	    set_str(&c->pid_file, src->pid_file) == -1 ||
	    (c->keys_file == NULL && set_str(&c->keys_file,
	    SNAPSHOT_DEFAULT_KEYS) == -1) ||
	    (c->port == NULL && set_str(&c->port, DEFAULT_PORT) == -1)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (check_port(c->port, src->port != NULL, err, errlen) == -1) {
		return -1;
	}
	if (c->audit_required && c->audit_log == NULL) {
		snprintf(err, errlen, "AuditRequired yes needs an AuditLog to "
		    "write to");
		return -1;
	}
	if (absolutize(&c->keys_file, src->cwd) == -1 ||
	    absolutize(&c->audit_log, src->cwd) == -1 ||
	    absolutize(&c->pid_file, src->cwd) == -1 ||
	    absolutize(&c->port_file, src->cwd) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (src->nlisten > 0) {
		while (c->nlisten > 0) {
			free(c->listen[--c->nlisten]);
		}
		for (size_t i = 0; i < src->nlisten; i++) {
			if ((c->listen[i] = strdup(src->listen[i])) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->nlisten++;
		}
	}
	c->foreground = src->foreground || src->check;
	c->debug = src->debug;
	if (src->no_udp) {
		c->udp = 0;
	}
	return 0;
}

/* The keys and what each may do; a key with a bad option is skipped and
 * reported while the others work.  From the file, or (m) from what the
 * privileged part handed over. */
static int
load_keys(struct snapshot *s, const struct exec_account *self,
    const struct snapmat *m, char **report, char *err, size_t errlen)
{
	const struct conf	*c = &s->conf;
	size_t			 usable = 0;

	if ((s->keys = m != NULL ? keys_load_public(c->keys_file, m->keys,
	    m->keyslen, err, errlen) : keys_load(c->keys_file, KEYS_SERVER,
	    err, errlen)) == NULL) {
		return -1;
	}
	if (m != NULL && keys_count(s->keys) != m->nkeys) {
		snprintf(err, errlen, "the keys handed over are malformed");
		return -1;
	}
	if (keys_count(s->keys) == 0) {
		snprintf(err, errlen, "keys file %s holds no key; add one with "
		    "'rsh --keygen ID'", c->keys_file);
		return -1;
	}
	if ((s->policy = policy_load(s->keys, c->keys_file, c, self,
	    m != NULL ? m->usable : NULL, report, &usable)) == NULL) {
		snprintf(err, errlen, "out of memory reading the keys' "
		    "options");
		return -1;
	}
	if (usable == 0) {
		snprintf(err, errlen, "keys file %s holds no usable key",
		    c->keys_file);
		return -1;
	}
	s->usable = usable;
	return 0;
}

const char *
snapshot_keys_said(const struct snapshot *s, char *buf, size_t len)
{
	size_t skipped = keys_count(s->keys) - s->usable;

	if (skipped > 0) {
		snprintf(buf, len, "%zu usable key%s, %zu skipped", s->usable,
		    s->usable == 1 ? "" : "s", skipped);
	} else {
		snprintf(buf, len, "%zu key%s", s->usable,
		    s->usable == 1 ? "" : "s");
	}
	return buf;
}

static int
add_name(struct snapshot *s, const char *name)
{
	char canon[NETIO_NAMEMAX];

	if (s->nnames == SNAPSHOT_MAXNAMES ||
	    netio_name_canon(name, canon, sizeof(canon)) == -1) {
		return -1;
	}
	for (size_t i = 0; i < s->nnames; i++) {
		if (strcmp(s->names[i], canon) == 0) {
			return 0;
		}
	}
	if ((s->names[s->nnames] = strdup(canon)) == NULL) {
		return -1;
	}
	s->nnames++;
	return 0;
}

/* The host name and its fully qualified form, as the resolver has it. */
static void
add_host_names(struct snapshot *s)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];

	if (gethostname(host, sizeof(host) - 1) == -1) {
		return;
	}
	host[sizeof(host) - 1] = '\0';
	(void)add_name(s, host);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) == 0) {
		if (res->ai_canonname != NULL) {
			(void)add_name(s, res->ai_canonname);
		}
		freeaddrinfo(res);
	}
}

/* ServerName, or the defaults. */
static int
names_init(struct snapshot *s, char *err, size_t errlen)
{
	const struct conf *c = &s->conf;

	for (size_t i = 0; i < c->nnames; i++) {
		if (strcmp(c->names[i], "*") == 0) {
			s->any_name = 1;
		} else if (add_name(s, c->names[i]) == -1) {
			snprintf(err, errlen, "ServerName '%s' is not a valid "
			    "name", c->names[i]);
			return -1;
		}
	}
	if (c->nnames == 0) {
		add_host_names(s);
		(void)add_name(s, "localhost");
	}
	return 0;
}

/* Told of each snapshot's end (the network part tells the monitor). */
static void (*free_hook)(unsigned long gen);

void
snapshot_set_free_hook(void (*hook)(unsigned long gen))
{
	free_hook = hook;
}

static void
snapshot_free(struct snapshot *s)
{
	if (free_hook != NULL) {
		free_hook(s->gen);
	}
	policy_free(s->policy);
	keys_free(s->keys);
	for (size_t i = 0; i < s->nnames; i++) {
		free(s->names[i]);
	}
	conf_free(&s->conf);
	free(s->conf_text);
	if (s->retired_fd != -1) {
		close(s->retired_fd);
	}
	free(s);
}

static struct snapshot *
snapshot_new(unsigned long gen, char *err, size_t errlen)
{
	struct snapshot *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->refs = 1;
	s->gen = gen;
	if ((s->retired_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		free(s);
		return NULL;
	}
	return s;
}

struct snapshot *
snapshot_load(const struct snapshot_source *src,
    const struct exec_account *self, unsigned long gen, char **report,
    char *err, size_t errlen)
{
	struct snapshot	*s;
	const char	*config;

	*report = NULL;
	if ((s = snapshot_new(gen, err, errlen)) == NULL) {
		return NULL;
	}
	if ((config = snapshot_config_path(src)) != NULL &&
	    (s->conf_text = textfile_read(config, "config file",
	    &s->conf_len, err, errlen)) == NULL) {
		snapshot_free(s);
		return NULL;
	}
	if (build_conf(src, s, config, err, errlen) == -1 ||
	    names_init(s, err, errlen) == -1 ||
	    load_keys(s, self, NULL, report, err, errlen) == -1) {
		snapshot_free(s);
		return NULL;
	}
	return s;
}

struct snapshot *
snapshot_load_handed(const struct snapshot_source *src,
    const struct snapmat *m, unsigned long gen, char *err, size_t errlen)
{
	struct snapshot	*s;
	const char	*name = m->names;
	char		*report = NULL;

	if ((s = snapshot_new(gen, err, errlen)) == NULL) {
		return NULL;
	}
	if (m->conf != NULL && (s->conf_text = malloc(m->conflen + 1)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	if (s->conf_text != NULL) {
		memcpy(s->conf_text, m->conf, m->conflen);
		s->conf_text[m->conflen] = '\0';
		s->conf_len = m->conflen;
	}
	if (build_conf(src, s, src->config, err, errlen) == -1) {
		goto bad;
	}
	s->any_name = m->any_name;
	for (size_t i = 0; i < m->nnames && i < SNAPSHOT_MAXNAMES; i++) {
		if ((s->names[s->nnames] = strdup(name)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
		s->nnames++;
		name += strlen(name) + 1;
	}
	if (load_keys(s, NULL, m, &report, err, errlen) == -1) {
		goto bad;
	}
	free(report);	/* none: the privileged part reported */
	return s;
bad:
	free(report);
	snapshot_free(s);
	return NULL;
}

void
snapshot_hold(struct snapshot *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void
snapshot_put(struct snapshot *s)
{
	if (s != NULL && __atomic_sub_fetch(&s->refs, 1,
	    __ATOMIC_ACQ_REL) == 0) {
		snapshot_free(s);
	}
}

/*
 * Guards every snapshot's watchers, retired and retired_fd: the fd is
 * closed once a retired snapshot has no watcher left, so that the boot
 * snapshot, kept for the settings that need a restart, holds no fd of its
 * own after the first reload.
 */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;

/* Under watch_lock: a retired snapshot nobody watches needs no fd. */
static void
close_if_unwatched(struct snapshot *s)
{
	if (s->retired && s->watchers == 0 && s->retired_fd != -1) {
		close(s->retired_fd);
		s->retired_fd = -1;
	}
}

int
snapshot_watch(struct snapshot *s)
{
	int retired;

	pthread_mutex_lock(&watch_lock);
	s->watchers++;
	retired = s->retired;
	pthread_mutex_unlock(&watch_lock);
	return retired;
}

void
snapshot_unwatch(struct snapshot *s)
{
	pthread_mutex_lock(&watch_lock);
	s->watchers--;
	close_if_unwatched(s);
	pthread_mutex_unlock(&watch_lock);
}

void
snapshot_retire(struct snapshot *s)
{
	uint64_t one = 1;

	pthread_mutex_lock(&watch_lock);
	s->retired = 1;
	if (s->retired_fd != -1 && s->watchers > 0 &&
	    write(s->retired_fd, &one, sizeof(one)) == -1) {
		log_err("eventfd: %s", strerror(errno));
	}
	close_if_unwatched(s);
	pthread_mutex_unlock(&watch_lock);
}

const char *
snapshot_key_change(const struct snapshot *next, const struct key *key,
    const struct sockaddr_storage *peer)
{
	const struct key *now;

	if ((now = keys_find_id(next->keys, key->id, key->idlen, key->name,
	    key->namelen)) == NULL) {
		return "was removed";
	}
	/* The network part has wiped the secrets: their fingerprints. */
	if (crypto_memeq_ct(now->fp, key->fp, sizeof(key->fp)) != 0) {
		return "has a new secret";
	}
	if ((now->options == NULL) != (key->options == NULL) ||
	    (now->options != NULL && strcmp(now->options,
	    key->options) != 0)) {
		return "has new options";
	}
	/* The same line, yet its account may have gone since. */
	if (policy_admit(next->policy, now, peer, WIRE_TCP) ==
	    POLICY_KEY_SKIPPED) {
		return "is skipped now (its options were refused)";
	}
	return NULL;
}

int
snapshot_name_ok(const struct snapshot *s, const char *name, size_t len,
    const char *localname)
{
	if (s->any_name) {
		return 1;
	}
	for (size_t i = 0; i < s->nnames; i++) {
		if (strlen(s->names[i]) == len &&
		    memcmp(s->names[i], name, len) == 0) {
			return 1;
		}
	}
	/* The address the client reached, unless names were configured. */
	return s->conf.nnames == 0 && localname[0] != '\0' &&
	    strlen(localname) == len && memcmp(localname, name, len) == 0;
}

int
snapshot_reload_ok(const struct snapshot_source *src,
    const struct snapshot *boot, const struct snapshot *next, char *err,
    size_t errlen)
{
	if (src->config == NULL || next->conf.file_settings > 0 ||
	    boot->conf.file_settings == 0) {
		return 0;
	}
	if (snapshot_config_path(src) == NULL) {
		snprintf(err, errlen, "config file %s is gone but held %d "
		    "settings when rshd started; to run with the defaults, "
		    "restart rshd", src->config, boot->conf.file_settings);
	} else {
		snprintf(err, errlen, "config file %s holds no setting now but "
		    "held %d when rshd started (an empty file is what a crash "
		    "can leave); to run with the defaults, restart rshd",
		    src->config, boot->conf.file_settings);
	}
	return -1;
}

static int
str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

static void
fixed(char *out, size_t outlen, const char *keyword, int changed)
{
	if (!changed) {
		return;
	}
	if (out[0] != '\0') {
		(void)strlcat(out, ", ", outlen);
	}
	(void)strlcat(out, keyword, outlen);
}

void
snapshot_fixed_changes(const struct snapshot *cur,
    const struct snapshot *next, char *out, size_t outlen)
{
	const struct conf *a = &cur->conf, *b = &next->conf;
	int listen = a->nlisten != b->nlisten;

	out[0] = '\0';
	for (size_t i = 0; !listen && i < a->nlisten; i++) {
		listen = strcmp(a->listen[i], b->listen[i]) != 0;
	}
	fixed(out, outlen, "ListenAddress", listen);
	fixed(out, outlen, "Port", str_differs(a->port, b->port));
	fixed(out, outlen, "PidFile", str_differs(a->pid_file, b->pid_file));
	fixed(out, outlen, "NetworkAccount", str_differs(a->network_account,
	    b->network_account));
	fixed(out, outlen, "AuditLog", str_differs(a->audit_log,
	    b->audit_log));
	fixed(out, outlen, "UDP", a->udp != b->udp);
	fixed(out, outlen, "CommandCgroups", a->command_cgroups !=
	    b->command_cgroups);
	fixed(out, outlen, "ListenBacklog", a->backlog != b->backlog);
	fixed(out, outlen, "UdpWorkers", a->udp_workers != b->udp_workers);
	fixed(out, outlen, "UdpQueue", a->udp_queue != b->udp_queue);
	fixed(out, outlen, "UdpReplayEntries", a->udp_replay_entries !=
	    b->udp_replay_entries);
	fixed(out, outlen, "UdpReplayPerKey", a->udp_replay_per_key !=
	    b->udp_replay_per_key);
	fixed(out, outlen, "UdpReplayMemory", a->udp_replay_bytes !=
	    b->udp_replay_bytes);
	fixed(out, outlen, "UdpClockWindow", a->udp_window_ms !=
	    b->udp_window_ms);
}
