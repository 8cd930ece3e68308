/*
 * sink: the part of reporting every sink shares: rsh's own messages on
 * stderr, the server's ERROR texts, and exit statuses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "netio.h"
#include "wire.h"

#include "sink.h"

void
sink_msg(struct sink *s, int level, const char *fmt, ...)
{
	char	text[SINK_ERRMAX];
	va_list	ap;
	int	nohost = level & SINK_NOHOST;

	level &= ~SINK_NOHOST;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (level == SINK_ERROR && s->error[0] == '\0') {
		strlcpy(s->error, text, sizeof(s->error));
	}
	if ((level == SINK_WARN && s->quiet) ||
	    (level == SINK_INFO && !s->verbose)) {
		return;
	}
	if (s->ops->msg != NULL) {
		char	line[SINK_ERRMAX + NETIO_NAMEMAX + 64];
		int	n = snprintf(line, sizeof(line), "rsh: %s%s%s\n",
		    nohost ? "" : s->display, nohost ? "" : ": ", text);

		if (n > 0) {
			s->ops->msg(s, line, (size_t)n < sizeof(line) ?
			    (size_t)n : sizeof(line) - 1);
		}
	} else if (nohost) {
		fprintf(stderr, "rsh: %s%s", text, s->raw ? "\r\n" : "\n");
	} else {
		fprintf(stderr, "rsh: %s: %s%s", s->display, text,
		    s->raw ? "\r\n" : "\n");
	}
}

void
sink_hint(struct sink *s, enum sink_hint which)
{
	/* Whatever went wrong on how many hosts, the fix is said once. */
	static int	 given[SINK_HINT_COUNT];
	static const char *const text[SINK_HINT_COUNT] = {
		[SINK_HINT_AUTH] = "the server's log says why it refused the "
		    "key (journalctl -u rshd): an unknown key id, a key line "
		    "that differs between the two files, or one it skipped",
		[SINK_HINT_NAME] = "rsh presents the host as typed; set "
		    "ServerName (-o ServerName=NAME, or rsh_config(5)) to a "
		    "name the server answers to (its ServerName settings)",
		[SINK_HINT_ACCOUNT] = "this server does not know how to "
		    "choose the account (-l, User: an rsh extension of the "
		    "protocol); drop -l and User, or update its rshd",
	};

	if ((unsigned)which >= SINK_HINT_COUNT || given[which]) {
		return;
	}
	given[which] = 1;
	sink_msg(s, SINK_WARN | SINK_NOHOST, "hint: %s", text[which]);
}

void
sink_hint_account(struct sink *s, const uint8_t *text, size_t len)
{
	static const char	tag[] = "unknown tag below 0x80";

	if (s->account && memmem(text, len, tag, sizeof(tag) - 1) != NULL) {
		sink_hint(s, SINK_HINT_ACCOUNT);
	}
}

static const char *
error_label(uint16_t code)
{
	static const char *labels[] = { "error", "bad request", "denied",
	    "cannot run the command", "busy", "timed out",
	    "server shutting down", "internal error", "output cut" };

	return code < sizeof(labels) / sizeof(labels[0]) ? labels[code] :
	    "error";
}

uint16_t
sink_server_error(struct sink *s, int level, const uint8_t *p, size_t len,
    const char *note)
{
	char		vis[4 * WIRE_MAXERRTEXT + 1], num[16] = "", paren[96] = "";
	uint16_t	code = wire_get16(p);

	if (code >= 9) {
		snprintf(num, sizeof(num), " %u", code);
	}
	if (note != NULL) {
		snprintf(paren, sizeof(paren), " (%s)", note);
	}
	sink_msg(s, level, "%s%s%s%s%s", error_label(code), num, paren,
	    len > 2 ? ": " : "", log_vis(vis, sizeof(vis), p + 2, len - 2));
	if (code == ERR_BAD_REQUEST) {
		sink_hint_account(s, p + 2, len - 2);
	}
	return code;
}

void
sink_begin(struct sink *s, const struct wire_exec *e)
{
	s->error[0] = '\0';
	s->account = e->account != NULL;
	if (s->ops->begin != NULL) {
		s->ops->begin(s, e);
	}
}

void
sink_end(struct sink *s, struct sink_result *r)
{
	r->error = s->error[0] != '\0' ? s->error : NULL;
	if (s->ops->end(s, r) == -1 && !r->sigpipe) {
		r->sigpipe = errno == EPIPE;
		if (!r->sigpipe) {
			fprintf(stderr, "rsh: cannot write standard output: "
			    "%s\n", strerror(errno));
		}
		r->status = RSH_EXIT_FAILURE;
	}
}

int
sink_exit_status(uint8_t how, uint8_t code, int *kind)
{
	switch (how) {
	case EXIT_HOW_EXITED:
		*kind = SINK_EXITED;
		return code;
	case EXIT_HOW_SIGNALED:
		*kind = SINK_SIGNALED;
		return code < 128 ? 128 + code : RSH_EXIT_FAILURE;
	case EXIT_HOW_NOTSTARTED:
		*kind = SINK_NOTSTARTED;
		return code;
	default:
		*kind = SINK_FAILED;
		return RSH_EXIT_FAILURE;
	}
}
