/* decl_errors.c - error handling of declarative requests: DefaultErrorHandler with
 * HttpResponseFilter (http_codes, error_message_contains, predicate; actions SUCCESS, FAIL,
 * RETRY, IGNORE, RATE_LIMITED, RESET_PAGINATION), CompositeErrorHandler, backoff strategies (Exponential,
 * Constant, WaitTimeFromHeader, WaitUntilTimeFromHeader) and Retry-After. Follows the CDK's
 * requesters/error_handlers/. Built on the opening thread; used by the reading thread. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "connectors/decl_int.h"

#define DECL_DEFAULT_RETRIES 5
#define DECL_DEFAULT_FACTOR 5.0
#define DECL_MAX_WAIT_S 3600.0

struct decl_filter {
    bool has_action;
    enum decl_action action;
    long *codes;
    size_t n_codes;
    struct decl_val contains, predicate, message;
};

enum decl_backoff_kind { DECL_BO_EXP, DECL_BO_CONST, DECL_BO_HEADER, DECL_BO_UNTIL };

struct decl_backoff {
    enum decl_backoff_kind kind;
    struct decl_val value; /* factor / backoff_time_in_seconds / header */
    struct decl_val regex; /* unused beyond presence: values are parsed as leading numbers */
    struct decl_val limit; /* max_waiting_time_in_seconds / min_wait */
};

struct decl_errh {
    struct decl_filter *filters;
    size_t n_filters;
    struct decl_backoff *backoffs;
    size_t n_backoffs;
    struct decl_val max_retries;
    struct decl_errh **subs; /* CompositeErrorHandler */
    size_t n_subs;
};

/* Parses an action name. */
static int decl_action_parse(const char *s, enum decl_action *a)
{
    static const char *const names[] = {"SUCCESS", "FAIL",         "RETRY",
                                        "IGNORE",  "RATE_LIMITED", "RESET_PAGINATION"};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) {
            *a = (enum decl_action)i;
            return 0;
        }
    return -1;
}

/* Builds one HttpResponseFilter. */
static int decl_filter_build(struct decl_filter *f, const struct wv_json *node, const char *origin,
                             struct wv_error *err)
{
    const char *act = wv_json_get_str(node, "action");
    char w[512];
    if (act) {
        if (decl_action_parse(act, &f->action) < 0)
            return wv_error_set(err, WV_E_CONFIG, 0, "%s: unknown action '%s'",
                                conn_decl_where(origin, node, w, sizeof w), act);
        f->has_action = true;
    }
    const struct wv_json *codes = wv_json_get(node, "http_codes");
    if (codes && codes->type == WV_JSON_ARRAY) {
        f->codes = wv_calloc(codes->len + 1, sizeof *f->codes);
        for (size_t i = 0; i < codes->len; i++) {
            int64_t c = 0;
            if (wv_json_as_i64(codes->items[i], &c) == 0)
                f->codes[f->n_codes++] = (long)c;
        }
    }
    if (conn_decl_field(&f->contains, node, "error_message_contains", origin, err) < 0 ||
        conn_decl_field(&f->predicate, node, "predicate", origin, err) < 0 ||
        conn_decl_field(&f->message, node, "error_message", origin, err) < 0)
        return -1;
    return 0;
}

/* Builds one backoff strategy. */
static int decl_backoff_build(struct decl_backoff *b, const struct wv_json *node,
                              const char *origin, struct wv_error *err)
{
    const char *t = conn_decl_type(node);
    const char *vkey = NULL, *lkey = NULL;
    if (strcmp(t, "ExponentialBackoffStrategy") == 0) {
        b->kind = DECL_BO_EXP;
        vkey = "factor";
    } else if (strcmp(t, "ConstantBackoffStrategy") == 0) {
        b->kind = DECL_BO_CONST;
        vkey = "backoff_time_in_seconds";
    } else if (strcmp(t, "WaitTimeFromHeader") == 0) {
        b->kind = DECL_BO_HEADER;
        vkey = "header";
        lkey = "max_waiting_time_in_seconds";
    } else if (strcmp(t, "WaitUntilTimeFromHeader") == 0) {
        b->kind = DECL_BO_UNTIL;
        vkey = "header";
        lkey = "min_wait";
    } else {
        return conn_decl_unsupported(origin, node, "backoff strategy", err);
    }
    if (conn_decl_field(&b->value, node, vkey, origin, err) < 0 ||
        conn_decl_field(&b->regex, node, "regex", origin, err) < 0)
        return -1;
    return lkey ? conn_decl_field(&b->limit, node, lkey, origin, err) : 0;
}

