/*
 * cgroup: commands' cgroups under rshd's own (cgroup v2).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "netio.h"

#include "cgroup.h"

#define CG_PREFIX	"rshd-cmd-"
#define CG_STALE_S	60	/* an empty cgroup this old is no one's */
#define CG_SWEEP_SPAWN	4	/* leftovers a start tries to remove */
#define CG_SWEEP_CHUNK	64	/* tried per hold of left_lock */
#define CG_SWEEP_MS	1000	/* between two sweeps of them all */

struct cgroup_cmd {
	int	dirfd;		/* the cgroup's directory */
	char	name[64];	/* its name under the base */
};

static char		base[4096];	/* set once by cgroup_init */
static int		basefd = -1;
static long		owner;		/* our pid, in every name */
/*
 * The cgroups that commands left occupied, by their number, to remove once
 * they empty.  Each holds at least one live process, so the kernel bounds
 * how many there are; none is forgotten.  Guarded by left_lock.
 */
static pthread_mutex_t	left_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long	*left;
static size_t		 nleft, capleft;
static size_t		 cursor;	/* where the next try starts */
static long long	 last_sweep;	/* ms; the main loop's only */

static void	sweep_locked(size_t max);

/* The mount point of the cgroup2 hierarchy, from mountinfo. */
static int
cgroup2_mount(char *out, size_t outlen)
{
	FILE	*fp;
	char	 line[4096], mnt[4096];
	int	 found = 0;

	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL) {
		return -1;
	}
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - FSTYPE SOURCE ... */
		if (strstr(line, " - cgroup2 ") == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1) {
			continue;
		}
		found = strlcpy(out, mnt, outlen) < outlen;
	}
	fclose(fp);
	return found ? 0 : -1;
}

/* rshd's own cgroup in the v2 hierarchy ("0::/PATH"). */
static int
own_path(char *out, size_t outlen)
{
	FILE	*fp;
	char	 line[4096];
	int	 found = 0;

	if ((fp = fopen("/proc/self/cgroup", "re")) == NULL) {
		return -1;
	}
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			found = strlcpy(out, line + 3, outlen) < outlen;
		}
	}
	fclose(fp);
	return found ? 0 : -1;
}

/* 1 when name is a command's cgroup left by an rshd that did not stop
 * cleanly.  Only an old one: another rshd may share the base, and its
 * fresh cgroups are empty until their commands join them; nor can the
 * owner's pid tell, since an rshd in another pid namespace (a container)
 * sees other pids as gone.  rmdir() takes only empty ones anyway. */
static int
stale(const char *name, time_t now)
{
	struct stat st;

	return strncmp(name, CG_PREFIX, strlen(CG_PREFIX)) == 0 &&
	    fstatat(basefd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode) && now - st.st_mtime > CG_STALE_S;
}

