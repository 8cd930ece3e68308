/*
 * runfiles: the port file and the pid file's end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runfiles.h"

int
runfiles_write_port(const char *path, int port)
{
	char	 tmp[4096];
	FILE	*fp;
	int	 fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (fprintf(fp, "%d\n", port) < 0 || fchmod(fd, 0644) == -1) {
		e = errno;
		fclose(fp);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (fclose(fp) != 0 || rename(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

pid_t
runfiles_read_pid(const char *path)
{
	char		 buf[32];
	const char	*errstr;
	ssize_t		 n;
	long long	 pid;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pid = strtonum(buf, 1, INT_MAX, &errstr);
	return errstr == NULL ? (pid_t)pid : -1;
}

void
runfiles_remove_pid(const char *path, pid_t pid)
{
	if (path != NULL && runfiles_read_pid(path) == pid) {
		(void)unlink(path);
	}
}
