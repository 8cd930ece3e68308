/*
 * test_fleet: fleet keys (PROTOCOL.md, "Fleet keys").  The derivation
 * reproduces fleet-v1.json's vectors byte for byte; a client's fleet line
 * gives each server name its own key; a server's name= lines are found
 * by id and name only, and a repeated id and name is refused naming both
 * lines.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyname.h"
#include "keys.h"
#include "netio.h"

#include "check.h"
#include "vec.h"
/* After vec.h, whose parameters are named path too. */
#include "keyfile.h"

#define B64_2	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define B64_3	"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="

/* Every server of the vectors: its typed name made canonical as rsh
 * makes it, and the key derived for that name. */
static void
test_vectors(const char *json)
{
	uint8_t		 fleet[32], want[32], got[32];
	char		 p[64], typed[300], name[300], canon[300], b64[64];
	char		 line[256], err[512];
	struct keyring	*kr;
	struct key	 k;
	int		 i;

	CHECK_EQ(vec_hex(json, "fleet_key", fleet, sizeof(fleet)), 32);
	CHECK_EQ(vec_str(json, "fleet_key_base64", b64, sizeof(b64)), 44);
	snprintf(line, sizeof(line), "ops fleet:%s *.example.com\n"
	    "other " B64_2 " never\nops fleet:%s\n", b64, b64);
	kr = load_text(line, KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL);
	for (i = 0; kr != NULL; i++) {
		snprintf(p, sizeof(p), "servers/%d/typed", i);
		if (vec_str(json, p, typed, sizeof(typed)) < 0) {
			break;
		}
		snprintf(p, sizeof(p), "servers/%d/name", i);
		CHECK(vec_str(json, p, name, sizeof(name)) > 0);
		snprintf(p, sizeof(p), "servers/%d/key", i);
		CHECK_EQ(vec_hex(json, p, want, sizeof(want)), 32);
		CHECK_EQ(netio_name_canon(typed, canon, sizeof(canon)), 0);
		CHECK(strcmp(canon, name) == 0);
		CHECK_EQ(keyname_derive(got, fleet, name, strlen(name)), 0);
		CHECK_MEM(got, want, 32);
		/* The client's one place: the line matching the name. */
		CHECK(keyname_host_key(kr, name, &k) == &k);
		CHECK(strcmp(k.id, "ops") == 0 && k.fleet);
		CHECK_MEM(k.psk, want, 32);
		crypto_wipe(&k, sizeof(k));
	}
	CHECK(i >= 3);
	keys_free(kr);
}

