/*
 * allow: what an allow= key may run, decided on the argument vector that
 * will be executed, never on text a shell reads again.  A pure module.
 *
 * A pattern is a list of words; it matches an argument vector of as many
 * words, each by fnmatch(FNM_PATHNAME | FNM_PERIOD), so '*' never crosses
 * a '/' and never matches a leading '.' (".." included).  A last word
 * "**" stands for any further words, none included.
 *
 * A shell command line reaches a pattern only when it is a plain list of
 * words: letters, digits and "_./:,+@%=-", separated by blanks (spaces);
 * it is then split on the blanks and run as that vector, with no shell.
 */
#ifndef RSHD_ALLOW_H
#define RSHD_ALLOW_H

#include <stddef.h>

/* The last word that means "any further words". */
#define ALLOW_REST	"**"

struct allow_pattern {
	char	**words;	/* nwords fnmatch patterns, then NULL */
	size_t	  nwords;	/* "**" not counted */
	int	  rest;		/* it ended in "**" */
};

/*
 * Compiles text, words separated by blanks or tabs, into *p.  0, or -1
 * with a sentence in err and *p empty: no word at all, or "**" anywhere
 * but last, or alone (it would allow any program).  The caller frees *p
 * with allow_pattern_free().
 */
int	allow_compile(const char *text, struct allow_pattern *p, char *err,
	    size_t errlen);

void	allow_pattern_free(struct allow_pattern *p);

/* 1 when argv (argc words) matches p, else 0. */
int	allow_match(const struct allow_pattern *p, char *const *argv,
	    size_t argc);

enum allow_split {
	ALLOW_SPLIT_OK = 0,
	ALLOW_SPLIT_BAD,	/* a byte that is neither a word's nor a blank */
	ALLOW_SPLIT_EMPTY,	/* blanks only, or nothing */
	ALLOW_SPLIT_NOMEM
};

/*
 * Splits the command line line[0..len) (a NUL among those bytes is
 * refused like any other) into words, if it is a plain list of them.
 * ALLOW_SPLIT_OK: *argv is one allocation (the NULL-terminated array,
 * then the strings) the caller frees with free(), *argc its words.
 * ALLOW_SPLIT_BAD: *bad is the offset of the first byte refused.
 * Otherwise *argv is NULL.
 */
enum allow_split allow_split(const char *line, size_t len, char ***argv,
		    size_t *argc, size_t *bad);

/*
 * The byte allow_split() refused, named for a person: "a newline", "';'",
 * "the byte 0x00".  Returns a constant or buf (len bytes, 16 will do).
 */
const char	*allow_byte_name(char byte, char *buf, size_t len);

#endif