/* Empty cgroups of an rshd that did not stop cleanly. */
static void
remove_stale(void)
{
	DIR		*dir;
	struct dirent	*de;
	time_t		 now = time(NULL);
	int		 fd;

	if ((fd = dup(basefd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1) {
			close(fd);
		}
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (stale(de->d_name, now)) {
			(void)unlinkat(basefd, de->d_name, AT_REMOVEDIR);
		}
	}
	closedir(dir);
}

int
cgroup_init(int enabled, long rshd_pid, char *why, size_t whylen)
{
	char		 mnt[4096], own[4096], probe[64];
	struct stat	 st;
	int		 fd;

	if (!enabled) {
		snprintf(why, whylen, "CommandCgroups is off");
		return 0;
	}
	if (cgroup2_mount(mnt, sizeof(mnt)) == -1 ||
	    own_path(own, sizeof(own)) == -1) {
		snprintf(why, whylen, "no cgroup v2 hierarchy");
		return 0;
	}
	if ((size_t)snprintf(base, sizeof(base), "%s%s", mnt,
	    strcmp(own, "/") == 0 ? "" : own) >= sizeof(base) ||
	    (basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "cannot open rshd's cgroup %s", base);
		goto off;
	}
	snprintf(probe, sizeof(probe), CG_PREFIX "probe-%ld", (long)getpid());
	if (mkdirat(basefd, probe, 0755) == -1) {
		snprintf(why, whylen, "cgroup %s is not delegated to rshd "
		    "(%s)", base, strerror(errno));
		goto off;
	}
	fd = openat(basefd, probe, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || fstatat(fd, "cgroup.kill", &st, 0) == -1) {
		snprintf(why, whylen, "no cgroup.kill (Linux 5.14 or later "
		    "needed)");
		if (fd != -1) {
			close(fd);
		}
		(void)unlinkat(basefd, probe, AT_REMOVEDIR);
		goto off;
	}
	close(fd);
	(void)unlinkat(basefd, probe, AT_REMOVEDIR);
	remove_stale();
	owner = rshd_pid;
	return 1;
off:
	if (basefd != -1) {
		close(basefd);
		basefd = -1;
	}
	base[0] = '\0';
	return 0;
}

const char *
cgroup_base(void)
{
	return base;
}

struct cgroup_cmd *
cgroup_cmd_new(int *procs_fd, int *err)
{
	static unsigned long	 last;	/* atomic */
	struct cgroup_cmd	*c;

	*procs_fd = -1;
	*err = 0;
	if (basefd == -1) {
		return NULL;
	}
	/* A few of the leftovers, never waiting for the lock: however many
	 * a key's background jobs keep, a start costs the same. */
	if (pthread_mutex_trylock(&left_lock) == 0) {
		sweep_locked(CG_SWEEP_SPAWN);
		pthread_mutex_unlock(&left_lock);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), CG_PREFIX "%ld-%lu", owner,
	    __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED));
	if (mkdirat(basefd, c->name, 0755) == -1) {
		*err = errno;
		free(c);
		return NULL;
	}
	if ((c->dirfd = openat(basefd, c->name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (*procs_fd = openat(c->dirfd, "cgroup.procs",
	    O_WRONLY | O_CLOEXEC)) == -1) {
		*err = errno;
		if (c->dirfd != -1) {
			close(c->dirfd);
		}
		(void)unlinkat(basefd, c->name, AT_REMOVEDIR);
		free(c);
		return NULL;
	}
	return c;
}

int
cgroup_cmd_kill(const struct cgroup_cmd *c)
{
	int	fd, rc = -1;

	if ((fd = openat(c->dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC)) !=
	    -1) {
		rc = write(fd, "1", 1) == 1 ? 0 : -1;
		close(fd);
	}
	return rc;
}

int
cgroup_cmd_populated(const struct cgroup_cmd *c)
{
	char	 buf[256], *p;
	ssize_t	 n;
	int	 fd;

	if ((fd = openat(c->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC)) ==
	    -1) {
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return -1;
	}
	buf[n] = '\0';
	if ((p = strstr(buf, "populated ")) == NULL) {
		return -1;
	}
	return p[strlen("populated ")] == '1';
}

/* Remembers the cgroup numbered seq for a later sweep; left_lock held. */
static int
remember(unsigned long seq)
{
	if (nleft == capleft) {
		size_t		 ncap = capleft == 0 ? 64 : capleft * 2;
		unsigned long	*n = reallocarray(left, ncap, sizeof(*n));

		if (n == NULL) {
			return -1;
		}
		left = n;
		capleft = ncap;
	}
	left[nleft++] = seq;
	return 0;
}

void
cgroup_cmd_free(struct cgroup_cmd *c)
{
	unsigned long	seq;
	const char	*p;
	int		rc = 0;

	if (c == NULL) {
		return;
	}
	close(c->dirfd);
	/* Occupied by what the command left running on purpose: later. */
	if (unlinkat(basefd, c->name, AT_REMOVEDIR) == -1 && errno == EBUSY) {
		p = strrchr(c->name, '-');
		seq = strtoul(p + 1, NULL, 10);
		pthread_mutex_lock(&left_lock);
		rc = remember(seq);
		pthread_mutex_unlock(&left_lock);
	}
	if (rc == -1) {
		log_warn("out of memory: cgroup %s/%s will not be removed "
		    "when it empties", base, c->name);
	}
	free(c);
}

/* Tries to remove up to max leftovers, round the table; left_lock held. */
static void
sweep_locked(size_t max)
{
	char name[64];

	for (size_t i = 0; i < max && nleft > 0; i++) {
		if (cursor >= nleft) {
			cursor = 0;
		}
		snprintf(name, sizeof(name), CG_PREFIX "%ld-%lu", owner,
		    left[cursor]);
		if (unlinkat(basefd, name, AT_REMOVEDIR) == 0 ||
		    errno != EBUSY) {
			left[cursor] = left[--nleft];	/* try it next */
		} else {
			cursor++;
		}
	}
}

int
cgroup_sweep(void)
{
	long long	now = netio_now_ms();
	size_t		todo, n;

	if (basefd == -1) {
		return 0;
	}
	pthread_mutex_lock(&left_lock);
	todo = now - last_sweep >= CG_SWEEP_MS ? nleft : 0;
	if (todo > 0) {
		last_sweep = now;
	}
	/* A chunk per hold: a command that ends, or a start, waits for a
	 * few removals at most. */
	while (todo > 0) {
		n = todo < CG_SWEEP_CHUNK ? todo : CG_SWEEP_CHUNK;
		sweep_locked(n);
		todo -= n;
		pthread_mutex_unlock(&left_lock);
		pthread_mutex_lock(&left_lock);
	}
	n = nleft;
	pthread_mutex_unlock(&left_lock);
	return n > INT_MAX ? INT_MAX : (int)n;
}
