/* actions_files.c - the console's file-changing actions: a submitted form becomes
 * sources/NAME.yaml (secrets in secrets/, referenced) or connections/NAME.yaml, checked by
 * loading the workspace through the engine before it is kept; $EDITOR on a source, connection
 * or flow file, re-validated after each save the way `kubectl edit` does (the error is put at
 * the top of the file as a comment and the editor reopens; leaving it unchanged restores the
 * original). */
#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/mem.h"
#include "tui/tui_int.h"

/* Loads the workspace through the engine (a read-only command); 0 when it loads. */
static int validate(struct app *a, struct wv_error *err)
{
    char *argv[] = {"connection", "list", NULL};
    struct wv_buf out;
    wv_buf_init(&out, 1 << 20);
    int rc = a->engine->ops->exec(a->engine->ctx, 2, argv, &out, err);
    wv_buf_done(&out);
    return rc;
}

/* Writes text to path unless it exists. */
static int write_new(const char *path, const char *text, struct wv_error *err)
{
    if (wv_fs_exists(path))
        return wv_error_set(err, WV_E_CONFLICT, 0, "%s already exists", path);
    char *dir = wv_path_dirname(path);
    int rc = wv_fs_mkdirs(dir, 0755, err);
    free(dir);
    return rc < 0 ? -1 : wv_fs_write_atomic(path, text, strlen(text), 0644, err);
}

/* The new connection's YAML from the form's config. */
static char *connection_yaml(const struct wv_json *cfg)
{
    struct wv_buf b;
    wv_buf_init(&b, 0);
    wv_buf_printf(&b, NULL, "# created from the console\nsource: %s\n",
                  wv_json_get_str(cfg, "source") ? wv_json_get_str(cfg, "source") : "");
    const char *sched = wv_json_get_str(cfg, "schedule");
    if (sched && *sched)
        wv_buf_printf(&b, NULL, "schedule: \"%s\"\n", sched);
    wv_buf_puts(&b, "streams:\n", NULL);
    const struct wv_json *st = wv_json_get(cfg, "streams");
    const char *sm = wv_json_get_str(cfg, "sync_mode"), *dm = wv_json_get_str(cfg,
                                                                              "destination_sync_mode");
    for (size_t i = 0; st && st->type == WV_JSON_ARRAY && i < st->len; i++)
        if (st->items[i]->type == WV_JSON_STRING)
            wv_buf_printf(&b, NULL, "  - {name: %s, sync_mode: %s, destination_sync_mode: %s}\n",
                          st->items[i]->s, sm ? sm : "full_refresh", dm ? dm : "overwrite");
    return wv_buf_steal(&b, NULL);
}

void tui_actions_form_submit(struct app *a)
{
    struct wv_error err;
    wv_error_clear(&err);
    const char *root = a->snap ? a->snap->workspace_root : ".";
    if (a->opts.readonly) {
        snprintf(a->form.message, sizeof a->form.message, "read-only console: nothing written");
        return;
    }
    struct wv_json *cfg = tui_form_config(&a->form, root, &err);
    if (!cfg) {
        snprintf(a->form.message, sizeof a->form.message, "%.250s", err.msg);
        return;
    }
    bool conn = a->form_is_connection;
    char *path = wv_asprintf("%s/%s/%s.yaml", root, conn ? "connections" : "sources",
                             a->form.name);
    char *text = NULL;
    if (conn) {
        text = connection_yaml(cfg);
    } else {
        char *json = wv_json_to_string(cfg);
        text = wv_asprintf("# created from the console\nconnector: \"%s\"\nconfig: %s\n",
                           a->form_connector, json);
        free(json);
    }
    wv_json_free(cfg);
    int rc = write_new(path, text, &err);
    if (rc == 0 && validate(a, &err) < 0) {
        unlink(path);
        rc = -1;
    }
    free(text);
    if (rc < 0) {
        snprintf(a->form.message, sizeof a->form.message, "%.250s", err.msg);
        free(path);
        /* the secrets tui_form_config wrote belong to a file that was not kept */
        for (size_t i = 0; !conn && i < a->form.n; i++)
            if (a->form.fields[i].secret) {
                char *sp = wv_asprintf("%s/secrets/%s.%s", root, a->form.name,
                                       a->form.fields[i].key);
                unlink(sp);
                free(sp);
            }
        return;
    }
    tui_app_status(a, false, "created %s", path);
    free(path);
    char name[200];
    snprintf(name, sizeof name, "%s", a->form.name);
    tui_form_done(&a->form);
    a->modal = MODAL_NONE;
    a->form_is_connection = false;
    a->next_snap_ms = 0;
    if (!conn) { /* the repair path: check the new source's credentials at once */
        char line[300];
        snprintf(line, sizeof line, "check %s", name);
        tui_app_exec(a, line);
    }
}

