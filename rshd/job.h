/*
 * job: one running command, whatever carries it (a TCP session, a UDP
 * worker, later a PTY session).  It owns the child, its pipes and pidfd,
 * the stdin queue and credit, the drain and OUTPUT_CUT rules, the time
 * limit and the stop sequence, and knows nothing of sockets or records:
 * it reports to a sink.  A command on a pseudo-terminal is the same job:
 * the terminal's master is its stdout (the terminal merges stderr) and,
 * duplicated, its stdin.  It is driven by a loop it does not own
 * (job_pollfds, job_events, job_timeout) and never sleeps or blocks:
 * stopping a group is a sequence of timers.
 *
 * Life: job_new, then job_run or job_refuse.  The sink hears started
 * (or error), output, errors, and exactly one exit.  After exit the job
 * may still be stopping what the command left behind; the owner keeps
 * driving it until job_done(), then job_free().
 */
#ifndef RSHD_JOB_H
#define RSHD_JOB_H

#include <sys/types.h>

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "exec.h"

#define JOB_NPOLL	4	/* pollfds a job uses at most */

enum job_stream { JOB_STDOUT = 0, JOB_STDERR = 1 };

/*
 * Where a job reports.  Every call returns 0, or -1 when the sink cannot
 * take it (the job's owner then aborts the job).  ctx is the owner's.
 */
struct job_sink {
	/*
	 * Room for output from stream: a place for up to *len bytes (the
	 * job asks for WIRE_MAXPAYLOAD and the sink may lower it, never to
	 * 0), or NULL when the sink has no room now: the job then stops
	 * reading that stream until room() says so.
	 */
	uint8_t	*(*reserve)(void *ctx, enum job_stream, size_t *len);
	/* n bytes were written at what reserve() returned. */
	int	 (*commit)(void *ctx, enum job_stream, uint8_t *p, size_t n);
	/* 1 when reserve() would give room. */
	int	 (*room)(void *ctx);
	int	 (*started)(void *ctx, pid_t pid, uint32_t window);
	/* More stdin credit (never 0); NULL when the carrier has none. */
	int	 (*window)(void *ctx, uint32_t more);
	int	 (*error)(void *ctx, uint16_t code, const char *text);
	int	 (*exited)(void *ctx, int how, int code, uint64_t elapsed_us);
};

struct job_limits {
	uint32_t	stdin_window;	/* credit when the command has stdin */
	int		drain_grace_ms;
	int		kill_grace_ms;
	long long	time_limit_ms;	/* 0: none */
	int		audit_required;	/* AuditRequired: no start record,
					 * no command */
};

struct job;

/*
 * A job that reports to sink with ctx, logs as tag (the peer), and counts
 * its elapsed time from t_start_us (monotonic, when the request arrived).
 * NULL when memory runs out.
 */
struct job	*job_new(const struct job_sink *sink, void *ctx,
		    const struct job_limits *lim, const char *tag,
		    uint64_t t_start_us);

/*
 * Has the privileged part judge the EXEC a and start it, on this
 * thread's channel, and writes the audit start record with what it
 * planned.  The sink hears started(); or, when it is refused, error(the
 * refusal's) and exited(2, its code); when it cannot start,
 * error(EXEC_FAILED) and exited(2, 126, 127 or 255: a lack of resources
 * is 255, never "not executable").  With audit_required, the start
 * record is written between the judgement and the start (two requests,
 * not one), and one that cannot be written refuses the command before
 * anything runs (error(INTERNAL), exited(2, 255)).  Returns what the
 * sink returned.
 */
struct priv_ask;
int	job_run(struct job *, const struct priv_ask *a);

/* A request that will not run: error(err, text), exited(2, code). */
int	job_refuse(struct job *, uint16_t err, const char *text, int code);

/*
 * Standard input within the credit: 0, or -1 for a protocol error (beyond
 * the credit, or after job_stdin_eof) that the owner logs and closes on.
 * Data for a command that closed its stdin is dropped and credited.
 */
int	job_stdin(struct job *, const uint8_t *p, size_t len);
/* The command's stdin ends once what is queued is written. */
void	job_stdin_eof(struct job *);

/* A new size for a command's terminal (WINCH); nothing without one. */
void	job_resize(struct job *, uint16_t rows, uint16_t cols);

/* Sends sig to the command's group while it runs (before exit). */
void	job_signal(struct job *, int sig);

/*
 * The server is stopping: the command has grace_ms to finish, then TERM,
 * KILL after its kill grace; the sink hears error(SHUTDOWN) at each step.
 * A command that has exited while its output still drains has its
 * group (and cgroup) stopped at once.  Returns what the sink returned.
 */
int	job_shutdown(struct job *, int grace_ms);

/*
 * The carrier is gone (connection lost, BYE, protocol error): the sink
 * is forgotten at once and hears nothing more; a command still running
 * is stopped with its whole group (TERM, the grace, KILL), its stdin held
 * open until the group is gone.
 */
void	job_abort(struct job *);

/* Fills pfd[0..JOB_NPOLL) (unused entries get fd -1). */
void	job_pollfds(const struct job *, struct pollfd *pfd);
/* Acts on what poll() said and on due timers: 0, or -1 when the sink
 * failed (the owner then aborts the job). */
int	job_events(struct job *, const struct pollfd *pfd);
/* Milliseconds until the next timer, or -1 for none. */
int	job_timeout(const struct job *);

/* 1 until the sink has heard exited(). */
int	job_running(const struct job *);
/* 1 once nothing is left: the group is gone and every fd closed. */
int	job_done(const struct job *);
/* The command's pid, 0 before it started. */
pid_t	job_pid(const struct job *);

struct audit_rec;

/* The job keeps r (it frees it) and writes its start record in
 * job_run(), and its exit or refused record when the command ends.
 * NULL does nothing. */
void	job_set_audit(struct job *, struct audit_rec *r);
/* The job's audit record, or NULL. */
struct audit_rec *job_audit(struct job *);

/* Frees a job; one not yet done is aborted and stopped here first,
 * blocking up to its grace plus 2 s (for owners that are exiting).
 * NULL does nothing. */
void	job_free(struct job *);

#endif
