/*
 * copywire: the copy stream's pure codec (docs/PROTOCOL.md, "The copy
 * stream"): the records rcp and rshd's copy helper exchange over a
 * command's stdin or stdout.  No files, no printing.
 */
#ifndef RSH_COPYWIRE_H
#define RSH_COPYWIRE_H

#include <stddef.h>
#include <stdint.h>

#define COPYWIRE_MAGIC		"rcp1"
#define COPYWIRE_MAGICLEN	4
#define COPYWIRE_CHUNK		65536	/* a 'D' record's most data */
#define COPYWIRE_NAMEMAX	255
#define COPYWIRE_LINKMAX	4095
#define COPYWIRE_TEXTMAX	1024
#define COPYWIRE_DEPTH		64	/* directories nested */
/* The largest record header ('l' with the longest name and target). */
#define COPYWIRE_HDRMAX	(1 + 8 + 4 + 2 + COPYWIRE_NAMEMAX + 2 + \
			 COPYWIRE_LINKMAX)

enum copywire_type {
	CW_FILE = 'F',		/* mode mtime nsec size name */
	CW_DATA = 'D',		/* len, then len bytes of data */
	CW_FEND = 'E',		/* status: 0 the file is complete */
	CW_DIR = 'd',		/* mode mtime nsec name */
	CW_UP = 'u',		/* the directory's end */
	CW_LINK = 'l',		/* mtime nsec name target */
	CW_ERR = 'e',		/* text: an entry the source could not send */
	CW_END = 'z'		/* the stream's end */
};

enum copywire_status {
	COPYWIRE_OK = 0,
	COPYWIRE_INCOMPLETE,	/* not enough bytes yet */
	COPYWIRE_BAD		/* malformed: why says how */
};

/* One decoded record header; name and text point into the input. */
struct copywire_rec {
	int		 type;
	uint32_t	 mode;
	int64_t		 mtime;
	uint32_t	 nsec;
	uint64_t	 size;		/* 'F' */
	uint32_t	 len;		/* 'D': data bytes after the header */
	uint8_t		 status;	/* 'E' */
	const uint8_t	*name;
	size_t		 namelen;
	const uint8_t	*text;		/* 'l': the target; 'e': the text */
	size_t		 textlen;
};

/*
 * Decodes the record header at p (have bytes).  COPYWIRE_OK with *r and
 * *used (the header's bytes; a 'D' record's data follows and is not
 * counted), COPYWIRE_INCOMPLETE, or COPYWIRE_BAD with a sentence in *why.
 * Names are checked with copywire_name_ok, every length against its
 * limit.
 */
enum copywire_status copywire_decode(const uint8_t *p, size_t have,
		    struct copywire_rec *r, size_t *used, const char **why);

/*
 * Encoders: each writes one record header at b, which holds at least
 * COPYWIRE_HDRMAX bytes, and returns its length.  Lengths are the
 * caller's to keep within the limits above.
 */
size_t	copywire_put_file(uint8_t *b, uint32_t mode, int64_t mtime,
	    uint32_t nsec, uint64_t size, const char *name, size_t namelen);
size_t	copywire_put_data(uint8_t *b, uint32_t len);
size_t	copywire_put_fend(uint8_t *b, uint8_t status);
size_t	copywire_put_dir(uint8_t *b, uint32_t mode, int64_t mtime,
	    uint32_t nsec, const char *name, size_t namelen);
size_t	copywire_put_link(uint8_t *b, int64_t mtime, uint32_t nsec,
	    const char *name, size_t namelen, const char *target,
	    size_t targetlen);
size_t	copywire_put_err(uint8_t *b, const char *text, size_t len);
size_t	copywire_put_type(uint8_t *b, int type);	/* 'u', 'z' */

/* 1 when name (len bytes) is one path component: 1 to 255 bytes, no '/'
 * or NUL, not "." or "..". */
int	copywire_name_ok(const uint8_t *name, size_t len);

/*
 * The name a path's entry travels under: its last component, trailing
 * slashes ignored ("a/b/" gives "b").  Returns its start in path with its
 * length in *len; *len 0 for "/" or "".
 */
const char	*copywire_basename(const char *path, size_t *len);

#endif
