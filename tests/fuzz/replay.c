/*
 * replay: runs a fuzz target's entry point over files, without libFuzzer,
 * so that the corpus is replayed by `make check` in every build (gcc, the
 * ASan build included).  Arguments are files or directories (read
 * recursively).  Each input is handed over in a buffer of its exact size,
 * as libFuzzer does, so that a read past its end is caught under ASan.
 * Exits 0 after the last input; a target that finds a bug aborts.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define REPLAY_MAXINPUT	(1024 * 1024)	/* libFuzzer's default max_len is 4 KiB */

static size_t	ninputs;

static int	replay(const char *);

static int
replay_file(const char *path, const struct stat *st)
{
	uint8_t	*data;
	size_t	 size = (size_t)st->st_size, len = 0;
	ssize_t	 n;
	int	 fd, rc = -1;

	if (st->st_size > REPLAY_MAXINPUT) {
		fprintf(stderr, "replay: %s: larger than %d bytes\n", path,
		    REPLAY_MAXINPUT);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* Exactly size bytes (malloc(0) may return NULL: 1 then). */
	if ((data = malloc(size > 0 ? size : 1)) == NULL) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		goto out;
	}
	while (len < size) {
		n = read(fd, data + len, size - len);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "replay: %s: %s\n", path,
			    n == 0 ? "shorter than its size" : strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	(void)LLVMFuzzerTestOneInput(data, size);
	ninputs++;
	rc = 0;
out:
	free(data);
	close(fd);
	return rc;
}

static int
replay_dir(const char *path)
{
	struct dirent	**names;
	char		  sub[4096];
	int		  i, n, rc = 0;

	/* Sorted, so that a failure names the same input every time. */
	if ((n = scandir(path, &names, NULL, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && names[i]->d_name[0] != '.') {
			if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
			    names[i]->d_name) >= sizeof(sub)) {
				fprintf(stderr, "replay: %s/%s: path too long\n",
				    path, names[i]->d_name);
				rc = -1;
			} else {
				rc = replay(sub);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
replay(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		return replay_dir(path);
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "replay: %s: not a file or directory\n", path);
		return -1;
	}
	return replay_file(path, &st);
}

int
main(int argc, char **argv)
{
	int	i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (replay(argv[i]) == -1) {
			return 1;
		}
	}
	printf("%s: %zu inputs replayed\n", argv[0], ninputs);
	return 0;
}
