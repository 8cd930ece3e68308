/*
 * json: one object a command.  Strings are checked as UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF); output that
 * is not valid goes out as base64 so that no byte is lost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "netio.h"
#include "utf8.h"

#include "json.h"
#include "term.h"

static int
utf8_valid(const uint8_t *p, size_t len)
{
	size_t n;

	for (size_t i = 0; i < len; i += n) {
		if ((n = utf8_seq(p + i, len - i)) == 0) {
			return 0;
		}
	}
	return 1;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void
put_string(FILE *f, const uint8_t *p, size_t len)
{
	size_t n;

	fputc('"', f);
	for (size_t i = 0; i < len; i += n) {
		if ((n = utf8_seq(p + i, len - i)) == 0) {
			fputs("\\ufffd", f);
			n = 1;
		} else if (p[i] == '"' || p[i] == '\\') {
			fprintf(f, "\\%c", p[i]);
		} else if (p[i] == '\n') {
			fputs("\\n", f);
		} else if (p[i] == '\t') {
			fputs("\\t", f);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\u%04x", p[i]);
		} else {
			fwrite(p + i, 1, n, f);
		}
	}
	fputc('"', f);
}

static void
put_cstring(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
	} else {
		put_string(f, (const uint8_t *)s, strlen(s));
	}
}

/* "name": text, or base64 and "name_base64": true when not UTF-8. */
static int
put_output(FILE *f, const char *name, const struct buf *st)
{
	const uint8_t	*p = buf_data(st);
	char		*b64;
	size_t		 cap;
	int		 text = utf8_valid(p, st->len);

	fprintf(f, ",\"%s\":", name);
	if (text) {
		put_string(f, p, st->len);
	} else {
		cap = 4 * ((st->len + 2) / 3) + 1;
		if ((b64 = malloc(cap)) == NULL ||
		    crypto_b64encode(b64, cap, p, st->len) == -1) {
			free(b64);
			return -1;
		}
		fprintf(f, "\"%s\"", b64);
		free(b64);
	}
	fprintf(f, ",\"%s_base64\":%s,\"%s_bytes\":%zu", name,
	    text ? "false" : "true", name, st->len);
	return 0;
}

static void
json_begin(struct sink *s, const struct wire_exec *e)
{
	struct json	*j = (struct json *)(void *)s;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;

	free(j->what);
	j->what = NULL;
	buf_consume(&j->out, j->out.len);
	buf_consume(&j->err, j->err.len);
	if ((f = open_memstream(&buf, &len)) == NULL) {
		return;
	}
	if ((e->flags & EXEC_FLAG_SHELL) && e->argc == 1) {
		fputs("\"command\":", f);
		put_cstring(f, e->argv[0]);
	} else {
		fputs("\"argv\":[", f);
		for (size_t i = 0; i < e->argc; i++) {
			fputs(i > 0 ? "," : "", f);
			put_cstring(f, e->argv[i]);
		}
		fputc(']', f);
	}
	if (e->account != NULL) {
		fputs(",\"account\":", f);
		put_cstring(f, e->account);
	}
	if (fclose(f) == 0) {
		j->what = buf;
	} else {
		free(buf);
	}
}

static int
json_data(struct sink *s, int fd, const uint8_t *p, size_t len)
{
	struct json		*j = (struct json *)(void *)s;
	struct buf	*st = fd == 1 ? &j->out : &j->err;

	if (JSON_MAXOUT - st->len < len) {
		errno = EFBIG;
		return -1;
	}
	if (buf_append(st, p, len) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static int
json_flush(struct sink *s)
{
	(void)s;
	return 0;
}

static void
put_result(FILE *f, const struct json *j, const struct sink_result *r)
{
	fprintf(f, "{\"host\":");
	put_cstring(f, j->host);
	fprintf(f, ",\"port\":%u,\"transport\":\"%s\",%s", j->port,
	    j->transport, j->what != NULL ? j->what : "\"argv\":null");
	fprintf(f, ",\"status\":%d", r->status);
	if (r->how == SINK_EXITED) {
		fprintf(f, ",\"exit\":%d,\"signal\":null", r->code);
	} else if (r->how == SINK_SIGNALED) {
		fprintf(f, ",\"exit\":null,\"signal\":%d", r->code);
	} else {
		fprintf(f, ",\"exit\":null,\"signal\":null");
	}
	/* The server's time limit (-m, or its MaxCommandTime) stopped it:
	 * told apart from a TERM from anyone else. */
	fprintf(f, ",\"timed_out\":%s", r->timed_out > 0 ? "true" :
	    r->timed_out == 0 ? "false" : "null");
	fprintf(f, ",\"error\":");
	put_cstring(f, r->error);
}

static int
json_end(struct sink *s, const struct sink_result *r)
{
	struct json	*j = (struct json *)(void *)s;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;
	int		 rc = -1;

	if ((f = open_memstream(&buf, &len)) != NULL) {
		put_result(f, j, r);
		rc = put_output(f, "stdout", &j->out);
		if (rc == 0) {
			rc = put_output(f, "stderr", &j->err);
		}
		fprintf(f, ",\"duration_ms\":%lld}\n", r->duration_ms);
		if (fclose(f) != 0) {
			rc = -1;
		}
	}
	/* A terminal session's command is over: the terminal gets its modes
	 * back first, or the object's newline would not return the cursor
	 * (raw mode has no output processing).  No terminal: nothing. */
	term_restore();
	if (rc == 0 && netio_write_full(1, buf, len) == -1) {
		rc = -1;
	} else if (rc == -1) {
		errno = ENOMEM;
	}
	free(buf);
	buf_consume(&j->out, j->out.len);
	buf_consume(&j->err, j->err.len);
	return rc;
}

static const struct sink_ops json_ops = {
	json_begin, json_data, json_flush, json_end, NULL
};

void
json_init(struct json *j, const char *display, const char *host,
    unsigned port, const char *transport)
{
	memset(j, 0, sizeof(*j));
	j->s.ops = &json_ops;
	j->s.display = display;
	j->host = host;
	j->port = port;
	j->transport = transport;
	/* Nothing allocated until output comes: cannot fail. */
	(void)buf_init(&j->out, 0, JSON_MAXOUT);
	(void)buf_init(&j->err, 0, JSON_MAXOUT);
}

void
json_free(struct json *j)
{
	free(j->what);
	j->what = NULL;
	buf_free(&j->out);
	buf_free(&j->err);
}
