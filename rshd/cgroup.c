/*
 * cgroup: commands' cgroups under rshd's own (cgroup v2).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#include "cgroup.h"

#define CG_PREFIX	"rshd-cmd-"
#define CG_LEFTMAX	4096	/* occupied cgroups remembered for removal */
#define CG_STALE_S	60	/* an empty cgroup this old is no one's */

struct cgroup_cmd {
	int	dirfd;		/* the cgroup's directory */
	char	name[64];	/* its name under the base */
};

static char		base[4096];	/* set once by cgroup_init */
static int		basefd = -1;
static pthread_mutex_t	left_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*left[CG_LEFTMAX];	/* guarded by left_lock */
static int		 nleft;

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
cgroup_init(int enabled, char *why, size_t whylen)
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
	(void)cgroup_sweep();
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), CG_PREFIX "%ld-%lu",
	    (long)getpid(), __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED));
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

void
cgroup_cmd_free(struct cgroup_cmd *c)
{
	char *name;

	if (c == NULL) {
		return;
	}
	close(c->dirfd);
	/* Occupied by what the command left running on purpose: later. */
	if (unlinkat(basefd, c->name, AT_REMOVEDIR) == -1 && errno == EBUSY) {
		pthread_mutex_lock(&left_lock);
		if (nleft < CG_LEFTMAX && (name = strdup(c->name)) != NULL) {
			left[nleft++] = name;
		}
		pthread_mutex_unlock(&left_lock);
	}
	free(c);
}

int
cgroup_sweep(void)
{
	int n;

	pthread_mutex_lock(&left_lock);
	for (int i = 0; i < nleft; i++) {
		if (unlinkat(basefd, left[i], AT_REMOVEDIR) == 0 ||
		    errno != EBUSY) {
			free(left[i]);
			left[i--] = left[--nleft];
		}
	}
	n = nleft;
	pthread_mutex_unlock(&left_lock);
	return n;
}
