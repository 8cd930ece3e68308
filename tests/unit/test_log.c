/*
 * test_log: untrusted bytes come out of log_vis() escaped and cut only
 * between escapes; stderr lines are whole "prog: message" lines, even
 * from many threads at once; log_debug() is silent unless asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#include "check.h"

#define NTHREADS	8
#define NLINES		500
#define PADDING		"padding padding padding padding padding padding"

static void
check_vis(const void *in, size_t inlen, size_t outlen, const char *want)
{
	char out[256];

	memset(out, 'X', sizeof(out));
	CHECK(log_vis(out, outlen, in, inlen) == out);
	if (strcmp(out, want) != 0) {
		check_fail++;
		fprintf(stderr, "log_vis(%zu bytes, %zu) = \"%s\", want "
		    "\"%s\"\n", inlen, outlen, out, want);
	} else
		check_pass++;
	CHECK(strlen(out) < outlen);
	CHECK(out[outlen] == 'X');	/* nothing written past outlen */
}

static void
test_vis(void)
{
	char out[8];

	check_vis("plain text", 10, 64, "plain text");
	check_vis("a\nb", 3, 64, "a\\nb");
	check_vis("\x01", 1, 64, "\\001");
	check_vis("\xff", 1, 64, "\\377");
	check_vis("a\0b", 3, 64, "a\\0b");
	check_vis("a\0" "1", 3, 64, "a\\0001");	/* \0 before a digit */
	check_vis("\t\r\x1b[31m", 7, 64, "\\t\\r\\033[31m");
	check_vis("back\\slash", 10, 64, "back\\\\slash");
	check_vis("", 0, 64, "");
	/* Truncation: whole escapes only, and a visible mark. */
	check_vis("abcdefghij", 10, 8, "abcd...");
	check_vis("\x01\x02\x03", 3, 8, "\\001...");
	check_vis("\x01\x02\x03", 3, 9, "\\001...");
	check_vis("\x01\x02\x03", 3, 13, "\\001\\002\\003");
	check_vis("\x01\x02\x03", 3, 12, "\\001\\002...");
	check_vis("\x01\x02", 2, 4, "");	/* too small for one escape */
	check_vis("abc", 3, 3, "ab");		/* too small for the mark */
	check_vis("abc", 3, 1, "");
	memset(out, 'X', sizeof(out));
	log_vis(out, 0, "abc", 3);
	CHECK(out[0] == 'X');			/* outlen 0 writes nothing */
}

/* Sends stderr to a fresh temporary file; returns the old stderr. */
static int
capture_stderr(char *path, size_t pathlen)
{
	int fd, saved;

	snprintf(path, pathlen, "/tmp/test_log.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return saved;
}

static size_t
restore_stderr(int saved, const char *path, char *out, size_t outlen)
{
	FILE *f;
	size_t n = 0;

	dup2(saved, STDERR_FILENO);
	close(saved);
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(out, 1, outlen - 1, f);
		fclose(f);
	}
	out[n] = '\0';
	unlink(path);
	return n;
}

static void
test_stderr(void)
{
	char path[64], out[8192], big[4000];
	int saved;
	size_t n;

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	if ((saved = capture_stderr(path, sizeof(path))) == -1) {
		CHECK(0);
		return;
	}
	log_init("rshd", LOG_TO_STDERR, 0);
	errno = EPIPE;
	log_err("cannot do %s: %d", "that", 42);
	CHECK_EQ(errno, EPIPE);			/* errno survives logging */
	log_warn("warned");
	log_info("told");
	log_debug("hidden");
	log_init("rshd", LOG_TO_SYSLOG, 1);
	log_info("to syslog, not stderr");
	log_init("rsh", LOG_TO_STDERR, 1);
	log_debug("shown");
	log_info("%s", big);
	n = restore_stderr(saved, path, out, sizeof(out));
	CHECK(strncmp(out, "rshd: cannot do that: 42\nrshd: warned\n"
	    "rshd: told\nrsh: shown\nrsh: bbb", 67) == 0);
	CHECK(strstr(out, "hidden") == NULL);
	CHECK(strstr(out, "syslog") == NULL);
	/* The long line was cut to fit but still ends the line. */
	CHECK(n > 67 && n < 67 + 2048);
	CHECK(n > 0 && out[n - 1] == '\n');
	CHECK(strchr(out + 67, '\n') == out + n - 1);
}

static void *
log_thread(void *arg)
{
	int i, id = (int)(long)arg;

	for (i = 0; i < NLINES; i++)
		log_info("thread %d line %d %s", id, i, PADDING);
	return NULL;
}

/* Every line from every thread comes out whole. */
static void
test_threads(void)
{
	static char out[NTHREADS * NLINES * 100];
	pthread_t t[NTHREADS];
	char path[64], want[128], *line, *save = NULL;
	int saved, id, i, nlines = 0, bad = 0;
	long k;

	if ((saved = capture_stderr(path, sizeof(path))) == -1) {
		CHECK(0);
		return;
	}
	log_init("t", LOG_TO_STDERR, 0);
	for (k = 0; k < NTHREADS; k++)
		pthread_create(&t[k], NULL, log_thread, (void *)k);
	for (k = 0; k < NTHREADS; k++)
		pthread_join(t[k], NULL);
	restore_stderr(saved, path, out, sizeof(out));
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		nlines++;
		if (sscanf(line, "t: thread %d line %d ", &id, &i) != 2) {
			bad++;
			continue;
		}
		snprintf(want, sizeof(want), "t: thread %d line %d %s", id, i,
		    PADDING);
		if (strcmp(line, want) != 0)
			bad++;
	}
	CHECK_EQ(nlines, NTHREADS * NLINES);
	CHECK_EQ(bad, 0);
}

int
main(void)
{
	test_vis();
	test_stderr();
	test_threads();
	return check_done("test_log");
}
