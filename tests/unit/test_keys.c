/*
 * test_keys: key files load as protocol-v1.md "Keys and names" says, and
 * every malformed or loosely protected file is refused with a message
 * naming the file, and the line when there is one.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"

#include "check.h"
#include "keyfile.h"

/* The vectors' PSK (vectors-v1.json: psk, psk_base64). */
#define VEC_B64	"+wskgmzTqv4DAxlS2WtRB9GRVOyZrcxVFXkMV+7i1Ho="
#define B64_2	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define B64_3	"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="

static const unsigned char vec_psk[32] = {
	0xfb, 0x0b, 0x24, 0x82, 0x6c, 0xd3, 0xaa, 0xfe, 0x03, 0x03, 0x19,
	0x52, 0xd9, 0x6b, 0x51, 0x07, 0xd1, 0x91, 0x54, 0xec, 0x99, 0xad,
	0xcc, 0x55, 0x15, 0x79, 0x0c, 0x57, 0xee, 0xe2, 0xd4, 0x7a,
};

static void
test_client_file(void)
{
	struct keyring *kr;
	const struct key *k;
	char err[256];

	kr = load_text("# client keys\n"
	    "\n"
	    "   \t\n"
	    "ops " VEC_B64 " web*.example.com db1\n"
	    "  backup\t" B64_2 "  *.BACKUP.example   # the backup hosts\r\n"
	    "# the rest\n"
	    "all " B64_3, KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL);
	if (kr == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_EQ(keys_count(kr), 3);
	k = keys_find_id(kr, "ops", 3, NULL, 0);
	CHECK(k != NULL && k->idlen == 3 && strcmp(k->id, "ops") == 0);
	CHECK(k != NULL && memcmp(k->psk, vec_psk, 32) == 0);
	CHECK(k != NULL && k->options == NULL && k->patterns != NULL &&
	    strcmp(k->patterns[0], "web*.example.com") == 0 &&
	    strcmp(k->patterns[1], "db1") == 0 && k->patterns[2] == NULL);
	CHECK(keys_find_id(kr, "op", 2, NULL, 0) == NULL);
	CHECK(keys_find_id(kr, "opsx", 4, NULL, 0) == NULL);
	CHECK(keys_find_id(kr, "OPS", 3, NULL, 0) == NULL);	/* byte for byte */
	k = keys_find_id(kr, "backup", 6, NULL, 0);
	/* Lowercased, and the comment is no pattern. */
	CHECK(k != NULL && k->patterns != NULL &&
	    strcmp(k->patterns[0], "*.backup.example") == 0 &&
	    k->patterns[1] == NULL);
	k = keys_find_id(kr, "all", 3, NULL, 0);
	CHECK(k != NULL && k->patterns == NULL && k->psk[0] == 0x20 &&
	    k->psk[31] == 0x3f);

	k = keys_find_host(kr, "web3.example.com");
	CHECK(k != NULL && strcmp(k->id, "ops") == 0);
	k = keys_find_host(kr, "db1");
	CHECK(k != NULL && strcmp(k->id, "ops") == 0);
	k = keys_find_host(kr, "x.backup.example");
	CHECK(k != NULL && strcmp(k->id, "backup") == 0);
	k = keys_find_host(kr, "db2");
	CHECK(k != NULL && strcmp(k->id, "all") == 0);
	k = keys_find_host(kr, "web3.example.com.evil");
	CHECK(k != NULL && strcmp(k->id, "all") == 0);
	keys_free(kr);
}

static void
test_first_match(void)
{
	struct keyring *kr;
	const struct key *k;
	char err[256];

	kr = load_text("a " VEC_B64 " web3 web4\n"
	    "b " B64_2 " web*\n"
	    "a " B64_3 "\n", KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL);	/* one id twice is fine for a client */
	if (kr == NULL)
		return;
	k = keys_find_host(kr, "web3");
	CHECK(k != NULL && memcmp(k->psk, vec_psk, 32) == 0);
	k = keys_find_host(kr, "web5");
	CHECK(k != NULL && strcmp(k->id, "b") == 0);
	k = keys_find_host(kr, "db1");
	CHECK(k != NULL && strcmp(k->id, "a") == 0 && k->psk[0] == 0x20);
	keys_free(kr);

	kr = load_text("a " VEC_B64 " web3\n", KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL && keys_find_host(kr, "web4") == NULL);
	keys_free(kr);

	/* An empty file loads and holds nothing. */
	kr = load_text("# nothing yet\n", KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL && keys_count(kr) == 0);
	CHECK(kr != NULL && keys_find_host(kr, "web3") == NULL);
	keys_free(kr);
	keys_free(NULL);
}

static void
test_server_file(void)
{
	struct keyring *kr;
	const struct key *k;
	char err[256];

	kr = load_text("ops@example " VEC_B64 "  from=10.0.0.0/8 command=\"x y\""
	    "  \t\n"
	    "deploy-1 " B64_2 "\n"
	    "back.up " B64_3 " # just a comment\n", KEYS_SERVER, err,
	    sizeof(err));
	CHECK(kr != NULL);
	if (kr == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_EQ(keys_count(kr), 3);
	k = keys_find_id(kr, "ops@example", 11, NULL, 0);
	CHECK(k != NULL && memcmp(k->psk, vec_psk, 32) == 0);
	CHECK(k != NULL && k->patterns == NULL && k->options != NULL &&
	    strcmp(k->options, "from=10.0.0.0/8 command=\"x y\"") == 0);
	k = keys_find_id(kr, "deploy-1", 8, NULL, 0);
	CHECK(k != NULL && k->options == NULL);
	k = keys_find_id(kr, "back.up", 7, NULL, 0);
	CHECK(k != NULL && k->options == NULL);
	keys_free(kr);

	expect_refusal("ops " VEC_B64 "\n"
	    "# a comment\n"
	    "ops " B64_2 "\n", KEYS_SERVER,
	    ":3: key id ops is already on line 1");
}

static void
test_bad_lines(void)
{
	const char *idmsg = ":1: a key id is 1 to 64 characters from "
	    "A-Z a-z 0-9 . _ @ -";

	/* 43 and 45 characters, and 44 that are not 32 bytes. */
	expect_refusal("ops +wskgmzTqv4DAxlS2WtRB9GRVOyZrcxVFXkMV+7i1Ho\n",
	    KEYS_CLIENT, ":1: key is not 44 characters of base64");
	expect_refusal("# two\n\nops " VEC_B64 "=\n", KEYS_SERVER,
	    ":3: key is not 44 characters of base64");
	expect_refusal("ops +wskgmzTqv4DAxlS2WtRB9GRVOyZrcxVFXkMV+7i1Hoo\n",
	    KEYS_CLIENT, ":1: key is not base64 for 32 bytes");
	expect_refusal("ops +wskgmzTqv4DAxlS2WtRB9GRVOyZrcxVFXkMV+7i1H==\n",
	    KEYS_CLIENT, ":1: key is not base64 for 32 bytes");
	expect_refusal("ops +wskgmzTqv4DAxlS2WtRB9GRVOyZrcxVFXkMV+7i1H!=\n",
	    KEYS_CLIENT, ":1: key is not base64 for 32 bytes");
	expect_refusal("ops -wskgmzTqv4DAxlS2WtRB9GRVOyZrcxVFXkMV_7i1Ho=\n",
	    KEYS_SERVER, ":1: key is not base64 for 32 bytes");
	expect_refusal("ops\n", KEYS_CLIENT, ":1: key id ops has no key");
	expect_refusal("ops   # no key\n", KEYS_SERVER,
	    ":1: key id ops has no key");
	expect_refusal("op$s " VEC_B64 "\n", KEYS_CLIENT, idmsg);
	expect_refusal("op/s " VEC_B64 "\n", KEYS_SERVER, idmsg);
	expect_refusal("\xc3\xa9 " VEC_B64 "\n", KEYS_SERVER, idmsg);
	expect_refusal(" ops" VEC_B64 "\n", KEYS_CLIENT, idmsg);
	expect_refusal("ok " VEC_B64 "\n\n\n#\nops " B64_2 "x\n",
	    KEYS_CLIENT, ":5: key is not 44 characters of base64");
}

static void
test_id_lengths(void)
{
	struct keyring *kr;
	char line[256], err[256];

	memset(line, 'k', 64);
	snprintf(line + 64, sizeof(line) - 64, " %s\n", VEC_B64);
	kr = load_text(line, KEYS_SERVER, err, sizeof(err));
	CHECK(kr != NULL && keys_count(kr) == 1);
	CHECK(kr != NULL && keys_find_id(kr, line, 64, NULL, 0) != NULL);
	keys_free(kr);

	memset(line, 'k', 65);
	snprintf(line + 65, sizeof(line) - 65, " %s\n", VEC_B64);
	expect_refusal(line, KEYS_CLIENT, ":1: a key id is 1 to 64 "
	    "characters from A-Z a-z 0-9 . _ @ -");

	CHECK_EQ(keys_id_valid("a", 1), 1);
	CHECK_EQ(keys_id_valid("Az09._@-", 8), 1);
	CHECK_EQ(keys_id_valid("", 0), 0);
	CHECK_EQ(keys_id_valid("a b", 3), 0);
	CHECK_EQ(keys_id_valid("a\0b", 3), 0);
	CHECK_EQ(keys_id_valid("a+b", 3), 0);
	CHECK_EQ(keys_id_valid("a:b", 3), 0);
	CHECK_EQ(keys_id_valid(line, 64), 1);
	CHECK_EQ(keys_id_valid(line, 65), 0);
}

/* A NUL inside the file is refused, not silently cut short. */
static void
test_nul(void)
{
	static const char text[] = "ok " VEC_B64 "\nops\0 " VEC_B64 "\n";
	struct keyring *kr;
	char err[256], want[256];

	put_file(text, sizeof(text) - 1, 0600);
	kr = keys_load(path, KEYS_CLIENT, err, sizeof(err));
	CHECK(kr == NULL);
	snprintf(want, sizeof(want), "%s:2: line holds a NUL byte", path);
	CHECK(kr == NULL && strcmp(err, want) == 0);
	keys_free(kr);
}

static void
expect_mode(mode_t mode, int kind, const char *words)
{
	struct keyring *kr;
	char err[512], want[512];

	put_file("ops " VEC_B64 "\n", 49, mode);
	err[0] = '\0';
	kr = keys_load(path, kind, err, sizeof(err));
	if (words == NULL) {
		CHECK(kr != NULL && keys_count(kr) == 1);
		keys_free(kr);
		return;
	}
	snprintf(want, sizeof(want), "%s %s is %s; refusing it",
	    kind == KEYS_SERVER ? "keys file" : "key file", path, words);
	CHECK(kr == NULL);
	if (strcmp(err, want) == 0) {
		check_pass++;
	} else {
		check_fail++;
		fprintf(stderr, "mode %04o: \"%s\", want \"%s\"\n",
		    (unsigned)mode, err, want);
	}
	keys_free(kr);
}

static void
test_perms(void)
{
	struct keyring *kr;
	char err[512], want[512], link[160];

	expect_mode(0600, KEYS_SERVER, NULL);
	expect_mode(0400, KEYS_CLIENT, NULL);
	expect_mode(0700, KEYS_CLIENT, NULL);
	expect_mode(0640, KEYS_SERVER, "readable by group");
	expect_mode(0604, KEYS_SERVER, "readable by others");
	expect_mode(0620, KEYS_CLIENT, "writable by group");
	expect_mode(0602, KEYS_CLIENT, "writable by others");
	expect_mode(0610, KEYS_CLIENT, "executable by group");
	expect_mode(0666, KEYS_SERVER, "writable by others");
	expect_mode(0660, KEYS_SERVER, "writable by group");

	/* A symlink is followed; the file it reaches is what is judged. */
	put_file("ops " VEC_B64 "\n", 49, 0600);
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	CHECK_EQ(symlink(path, link), 0);
	kr = keys_load(link, KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL && keys_count(kr) == 1);
	keys_free(kr);
	CHECK_EQ(chmod(path, 0644), 0);
	kr = keys_load(link, KEYS_CLIENT, err, sizeof(err));
	snprintf(want, sizeof(want), "key file %s is readable by others; "
	    "refusing it", link);
	CHECK(kr == NULL && strcmp(err, want) == 0);
	unlink(link);

	if (geteuid() == 0) {
		put_file("ops " VEC_B64 "\n", 49, 0600);
		CHECK_EQ(chown(path, 1001, 1001), 0);
		kr = keys_load(path, KEYS_SERVER, err, sizeof(err));
		snprintf(want, sizeof(want), "keys file %s is owned by uid "
		    "1001, not you or root; refusing it", path);
		CHECK(kr == NULL && strcmp(err, want) == 0);
		if (kr == NULL && strcmp(err, want) != 0)
			fprintf(stderr, "%s\n", err);
	}

	/* Not a regular file: a directory, a FIFO (without hanging). */
	kr = keys_load(tmpdir, KEYS_SERVER, err, sizeof(err));
	snprintf(want, sizeof(want), "keys file %s is not a regular file; "
	    "refusing it", tmpdir);
	CHECK(kr == NULL && strcmp(err, want) == 0);
	unlink(path);
	CHECK_EQ(mkfifo(path, 0600), 0);
	kr = keys_load(path, KEYS_CLIENT, err, sizeof(err));
	snprintf(want, sizeof(want), "key file %s is not a regular file; "
	    "refusing it", path);
	CHECK(kr == NULL && strcmp(err, want) == 0);
	unlink(path);

	kr = keys_load(path, KEYS_CLIENT, err, sizeof(err));
	snprintf(want, sizeof(want), "key file %s: %s", path,
	    strerror(ENOENT));
	CHECK(kr == NULL && strcmp(err, want) == 0);
	/* A small err buffer is cut, not overrun. */
	memset(err, 'X', sizeof(err));
	kr = keys_load(path, KEYS_CLIENT, err, 8);
	CHECK(kr == NULL && strcmp(err, "key fil") == 0 && err[8] == 'X');
}

static void
test_generate(void)
{
	struct keyring *kr;
	const struct key *k;
	char line[128], line2[128], err[256], b64[64];
	uint8_t psk[32];

	CHECK_EQ(keys_generate_line("ops@example", 0, line, sizeof(line)), 0);
	CHECK_EQ(strlen(line), 11 + 1 + 44 + 1);
	CHECK(strncmp(line, "ops@example ", 12) == 0);
	CHECK(line[55] == '=' && line[56] == '\n');
	CHECK_EQ(keys_generate_line("ops@example", 0, line2, sizeof(line2)), 0);
	CHECK(strcmp(line, line2) != 0);	/* fresh every time */

	/* Round trip: the line is a valid line of either file. */
	kr = load_text(line, KEYS_SERVER, err, sizeof(err));
	CHECK(kr != NULL && keys_count(kr) == 1);
	k = kr != NULL ? keys_find_id(kr, "ops@example", 11, NULL, 0) : NULL;
	CHECK(k != NULL);
	if (k != NULL) {
		memcpy(psk, k->psk, sizeof(psk));
		CHECK_EQ(crypto_b64encode(b64, sizeof(b64), psk, 32), 0);
		CHECK(strncmp(line + 12, b64, 44) == 0);
	}
	keys_free(kr);
	kr = load_text(line, KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL && keys_find_host(kr, "anyhost") != NULL);
	keys_free(kr);

	CHECK_EQ(keys_generate_line("ops@example", 0, line, 57), -1);
	CHECK_EQ(keys_generate_line("ops@example", 0, line, 58), 0);
	CHECK_EQ(keys_generate_line("bad id", 0, line, sizeof(line)), -1);
	CHECK_EQ(keys_generate_line("", 0, line, sizeof(line)), -1);
	memset(line, 'k', 65);
	line[65] = '\0';
	CHECK_EQ(keys_generate_line(line, 0, line2, sizeof(line2)), -1);
	line[64] = '\0';
	CHECK_EQ(keys_generate_line(line, 0, line2, sizeof(line2)), 0);
}

int
main(void)
{
	keyfile_open("test_keys");
	test_client_file();
	test_first_match();
	test_server_file();
	test_bad_lines();
	test_id_lengths();
	test_nul();
	test_perms();
	test_generate();
	keyfile_close();
	return check_done("test_keys");
}