/* Builds an error handler (NULL node: default handling, returns a default handler). */
struct decl_errh *conn_decl_errh_build(const struct wv_json *node, const char *origin,
                                       struct wv_error *err)
{
    struct decl_errh *h = wv_calloc(1, sizeof *h);
    if (!node)
        return h;
    const char *t = conn_decl_type(node);
    if (strcmp(t, "CompositeErrorHandler") == 0) {
        const struct wv_json *subs = wv_json_get(node, "error_handlers");
        size_t n = subs && subs->type == WV_JSON_ARRAY ? subs->len : 0;
        h->subs = wv_calloc(n + 1, sizeof *h->subs);
        for (size_t i = 0; i < n; i++) {
            if (!(h->subs[i] = conn_decl_errh_build(subs->items[i], origin, err))) {
                conn_decl_errh_free(h);
                return NULL;
            }
            h->n_subs++;
        }
        return h;
    }
    if (strcmp(t, "DefaultErrorHandler") != 0 && *t) {
        conn_decl_unsupported(origin, node, "error handler", err);
        conn_decl_errh_free(h);
        return NULL;
    }
    const struct wv_json *fs = wv_json_get(node, "response_filters");
    size_t nf = fs && fs->type == WV_JSON_ARRAY ? fs->len : 0;
    h->filters = wv_calloc(nf + 1, sizeof *h->filters);
    for (size_t i = 0; i < nf; i++, h->n_filters++)
        if (decl_filter_build(&h->filters[i], fs->items[i], origin, err) < 0)
            goto fail;
    const struct wv_json *bs = wv_json_get(node, "backoff_strategies");
    size_t nb = bs && bs->type == WV_JSON_ARRAY ? bs->len : 0;
    h->backoffs = wv_calloc(nb + 1, sizeof *h->backoffs);
    for (size_t i = 0; i < nb; i++, h->n_backoffs++)
        if (decl_backoff_build(&h->backoffs[i], bs->items[i], origin, err) < 0)
            goto fail;
    if (conn_decl_field(&h->max_retries, node, "max_retries", origin, err) < 0)
        goto fail;
    return h;
fail:
    conn_decl_errh_free(h);
    return NULL;
}

/* Frees a handler. */
void conn_decl_errh_free(struct decl_errh *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_filters + 1 && h->filters; i++) {
        free(h->filters[i].codes);
        conn_decl_val_done(&h->filters[i].contains);
        conn_decl_val_done(&h->filters[i].predicate);
        conn_decl_val_done(&h->filters[i].message);
    }
    for (size_t i = 0; i < h->n_backoffs + 1 && h->backoffs; i++) {
        conn_decl_val_done(&h->backoffs[i].value);
        conn_decl_val_done(&h->backoffs[i].regex);
        conn_decl_val_done(&h->backoffs[i].limit);
    }
    for (size_t i = 0; i < h->n_subs; i++)
        conn_decl_errh_free(h->subs[i]);
    free(h->subs);
    free(h->filters);
    free(h->backoffs);
    conn_decl_val_done(&h->max_retries);
    free(h);
}

/* The CDK's default mapping of a status to an action. */
static enum decl_action decl_default_action(long status)
{
    if (status < 400)
        return DECL_ACT_SUCCESS;
    if (status == 429)
        return DECL_ACT_RATE_LIMITED;
    if (status == 408 || status >= 500)
        return DECL_ACT_RETRY;
    return DECL_ACT_FAIL;
}

