/*
 * rcp: copies files to or from hosts (rcp(1)).  The rsh binary run
 * under the name rcp: it makes rsh's connection in its own process (the
 * same options, configuration and keys; through an rsh child when a
 * master serves the host) with `rsh-copy` as the command, and sends or
 * receives the copy stream over that command's stdin or stdout
 * (docs/PROTOCOL.md, "Copying files").
 */
#ifndef RSH_RCP_H
#define RSH_RCP_H

/* 1 when the program was run as rcp or rcp.psk (argv0's last component;
 * rcp.psk is the Debian package's name, beside BSD's rcp). */
int	rcp_called(const char *argv0);

/* rcp's main: 0 all copied, 1 some file was not, 255 rcp's own failure
 * (usage, connection, a malformed or hostile stream). */
int	rcp_main(int argc, char **argv);

#endif
