/* logbuf.h - the live logs' bounded buffer: the newest N lines (default 1,000,000) of one or
 * several attempts' logs with their level and timestamp parsed from weaver's log line format
 * ("2024-01-02T03:04:05.678Z LEVEL text"), a filter (POSIX extended regex, optionally
 * inverted, plus a minimum level) maintained incrementally as lines arrive, and search
 * (next/previous match of another regex). Views read lines by filtered index. Pure logic (no
 * curses); TUI thread only. */
#ifndef TUI_LOGBUF_H
#define TUI_LOGBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/log.h"

struct tui_logline {
    const char *text;   /* the message (after timestamp and level), NUL-terminated */
    const char *ts;     /* the timestamp text or "" */
    const char *source; /* what it came from ("sync_acme#1"), or "" */
    enum wv_level level;
    uint64_t seq;       /* global line number since the buffer was created */
};

struct tui_logbuf;

/* A buffer keeping the newest max_lines lines (0 = 1,000,000). Caller frees. */
struct tui_logbuf *tui_logbuf_new(size_t max_lines);
void tui_logbuf_free(struct tui_logbuf *b);
/* Drops every line (keeps the filter). */
void tui_logbuf_clear(struct tui_logbuf *b);

/* Appends text (one or several '\n'-separated lines; a partial last line is kept until its
 * end arrives, per source) from source (borrowed, copied). */
void tui_logbuf_append(struct tui_logbuf *b, const char *source, const char *text, size_t len);

/* Sets the filter: regex (NULL or "" = none) matched against the message, invert keeps the
 * lines that do NOT match, min_level hides lower levels. A bad regex fails with the regcomp
 * message and leaves the filter as it was. */
int tui_logbuf_filter(struct tui_logbuf *b, const char *regex, bool invert,
                      enum wv_level min_level, struct wv_error *err);

/* Lines passing the filter, and the i-th of them (0 = oldest kept); NULL past the end. */
size_t tui_logbuf_count(const struct tui_logbuf *b);
const struct tui_logline *tui_logbuf_line(const struct tui_logbuf *b, size_t i);
/* Total lines kept and lines dropped off the front since creation. */
size_t tui_logbuf_total(const struct tui_logbuf *b);
uint64_t tui_logbuf_dropped(const struct tui_logbuf *b);

/* Search: sets the pattern (NULL clears); next/prev return the filtered index of the next
 * match after/before from (wrapping), or -1. */
int tui_logbuf_search(struct tui_logbuf *b, const char *regex, struct wv_error *err);
long tui_logbuf_search_next(const struct tui_logbuf *b, size_t from, bool backwards);
/* Whether filtered line i matches the search (for highlighting). */
bool tui_logbuf_is_match(const struct tui_logbuf *b, size_t i);

#endif
