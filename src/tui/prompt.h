/* prompt.h - the `:` command prompt's line editor: editing (left/right, home/end, C-a/C-e,
 * C-u, C-w, backspace/delete), history (up/down, bounded, no consecutive duplicates), and Tab
 * completion against a word list (the command table's words, then names of connections,
 * flows, sources, themes): a unique match completes, several complete their common prefix and
 * a second Tab cycles through them. Pure logic (no curses); TUI thread only. */
#ifndef TUI_PROMPT_H
#define TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#define TUI_PROMPT_MAX 1024
#define TUI_HISTORY_MAX 200

enum tui_prompt_result { TUI_PROMPT_EDIT, TUI_PROMPT_SUBMIT, TUI_PROMPT_CANCEL };

struct tui_prompt {
    char line[TUI_PROMPT_MAX];
    size_t len, cursor;
    char *history[TUI_HISTORY_MAX]; /* oldest first (owned) */
    size_t n_history;
    long hist_pos;                  /* -1: editing a new line */
    char saved[TUI_PROMPT_MAX];     /* the new line while browsing history */
    /* completion state */
    char **cands;
    size_t n_cands, cand_pos;
    bool cycling;
};

/* Completion candidates for the word being typed: words is called with the line's words
 * before the cursor's word and returns candidates (borrowed until the next call). */
typedef size_t (*tui_complete_fn)(void *ctx, char **words, size_t n_words, const char *prefix,
                                  const char ***out);

void tui_prompt_init(struct tui_prompt *p);
void tui_prompt_done(struct tui_prompt *p);
/* Clears the line for a new command. */
void tui_prompt_reset(struct tui_prompt *p);
/* Handles a key (curses codes: KEY_LEFT, KEY_BACKSPACE, 127, '\t', '\n', 27 ...); on SUBMIT
 * the line is added to the history. complete may be NULL. */
enum tui_prompt_result tui_prompt_key(struct tui_prompt *p, int key, tui_complete_fn complete,
                                      void *ctx);
/* Splits a command line into words (double quotes group, backslash escapes); returns the count
 * (at most max) and writes malloc'd words (caller frees each). */
size_t tui_prompt_split(const char *line, char **words, size_t max);

#endif
