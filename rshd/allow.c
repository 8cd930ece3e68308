/*
 * allow: the words of a pattern, the words of a command line, and the
 * one comparison between them.  Modelled on sudoers' argument matching:
 * the vector compared is the vector executed.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "log.h"

/*
 * What a word of a plain command line may hold.  Nothing a shell, the
 * client's or any other, would treat specially: no quotes, '$', '`', '\',
 * ';', '&', '|', '<', '>', '(', ')', '#', '~', glob characters, tabs,
 * newlines, NULs or bytes beyond ASCII.
 */
static const char word_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "_./:,+@%=-";

/* fnmatch: '*' stops at '/' and a leading '.' must be written. */
#define MATCH_FLAGS	(FNM_PATHNAME | FNM_PERIOD)

int
allow_compile(const char *text, struct allow_pattern *p, char *err,
    size_t errlen)
{
	const char	*s = text;
	char		**v;

	memset(p, 0, sizeof(*p));
	for (;;) {
		size_t n;

		s += strspn(s, " \t");
		if (*s == '\0') {
			break;
		}
		n = strcspn(s, " \t");
		if (p->rest) {
			allow_pattern_free(p);
			return log_errbuf(err, errlen, "'%s': '" ALLOW_REST
			    "' may only be a pattern's last word", text);
		}
		if (n == strlen(ALLOW_REST) && memcmp(s, ALLOW_REST, n) == 0) {
			p->rest = 1;
			s += n;
			continue;
		}
		if ((v = reallocarray(p->words, p->nwords + 2,
		    sizeof(*v))) == NULL) {
			goto nomem;
		}
		p->words = v;
		if ((v[p->nwords] = strndup(s, n)) == NULL) {
			goto nomem;
		}
		v[++p->nwords] = NULL;
		s += n;
	}
	if (p->nwords == 0) {
		int rest = p->rest;

		allow_pattern_free(p);
		return log_errbuf(err, errlen, rest ? "'" ALLOW_REST "' alone "
		    "would allow any program" : "an empty pattern in '%s'",
		    text);
	}
	return 0;
nomem:
	allow_pattern_free(p);
	return log_errbuf(err, errlen, "out of memory");
}

void
allow_pattern_free(struct allow_pattern *p)
{
	for (size_t i = 0; i < p->nwords; i++) {
		free(p->words[i]);
	}
	free(p->words);
	memset(p, 0, sizeof(*p));
}

int
allow_match(const struct allow_pattern *p, char *const *argv, size_t argc)
{
	if (argc < p->nwords || (argc > p->nwords && !p->rest)) {
		return 0;
	}
	for (size_t i = 0; i < p->nwords; i++) {
		if (fnmatch(p->words[i], argv[i], MATCH_FLAGS) != 0) {
			return 0;
		}
	}
	return 1;
}

enum allow_split
allow_split(const char *line, size_t len, char ***argv, size_t *argc,
    size_t *bad)
{
	size_t	 words = 0, i;
	char	**v, *s;

	*argv = NULL;
	*argc = 0;
	/* One pass to check every byte and count the words. */
	for (i = 0; i < len; i++) {
		if (line[i] == ' ') {
			continue;
		}
		if (line[i] == '\0' || strchr(word_chars, line[i]) == NULL) {
			*bad = i;
			return ALLOW_SPLIT_BAD;
		}
		if (i == 0 || line[i - 1] == ' ') {
			words++;
		}
	}
	if (words == 0) {
		return ALLOW_SPLIT_EMPTY;
	}
	/* The array, then a copy of the line whose blanks become NULs. */
	if (words > (SIZE_MAX - len - 1) / sizeof(char *) - 1 ||
	    (v = malloc((words + 1) * sizeof(char *) + len + 1)) == NULL) {
		return ALLOW_SPLIT_NOMEM;
	}
	s = (char *)(v + words + 1);
	memcpy(s, line, len);
	s[len] = '\0';
	for (i = 0; i < len; i++) {
		if (s[i] == ' ') {
			s[i] = '\0';
		} else if (i == 0 || s[i - 1] == '\0') {
			v[(*argc)++] = s + i;
		}
	}
	v[*argc] = NULL;
	*argv = v;
	return ALLOW_SPLIT_OK;
}

const char *
allow_byte_name(char byte, char *buf, size_t len)
{
	unsigned char c = (unsigned char)byte;

	if (c == '\n') {
		return "a newline";
	} else if (c == '\t') {
		return "a tab";
	} else if (c == '\r') {
		return "a carriage return";
	} else if (c > ' ' && c < 0x7f) {
		snprintf(buf, len, "'%c'", c);
	} else {
		snprintf(buf, len, "the byte 0x%02x", c);
	}
	return buf;
}
