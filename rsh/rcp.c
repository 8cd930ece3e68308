/*
 * rcp: the command line (options, operands, the host), the progress line
 * and the --json summary; rcpcopy.c does the copy.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "copysink.h"
#include "copywire.h"
#include "utf8.h"

#include "client.h"
#include "fanout.h"
#include "hostlist.h"
#include "opts.h"
#include "rcp.h"
#include "rcp_int.h"

int
rcp_called(const char *argv0)
{
	size_t		 len;
	const char	*b = copywire_basename(argv0, &len);

	return (len == 3 && strncmp(b, "rcp", 3) == 0) ||
	    (len == 7 && strncmp(b, "rcp.psk", 7) == 0);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: rcp [-pqrsv] [-F config] [-k keyfile] "
	    "[-l user] [-o option] [-P port] [-S rsh]\n"
	    "           [--json] "
	    "SRC... [user@]HOST:DEST\n"
	    "       rcp [-pqrsv] [options] [user@]HOST:SRC... DEST\n"
	    "       rcp -w hostlist [-X hostlist] [-f fanout] [options] "
	    "SRC... DEST\n"
	    "       rcp -w hostlist [-X hostlist] [-f fanout] [options] "
	    "--gather SRC... DIR\n");
}

void
rcp_say(void *ctx, const char *msg)
{
	struct rcp *r = ctx;

	if (r->progress) {
		fputs("\r\033[K", stderr);
	}
	if (r->fan) {
		fprintf(stderr, "rcp: %s: %s\n", r->label, msg);
	} else {
		fprintf(stderr, "rcp: %s\n", msg);
	}
}

double
rcp_since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The progress line: the file, the bytes so far, the rate; four times a
 * second at most. */
void
rcp_progress(void *ctx, const char *name, uint64_t bytes)
{
	struct rcp	*r = ctx;
	struct timespec	 now;
	double		 t;

	r->total += bytes;
	if (!r->progress) {
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (rcp_since(&r->last, &now) < 0.25) {
		return;
	}
	r->last = now;
	t = rcp_since(&r->t0, &now);
	fprintf(stderr, "\r\033[K%.40s  %.1f MiB  %.1f MiB/s", name,
	    (double)r->total / 1048576.0, t > 0 ? (double)r->total /
	    1048576.0 / t : 0.0);
}

/*
 * "[user@]host:path" or "[user@][v6addr]:path": 1 with *host, *user
 * (NULL when none) and *path (into s) set, 0 for a local path (no colon
 * before the first slash), -1 when out of memory.
 */
static int
remote(const char *s, char **host, char **user, const char **path)
{
	const char	*colon, *at, *h;
	size_t		 hl;

	*host = *user = NULL;
	if (s[0] == '[' || (strchr(s, '@') != NULL && strchr(s, '@')[1] ==
	    '[')) {
		colon = strstr(s, "]:");
		colon = colon != NULL ? colon + 1 : NULL;
	} else {
		colon = strchr(s, ':');
	}
	if (colon == NULL || colon == s || memchr(s, '/',
	    (size_t)(colon - s)) != NULL) {
		return 0;
	}
	at = memchr(s, '@', (size_t)(colon - s));
	h = at != NULL ? at + 1 : s;
	hl = (size_t)(colon - h);
	if (hl > 2 && h[0] == '[') {
		h++;
		hl -= 2;
	}
	*host = strndup(h, hl);
	*user = at != NULL ? strndup(s, (size_t)(at - s)) : NULL;
	*path = colon + 1;
	if (*host == NULL || (at != NULL && *user == NULL)) {
		free(*host);
		free(*user);
		*host = *user = NULL;
		return -1;
	}
	return 1;
}

static int
parse(struct rcp *r, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "gather", no_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	static const char pass_opts[] = "FkloP";
	const char	*errstr;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "+F:f:hk:l:o:P:pqrS:svw:X:",
	    longopts,
	    NULL)) != -1) {
		if (r->npass + 2 > MAXPASS) {
			fprintf(stderr, "rcp: too many options\n");
			return -1;
		}
		if (strchr(pass_opts, ch) != NULL) {
			r->pass[r->npass++] = ch == 'F' ? "-F" : ch == 'k' ?
			    "-k" : ch == 'l' ? "-l" : ch == 'o' ? "-o" : "-p";
			r->pass[r->npass++] = optarg;
			continue;
		}
		switch (ch) {
		case 'p':
			r->flags |= COPY_PRESERVE;
			break;
		case 'q':
			r->quiet = 1;
			r->pass[r->npass++] = "-q";
			break;
		case 'r':
			r->flags |= COPY_RECURSIVE;
			break;
		case 'S':
			r->rsh = optarg;
			break;
		case 'J':
			r->json = 1;
			break;
		case 'G':
			r->gather = 1;
			break;
		case 'w':
			r->w[r->nw++] = optarg;
			break;
		case 'X':
			r->x[r->nx++] = optarg;
			break;
		case 'f':
			r->fanout = (int)strtonum(optarg, 1, FANOUT_MAX,
			    &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "rcp: -f %s: the fan-out is "
				    "%s (1 to %d)\n", optarg, errstr,
				    FANOUT_MAX);
				return -1;
			}
			break;
		case 's':
			r->flags |= COPY_SYNC;
			break;
		case 'v':
			r->pass[r->npass++] = "-v";
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return -1;
	}
	if (r->nw == 0 && (r->gather || r->nx > 0 || r->fanout != 0)) {
		fprintf(stderr, "rcp: --gather, -X and -f go with -w\n");
		return -1;
	}
	return 0;
}

