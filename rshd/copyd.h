/*
 * copyd: rcp's server side, rshd run again by the copy request's plan as
 * the key's account (copyreq.h): it receives or sends one copy stream on
 * stdin or stdout, within the copy= roots rshd put in its arguments.
 */
#ifndef RSHD_COPYD_H
#define RSHD_COPYD_H

/*
 * argv[0] is COPYREQ_FLAG; then "-R ROOT"... "--", then the client's words:
 * -t|-f [-r] [-p] [-s] [-d] -- PATH...  Returns the exit status: 0 all
 * copied, 1 some entry failed (said on stderr), 2 the copy could not
 * start or its stream was malformed.
 */
int	copyd_main(int argc, char **argv);

#endif