/* Whether filter f matches the response. */
static int decl_filter_match(const struct decl_filter *f, const struct conn_http_resp *resp,
                             const struct wv_json *body, const struct decl_run *run, bool *hit,
                             struct wv_error *err)
{
    *hit = false;
    for (size_t i = 0; i < f->n_codes; i++)
        if (f->codes[i] == resp->status)
            *hit = true;
    if (!*hit && f->contains.present) {
        char *needle = NULL;
        struct decl_vars v = {0};
        if (conn_decl_val_text(&f->contains, &v, run, &needle, err) < 0)
            return -1;
        *hit = *needle && resp->body && strstr(resp->body, needle);
        free(needle);
    }
    if (!*hit && f->predicate.present) {
        struct decl_vars v = {.response = body, .headers = resp->headers};
        if (conn_decl_val_truthy(&f->predicate, &v, run, false, hit, err) < 0)
            return -1;
    }
    return 0;
}

/* Classifies with one DefaultErrorHandler. */
static int decl_classify_one(const struct decl_errh *h, const struct conn_http_resp *resp,
                             const struct wv_json *body, const struct decl_run *run,
                             enum decl_action *act, char **message, struct wv_error *err)
{
    for (size_t i = 0; i < h->n_filters; i++) {
        const struct decl_filter *f = &h->filters[i];
        bool hit = false;
        if (decl_filter_match(f, resp, body, run, &hit, err) < 0)
            return -1;
        if (!hit)
            continue;
        *act = f->has_action ? f->action : decl_default_action(resp->status);
        if (f->message.present) {
            struct decl_vars v = {.response = body, .headers = resp->headers};
            if (conn_decl_val_text(&f->message, &v, run, message, err) < 0)
                return -1;
        }
        return 0;
    }
    *act = decl_default_action(resp->status);
    return 0;
}

/* Classifies a response. */
int conn_decl_errh_classify(const struct decl_errh *h, const struct conn_http_resp *resp,
                            const struct wv_json *body, const struct decl_run *run,
                            enum decl_action *act, char **message, struct wv_error *err)
{
    *message = NULL;
    if (!h || !h->n_subs)
        return h ? decl_classify_one(h, resp, body, run, act, message, err)
                 : (*act = decl_default_action(resp->status), 0);
    /* As the CDK: the first handler answering SUCCESS, RETRY or IGNORE (and RESET_PAGINATION,
     * the newer action the CDK adds to that list) decides; otherwise the last answer stands. */
    for (size_t i = 0; i < h->n_subs; i++) {
        char *msg = NULL;
        if (conn_decl_errh_classify(h->subs[i], resp, body, run, act, &msg, err) < 0) {
            free(*message);
            *message = NULL;
            return -1;
        }
        free(*message);
        *message = msg;
        if (*act == DECL_ACT_SUCCESS || *act == DECL_ACT_RETRY || *act == DECL_ACT_IGNORE ||
            *act == DECL_ACT_RESET_PAGINATION)
            return 0;
    }
    return 0;
}

/* Maximum retries (default 5). */
int conn_decl_errh_max_retries(const struct decl_errh *h)
{
    if (h && h->n_subs)
        return conn_decl_errh_max_retries(h->subs[0]);
    if (!h || !h->max_retries.present)
        return DECL_DEFAULT_RETRIES;
    struct wv_json *j = NULL;
    struct decl_vars v = {0};
    int64_t n = DECL_DEFAULT_RETRIES;
    if (conn_decl_val_eval(&h->max_retries, &v, NULL, NULL, &j, NULL) == 0)
        wv_json_as_i64(j, &n);
    wv_json_free(j);
    return n < 0 ? 0 : n > 100 ? 100 : (int)n;
}