/* Sets r's host and user from one remote operand; all must agree. */
static int
take_host(struct rcp *r, char *host, char *user)
{
	if (r->host == NULL) {
		r->host = host;
		r->user = user;
		r->label = host;
		return 0;
	}
	if (strcmp(r->host, host) != 0 || (user == NULL) != (r->user ==
	    NULL) || (user != NULL && strcmp(user, r->user) != 0)) {
		fprintf(stderr, "rcp: the sources are on different hosts or "
		    "accounts (%s, %s): copy from one at a time\n", r->host,
		    host);
		free(host);
		free(user);
		return -1;
	}
	free(host);
	free(user);
	return 0;
}

static void
put_stdout(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	(void)fwrite(p, 1, n, stdout);
}

void
rcp_summary(const struct rcp *r, int to, int rc)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fputs("{\"host\":\"", stdout);
	utf8_json_escape((const uint8_t *)r->host, strlen(r->host),
	    put_stdout, NULL);
	printf("\",\"direction\":\"%s\",\"status\":%d,\"bytes\":%llu,"
	    "\"duration_ms\":%.3f}\n", to ? "to" : "from", rc,
	    (unsigned long long)r->total, rcp_since(&r->t0, &now) * 1000.0);
	(void)fflush(stdout);
}

/* One operand: 1 on a host (taken into r; *path after the colon), 0
 * local (*path the operand), -1 (said). */
static int
operand(struct rcp *r, const char *arg, const char **path)
{
	char	*host, *user;
	int	 k = remote(arg, &host, &user, path);

	if (k == -1) {
		fprintf(stderr, "rcp: out of memory\n");
		return -1;
	}
	if (k == 0) {
		*path = arg;
		return 0;
	}
	return take_host(r, host, user) == -1 ? -1 : 1;
}

/* rcp -w: the operands are paths, the hosts come from -w and -X. */
static int
fan_main(struct rcp *r, char **argv, int nsrc)
{
	struct opts	 o;
	struct hostlist	*hosts;
	const char	*path;
	char		*host, *user;
	int		 k, rc;

	for (int i = 0; i <= nsrc; i++) {
		if ((k = remote(argv[i], &host, &user, &path)) != 0) {
			free(host);
			free(user);
			fprintf(stderr, "rcp: %s: %s\n", argv[i], k == -1 ?
			    "out of memory" : "with -w, name paths only (the "
			    "hosts come from -w; a local name with a colon: "
			    "./NAME)");
			return EXIT_RCP;
		}
	}
	memset(&o, 0, sizeof(o));
	o.hosts = r->w;
	o.nhosts = r->nw;
	o.excludes = r->x;
	o.nexcludes = r->nx;
	if ((hosts = fanout_hosts(&o)) == NULL) {
		return EXIT_RCP;
	}
	rc = rcpfan_run(r, hosts, r->fanout != 0 ? r->fanout :
	    FANOUT_DEFAULT, argv, nsrc, argv[nsrc]);
	hostlist_free(hosts);
	return rc;
}

int
rcp_main(int argc, char **argv)
{
	struct rcp	  r;
	const char	**paths = NULL, *path, *dpath;
	int		  nsrc, dest_remote, rc = EXIT_RCP, k;

	/* Before any fd of ours: a closed 0, 1 or 2 must not become the
	 * destination's directory. */
	(void)client_stdio();
	memset(&r, 0, sizeof(r));
	r.fd = -1;
	r.destfd = -1;
	r.w = calloc((size_t)argc, sizeof(*r.w));
	r.x = calloc((size_t)argc, sizeof(*r.x));
	if (r.w == NULL || r.x == NULL) {
		fprintf(stderr, "rcp: out of memory\n");
		goto out;
	}
	if (parse(&r, argc, argv) == -1) {
		goto out;
	}
	argv += optind;
	nsrc = argc - optind - 1;
	if (r.nw > 0) {
		(void)signal(SIGPIPE, SIG_IGN);
		r.progress = !r.quiet && isatty(STDERR_FILENO);
		rc = fan_main(&r, argv, nsrc);
		goto out;
	}
	if ((paths = calloc((size_t)nsrc, sizeof(*paths))) == NULL ||
	    (dest_remote = operand(&r, argv[nsrc], &dpath)) == -1) {
		goto out;
	}
	for (int i = 0; i < nsrc; i++) {
		if ((k = operand(&r, argv[i], &path)) == -1) {
			goto out;
		}
		if (k == dest_remote) {
			fprintf(stderr, "rcp: %s\n", dest_remote ? "copy to a "
			    "host from local files only" : "one side must be "
			    "HOST:PATH (for a local copy, use cp; a local name "
			    "with a colon: ./NAME)");
			goto out;
		}
		if (k == 1 && path[0] == '\0') {
			fprintf(stderr, "rcp: %s: name a file to copy\n",
			    argv[i]);
			goto out;
		}
		paths[i] = path;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	r.progress = !r.quiet && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	rc = dest_remote ? rcpcopy_to_host(&r, argv, nsrc, dpath) :
	    rcpcopy_from_host(&r, paths, nsrc, argv[nsrc]);
	if (r.progress && r.total > 0) {
		fputc('\n', stderr);
	}
	if (r.json) {
		rcp_summary(&r, dest_remote, rc);
	}
out:
	free(paths);
	free(r.host);
	free(r.user);
	free(r.w);
	free(r.x);
	return rc;
}
