/*
 * One line per event on stderr (journald-friendly).
 */
#ifndef QCD_LOG_H
#define QCD_LOG_H

#include <stdarg.h>

void	log_init(int debug);
/* The warn forms append strerror(errno). */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits 1: only for start-up failures and broken invariants. */
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
