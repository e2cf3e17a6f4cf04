/* prompt.c - the `:` prompt's line editor: editing keys, bounded history with browse/restore,
 * and Tab completion (unique match, common prefix, then cycling). <curses.h> is included only
 * for the key constants. TUI thread only. */
#include "tui/prompt.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define CTRL(c) ((c)&0x1f)
#define MAX_WORDS 64

/* An empty prompt with no history. */
void tui_prompt_init(struct tui_prompt *p)
{
    memset(p, 0, sizeof *p);
    p->hist_pos = -1;
}

/* Forgets the completion candidates. */
static void cands_clear(struct tui_prompt *p)
{
    for (size_t i = 0; i < p->n_cands; i++)
        free(p->cands[i]);
    free(p->cands);
    p->cands = NULL;
    p->n_cands = p->cand_pos = 0;
    p->cycling = false;
}

/* Frees the history and completion state. */
void tui_prompt_done(struct tui_prompt *p)
{
    cands_clear(p);
    for (size_t i = 0; i < p->n_history; i++)
        free(p->history[i]);
    p->n_history = 0;
}

/* Clears the line (the history stays). */
void tui_prompt_reset(struct tui_prompt *p)
{
    cands_clear(p);
    p->line[0] = '\0';
    p->len = p->cursor = 0;
    p->hist_pos = -1;
    p->saved[0] = '\0';
}

/* Replaces the whole line with s (cursor at its end). */
static void set_line(struct tui_prompt *p, const char *s)
{
    p->len = wv_strlcpy(p->line, s, sizeof p->line);
    if (p->len >= sizeof p->line)
        p->len = sizeof p->line - 1;
    p->cursor = p->len;
}

/* Replaces line[from, to) by s (clipped to the buffer); the cursor goes after s. */
static void splice(struct tui_prompt *p, size_t from, size_t to, const char *s, size_t n)
{
    size_t tail = p->len - to;
    if (from + tail >= TUI_PROMPT_MAX - 1)
        n = 0;
    else if (n > TUI_PROMPT_MAX - 1 - from - tail)
        n = TUI_PROMPT_MAX - 1 - from - tail;
    memmove(p->line + from + n, p->line + to, tail);
    memcpy(p->line + from, s, n);
    p->len = from + n + tail;
    p->line[p->len] = '\0';
    p->cursor = from + n;
}