/* A number from a value (text parsed as a leading float). -1 when none. */
static double decl_number(const struct decl_val *val, const struct decl_run *run)
{
    char *s = NULL;
    struct decl_vars v = {0};
    double d = -1;
    if (conn_decl_val_text(val, &v, run, &s, NULL) == 0 && s && *s) {
        char *end = NULL;
        d = strtod(s, &end);
        if (end == s)
            d = -1;
    }
    free(s);
    return d;
}

/* A header's value as a number (the first number in it). -1 when missing. */
static double decl_header_number(const struct conn_http_resp *resp, const char *name)
{
    if (!resp || !name)
        return -1;
    char lower[128];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    lower[i] = 0;
    const char *s = wv_json_get_str(resp->headers, lower);
    if (!s)
        return -1;
    while (*s && !(*s >= '0' && *s <= '9') && *s != '.')
        s++;
    char *end = NULL;
    double d = strtod(s, &end);
    return end == s ? -1 : d;
}

/* 2^n for small n. */
static double decl_pow2(int n)
{
    double r = 1;
    for (int i = 0; i < n && i < 30; i++)
        r *= 2;
    return r;
}

/* Seconds one strategy asks for, -1 when it has no opinion. */
static double decl_backoff_one(const struct decl_backoff *b, const struct conn_http_resp *resp,
                               int attempt, const struct decl_run *run)
{
    double v, lim;
    char *hdr = NULL;
    struct decl_vars vars = {0};
    switch (b->kind) {
    case DECL_BO_EXP:
        v = b->value.present ? decl_number(&b->value, run) : DECL_DEFAULT_FACTOR;
        return v < 0 ? -1 : v * decl_pow2(attempt);
    case DECL_BO_CONST:
        return decl_number(&b->value, run);
    case DECL_BO_HEADER:
    case DECL_BO_UNTIL:
        if (conn_decl_val_text(&b->value, &vars, run, &hdr, NULL) < 0)
            return -1;
        v = decl_header_number(resp, hdr);
        free(hdr);
        lim = b->limit.present ? decl_number(&b->limit, run) : -1;
        if (v < 0) /* no usable header: WaitUntil waits min_wait when it has one (as the CDK) */
            return b->kind == DECL_BO_UNTIL && lim > 0 ? lim : -1;
        if (b->kind == DECL_BO_HEADER)
            return lim >= 0 && v > lim ? -1 : v;
        v -= (double)wv_clock_now_ms(run && run->clock ? run->clock : wv_clock_system()) / 1000;
        return lim >= 0 && v < lim ? lim : v < 0 ? 0 : v;
    }
    return -1;
}

/* Seconds to wait before retry `attempt`. */
double conn_decl_errh_backoff(const struct decl_errh *h, const struct conn_http_resp *resp,
                              int attempt, const struct decl_run *run)
{
    double s = -1;
    if (h && h->n_subs) {
        for (size_t i = 0; i < h->n_subs && s < 0; i++)
            if (h->subs[i]->n_backoffs)
                s = conn_decl_errh_backoff(h->subs[i], resp, attempt, run);
    }
    for (size_t i = 0; h && i < h->n_backoffs && s < 0; i++)
        s = decl_backoff_one(&h->backoffs[i], resp, attempt, run);
    if (s < 0)
        s = decl_header_number(resp, "retry-after");
    if (s < 0)
        s = DECL_DEFAULT_FACTOR * decl_pow2(attempt);
    return s > DECL_MAX_WAIT_S ? DECL_MAX_WAIT_S : s;
}

/* Sleeps in short steps, waking on cancel. */
int conn_decl_sleep(const struct decl_run *run, double seconds, struct wv_error *err)
{
    int64_t left_ms = (int64_t)(seconds * 1000.0);
    while (left_ms > 0) {
        if (run && run->cancel && *run->cancel)
            return wv_error_set(err, WV_E_CANCELLED, 0, "cancelled");
        int64_t step = left_ms < 50 ? left_ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        left_ms -= step;
    }
    if (run && run->cancel && *run->cancel)
        return wv_error_set(err, WV_E_CANCELLED, 0, "cancelled");
    return 0;
}