/* Runs $EDITOR (or vi) on path with the terminal handed over; returns its exit status. */
static int run_editor(const char *path)
{
    const char *ed = getenv("VISUAL");
    if (!ed || !*ed)
        ed = getenv("EDITOR");
    if (!ed || !*ed)
        ed = "vi";
    char *copy = wv_strdup(ed), *args[16];
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t && n < 14; t = strtok_r(NULL, " ", &save))
        args[n++] = t;
    args[n++] = (char *)path;
    args[n] = NULL;
    def_prog_mode();
    endwin();
    pid_t pid = fork();
    if (pid == 0) {
        execvp(args[0], args);
        _exit(127);
    }
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    reset_prog_mode();
    refresh();
    free(copy);
    return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void tui_actions_edit(struct app *a, const char *path)
{
    if (a->opts.readonly) {
        tui_app_status(a, true, "read-only console: %s not opened for editing", path);
        return;
    }
    char *orig = NULL;
    size_t olen = 0;
    struct wv_error err;
    wv_error_clear(&err);
    if (wv_fs_read_all(path, 16 << 20, &orig, &olen, &err) < 0) {
        tui_app_status(a, true, "%s", err.msg);
        return;
    }
    for (int round = 0; round < 20; round++) {
        char *before = NULL;
        size_t blen = 0;
        wv_fs_read_all(path, 16 << 20, &before, &blen, &err);
        if (run_editor(path) != 0) {
            tui_app_status(a, true, "editor failed: %s restored", path);
            wv_fs_write_atomic(path, orig, olen, 0644, &err);
            free(before);
            break;
        }
        char *after = NULL;
        size_t alen = 0;
        wv_fs_read_all(path, 16 << 20, &after, &alen, &err);
        bool unchanged = after && before && alen == blen && !memcmp(after, before, alen);
        free(before);
        wv_error_clear(&err);
        if (validate(a, &err) == 0) {
            /* drop the error comment we put on top, if it is still there */
            const char *body = after ? after : "";
            while (!strncmp(body, "# weaver: ", 10) || !strncmp(body, "# (fix it,", 10))
                body += strcspn(body, "\n") + (body[strcspn(body, "\n")] == '\n');
            if (after && body != after)
                wv_fs_write_atomic(path, body, strlen(body), 0644, &err);
            tui_app_status(a, false, "saved %s (valid)", path);
            free(after);
            break;
        }
        if (unchanged || round == 19) { /* gave up: back to the original */
            wv_fs_write_atomic(path, orig, olen, 0644, &err);
            tui_app_status(a, true, "not saved: the edit did not validate; %s restored", path);
            free(after);
            break;
        }
        /* put the error on top as a comment and edit again */
        char *with = wv_asprintf("# weaver: %s\n# (fix it, or quit without changes to restore "
                                 "the original)\n%s",
                                 err.msg, after ? after : "");
        struct wv_error e2;
        wv_error_clear(&e2);
        wv_fs_write_atomic(path, with, strlen(with), 0644, &e2);
        free(with);
        free(after);
    }
    free(orig);
    a->next_snap_ms = 0;
}