/* UTF-8 aware cursor steps: continuation bytes are skipped. */
static size_t step_left(const struct tui_prompt *p, size_t i)
{
    if (i == 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)p->line[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The position one character right of i. */
static size_t step_right(const struct tui_prompt *p, size_t i)
{
    if (i >= p->len)
        return p->len;
    i++;
    while (i < p->len && ((unsigned char)p->line[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* Adds line to the history unless empty or equal to the newest entry. */
static void history_add(struct tui_prompt *p, const char *line)
{
    if (!*line)
        return;
    if (p->n_history && strcmp(p->history[p->n_history - 1], line) == 0)
        return;
    if (p->n_history == TUI_HISTORY_MAX) {
        free(p->history[0]);
        memmove(p->history, p->history + 1, (TUI_HISTORY_MAX - 1) * sizeof p->history[0]);
        p->n_history--;
    }
    p->history[p->n_history++] = wv_strdup(line);
}

/* Up: the previous history entry (the new line is saved first). */
static void history_up(struct tui_prompt *p)
{
    if (p->n_history == 0)
        return;
    if (p->hist_pos < 0) {
        wv_strlcpy(p->saved, p->line, sizeof p->saved);
        p->hist_pos = (long)p->n_history - 1;
    } else if (p->hist_pos > 0) {
        p->hist_pos--;
    } else {
        return;
    }
    set_line(p, p->history[p->hist_pos]);
}

/* Down: the next history entry, or the saved new line. */
static void history_down(struct tui_prompt *p)
{
    if (p->hist_pos < 0)
        return;
    if ((size_t)p->hist_pos + 1 < p->n_history) {
        p->hist_pos++;
        set_line(p, p->history[p->hist_pos]);
    } else {
        p->hist_pos = -1;
        set_line(p, p->saved);
    }
}

/* Start of the word the cursor is in (after the last unquoted blank before the cursor). */
static size_t word_start(const struct tui_prompt *p)
{
    size_t start = 0;
    bool quoted = false;
    for (size_t i = 0; i < p->cursor; i++) {
        char c = p->line[i];
        if (c == '\\' && i + 1 < p->cursor) {
            i++;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == ' ' || c == '\t')) {
            start = i + 1;
        }
    }
    return start;
}

/* Writes cand into the line in place of [from, cursor), quoted if it has blanks or quotes,
 * followed by a space when final. */
static void put_word(struct tui_prompt *p, size_t from, const char *cand, size_t n, bool final)
{
    char tmp[TUI_PROMPT_MAX];
    size_t k = 0;
    bool quote = strcspn(cand, " \t\"\\") < n;
    if (quote)
        tmp[k++] = '"';
    for (size_t i = 0; i < n && k + 4 < sizeof tmp; i++) {
        if (quote && (cand[i] == '"' || cand[i] == '\\'))
            tmp[k++] = '\\';
        tmp[k++] = cand[i];
    }
    if (quote && final)
        tmp[k++] = '"';
    if (final)
        tmp[k++] = ' ';
    splice(p, from, p->cursor, tmp, k);
}

/* Handles Tab. */
static void complete_word(struct tui_prompt *p, tui_complete_fn complete, void *ctx)
{
    if (!complete)
        return;
    size_t from = word_start(p);
    if (p->cycling && p->n_cands) {
        const char *c = p->cands[p->cand_pos % p->n_cands];
        p->cand_pos++;
        put_word(p, from, c, strlen(c), false);
        return;
    }
    cands_clear(p);
    char before[TUI_PROMPT_MAX];
    memcpy(before, p->line, from);
    before[from] = '\0';
    char *words[MAX_WORDS];
    size_t n_words = tui_prompt_split(before, words, MAX_WORDS);
    char *cur[1] = {NULL};
    char prefix[TUI_PROMPT_MAX];
    memcpy(prefix, p->line + from, p->cursor - from);
    prefix[p->cursor - from] = '\0';
    if (tui_prompt_split(prefix, cur, 1) == 1) {
        wv_strlcpy(prefix, cur[0], sizeof prefix);
        free(cur[0]);
    } else {
        prefix[0] = '\0';
    }
    const char **out = NULL;
    size_t n = complete(ctx, words, n_words, prefix, &out);
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < n; i++) {
        if (!out[i] || strncmp(out[i], prefix, plen) != 0)
            continue;
        bool dup = false;
        for (size_t j = 0; j < p->n_cands && !dup; j++)
            dup = strcmp(p->cands[j], out[i]) == 0;
        if (dup)
            continue;
        p->cands = wv_realloc(p->cands, (p->n_cands + 1) * sizeof *p->cands);
        p->cands[p->n_cands++] = wv_strdup(out[i]);
    }
    for (size_t i = 0; i < n_words; i++)
        free(words[i]);
    if (p->n_cands == 0)
        return;
    if (p->n_cands == 1) {
        put_word(p, from, p->cands[0], strlen(p->cands[0]), true);
        cands_clear(p);
        return;
    }
    size_t common = strlen(p->cands[0]);
    for (size_t i = 1; i < p->n_cands; i++) {
        size_t k = 0;
        while (k < common && p->cands[i][k] == p->cands[0][k])
            k++;
        common = k;
    }
    put_word(p, from, p->cands[0], common, false);
    p->cycling = true;
    p->cand_pos = 0;
}

/* Handles one key. */
enum tui_prompt_result tui_prompt_key(struct tui_prompt *p, int key, tui_complete_fn complete,
                                      void *ctx)
{
    if (key == '\t') {
        complete_word(p, complete, ctx);
        return TUI_PROMPT_EDIT;
    }
    cands_clear(p);
    switch (key) {
    case '\n':
    case '\r':
    case KEY_ENTER:
        history_add(p, p->line);
        p->hist_pos = -1;
        return TUI_PROMPT_SUBMIT;
    case 27:
    case CTRL('c'):
    case CTRL('g'):
        return TUI_PROMPT_CANCEL;
    case KEY_LEFT:
    case CTRL('b'):
        p->cursor = step_left(p, p->cursor);
        break;
    case KEY_RIGHT:
    case CTRL('f'):
        p->cursor = step_right(p, p->cursor);
        break;
    case KEY_HOME:
    case CTRL('a'):
        p->cursor = 0;
        break;
    case KEY_END:
    case CTRL('e'):
        p->cursor = p->len;
        break;
    case KEY_UP:
    case CTRL('p'):
        history_up(p);
        break;
    case KEY_DOWN:
    case CTRL('n'):
        history_down(p);
        break;
    case CTRL('u'):
        splice(p, 0, p->cursor, "", 0);
        break;
    case CTRL('k'):
        p->len = p->cursor;
        p->line[p->len] = '\0';
        break;
    case CTRL('w'): {
        size_t i = p->cursor;
        while (i > 0 && p->line[i - 1] == ' ')
            i--;
        while (i > 0 && p->line[i - 1] != ' ')
            i--;
        splice(p, i, p->cursor, "", 0);
        break;
    }
    case KEY_BACKSPACE:
    case 127:
    case CTRL('h'):
        if (p->cursor > 0)
            splice(p, step_left(p, p->cursor), p->cursor, "", 0);
        break;
    case KEY_DC:
    case CTRL('d'):
        if (p->cursor < p->len) {
            size_t to = step_right(p, p->cursor);
            size_t at = p->cursor;
            splice(p, at, to, "", 0);
            p->cursor = at;
        }
        break;
    default:
        if ((key >= 32 && key < 127) || (key >= 128 && key < 256)) {
            char c = (char)key;
            if (p->len < TUI_PROMPT_MAX - 1)
                splice(p, p->cursor, p->cursor, &c, 1);
        }
        break;
    }
    return TUI_PROMPT_EDIT;
}

/* Splits a line into words (quotes group, backslashes escape). */
size_t tui_prompt_split(const char *line, char **words, size_t max)
{
    size_t n = 0;
    const char *s = line;
    while (*s && n < max) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        char *w = wv_malloc(strlen(s) + 1);
        size_t k = 0;
        bool quoted = false;
        while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
            if (*s == '\\' && s[1]) {
                w[k++] = s[1];
                s += 2;
            } else if (*s == '"') {
                quoted = !quoted;
                s++;
            } else {
                w[k++] = *s++;
            }
        }
        w[k] = '\0';
        words[n++] = w;
    }
    return n;
}