static void
test_client_lines(void)
{
	struct keyring		*kr;
	const struct key	*k;
	struct key		 a, b;
	char			 err[512];

	/* Patterns work on a fleet line as on any other. */
	kr = load_text("plain " B64_3 " db*\nops fleet:" B64_2 " web*\n",
	    KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL);
	if (kr == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	if ((k = keys_find_host(kr, "web1")) == NULL) {
		CHECK(k != NULL);
		keys_free(kr);
		return;
	}
	CHECK(k->fleet && strcmp(k->patterns[0], "web*") == 0);
	CHECK(keyname_host_key(kr, "web1", &a) != NULL);
	CHECK(keyname_host_key(kr, "web2", &b) != NULL);
	CHECK(memcmp(a.psk, b.psk, 32) != 0);	/* a key of each name */
	CHECK(memcmp(a.psk, k->psk, 32) != 0);	/* never the fleet key */
	CHECK(a.patterns == NULL && a.options == NULL);
	/* A plain line's key is its own. */
	CHECK(keyname_host_key(kr, "db1", &a) != NULL && !a.fleet &&
	    a.psk[0] == 0x20);
	errno = 0;
	CHECK(keyname_host_key(kr, "mail", &a) == NULL && errno == ENOENT);
	keys_free(kr);

	/* Made by keys_generate_line, read back as a fleet line. */
	CHECK_EQ(keys_generate_line("ops", 1, err, sizeof(err)), 0);
	CHECK(strncmp(err, "ops fleet:", 10) == 0 && strlen(err) == 55);
	kr = load_text(err, KEYS_CLIENT, err, sizeof(err));
	CHECK(kr != NULL && keys_at(kr, 0)->fleet);
	keys_free(kr);

	/* A fleet key never goes on a server. */
	expect_refusal("ops fleet:" B64_2 "\n", KEYS_SERVER, ":1: key id ops "
	    "is a fleet key, which belongs in a client's key file only; give "
	    "this server the line rsh --derive NAME prints");
	expect_refusal("ops fleet:\n", KEYS_CLIENT, ":1: key id ops has no "
	    "key");
}

static void
test_server_names(void)
{
	struct keyring		*kr;
	const struct key	*k;
	char			 err[512];

	kr = load_text("ops " B64_2 " name=web1,user=root\n"
	    "ops " B64_3 " user=root,name=\"2001:db8::17\"\n"
	    "cmd " B64_2 " command=\"echo name=web1,x\"\n"
	    "any " B64_3 "\n", KEYS_SERVER, err, sizeof(err));
	CHECK(kr != NULL);
	if (kr == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	k = keys_find_id(kr, "ops", 3, "web1", 4);
	CHECK(k != NULL && k->psk[0] == 0x00 && strcmp(k->name, "web1") == 0);
	k = keys_find_id(kr, "ops", 3, "2001:db8::17", 12);
	CHECK(k != NULL && k->psk[0] == 0x20);
	/* Another name, a prefix, a longer one, none: no key. */
	CHECK(keys_find_id(kr, "ops", 3, "web2", 4) == NULL);
	CHECK(keys_find_id(kr, "ops", 3, "web", 3) == NULL);
	CHECK(keys_find_id(kr, "ops", 3, "web10", 5) == NULL);
	CHECK(keys_find_id(kr, "ops", 3, "web1\0", 5) == NULL);
	CHECK(keys_find_id(kr, "ops", 3, NULL, 0) == NULL);
	/* A name= inside a quoted value is no name=. */
	k = keys_find_id(kr, "cmd", 3, "db9", 3);
	CHECK(k != NULL && k->namelen == 0);
	/* A line without name= serves every name. */
	CHECK(keys_find_id(kr, "any", 3, "web1", 4) != NULL);
	CHECK(keys_find_id(kr, "any", 3, "x", 1) != NULL);
	keys_free(kr);

	expect_refusal("ops " B64_2 " name=web1\n# \n"
	    "ops " B64_3 " user=x,name=web1\n", KEYS_SERVER,
	    ":3: key id ops for name web1 is already on line 1");
	expect_refusal("ops " B64_2 "\nops " B64_3 " name=web1\n",
	    KEYS_SERVER, ":2: key id ops is already on line 1 (a line "
	    "without name= serves every name)");
	expect_refusal("ops " B64_2 " name=Web1.\n", KEYS_SERVER,
	    ":1: name=Web1. is not in the form clients send it; write "
	    "name=web1");
	expect_refusal("ops " B64_2 " name=web1,name=web2\n", KEYS_SERVER,
	    ":1: option 'name' given twice");
	expect_refusal("ops " B64_2 " name=\n", KEYS_SERVER,
	    ":1: option 'name' wants a server name of 1 to 255 bytes");
	expect_refusal("ops " B64_2 " name=a/b\n", KEYS_SERVER,
	    ":1: name=a/b is not a host name or address");
}

int
main(void)
{
	char *json;

	if ((json = vec_load("fleet-v1.json")) == NULL) {
		fprintf(stderr, "test_fleet: cannot read fleet-v1.json (run "
		    "from tests/vectors)\n");
		return 2;
	}
	keyfile_open("test_fleet");
	test_vectors(json);
	test_client_lines();
	test_server_names();
	keyfile_close();
	free(json);
	return check_done("test_fleet");
}
