/* check_eval.c - evaluation of data-quality checks on a run's statistics, the history of earlier
 * runs, catalog schemas and HTTP counters (never by rereading data). Each check gives a verdict
 * (pass, warn/fail by its severity, or not enough history), the observed value, the threshold
 * and a one-line text. A failing check is a result, not an error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"
#include "quality/check_int.h"
#include "quality/quality.h"
#include "quality/stats_int.h"

/* Sets the verdict: pass, or the severity's verdict. */
void qual_verdict_set(const struct qual_check *c, bool ok, struct qual_result *out)
{
    out->verdict = ok ? QUAL_PASS : c->error ? QUAL_FAIL : QUAL_WARN;
}

/* Rows of the stream a check names (0 without records). */
static int64_t rows_of(const struct qual_stats *s, const char *stream)
{
    const struct qual_stream_slot *sl = qual_stats_slot_named(s, stream);
    return sl ? sl->st.rows : 0;
}

/* Appends "[a, b]" of a column list, bounded. */
static void put_list(struct wv_buf *b, char *const *v, size_t n)
{
    wv_buf_putc(b, '[', NULL);
    for (size_t i = 0; i < n; i++)
        wv_buf_printf(b, NULL, "%s%.40s", i ? ", " : "", v[i]);
    wv_buf_putc(b, ']', NULL);
}

static void eval_row_count(const struct qual_check *c, int64_t rows, struct qual_result *out)
{
    out->observed = (double)rows;
    bool low = c->has_min && (double)rows < c->min;
    bool high = c->has_max && (double)rows > c->max;
    qual_verdict_set(c, !low && !high, out);
    if (c->has_min && c->has_max)
        snprintf(out->threshold, sizeof out->threshold, "min %.15g, max %.15g", c->min, c->max);
    else
        snprintf(out->threshold, sizeof out->threshold, "%s %.15g", c->has_min ? "min" : "max",
                 c->has_min ? c->min : c->max);
    if (low)
        snprintf(out->text, sizeof out->text, "%s row_count %lld < min %.15g", c->stream,
                 (long long)rows, c->min);
    else if (high)
        snprintf(out->text, sizeof out->text, "%s row_count %lld > max %.15g", c->stream,
                 (long long)rows, c->max);
    else
        snprintf(out->text, sizeof out->text, "%s row_count %lld", c->stream, (long long)rows);
}

static void eval_null_ratio(const struct qual_check *c, const struct qual_stream_slot *sl,
                            struct qual_result *out)
{
    int64_t rows = sl ? sl->st.rows : 0, nulls = rows;
    for (size_t i = 0; sl && i < sl->st.n_fields; i++)
        if (strcmp(sl->st.fields[i].name, c->column) == 0)
            nulls = rows - sl->st.fields[i].present;
    double ratio = rows ? (double)nulls / (double)rows : 0;
    out->observed = ratio;
    qual_verdict_set(c, ratio <= c->max, out);
    snprintf(out->threshold, sizeof out->threshold, "max %.15g", c->max);
    snprintf(out->text, sizeof out->text, "%s.%s null_ratio %.4f %s max %.15g", c->stream,
             c->column, ratio, ratio <= c->max ? "<=" : ">", c->max);
}

static void eval_freshness(const struct qual_check *c, const struct qual_stream_slot *sl,
                           int64_t now_ms, struct qual_result *out)
{
    const struct qual_colmax *cm = c->column ? qual_slot_colmax(sl, c->column) : NULL;
    const struct wv_json *mx = cm ? cm->max : sl ? sl->st.cursor_max : NULL;
    const char *what = cm ? c->column : "cursor";
    int64_t newest = 0;
    snprintf(out->threshold, sizeof out->threshold, "max %llds",
             (long long)(c->max_age_ms / 1000));
    if (!qual_time_of(mx, &newest)) {
        out->observed = -1;
        qual_verdict_set(c, false, out);
        snprintf(out->text, sizeof out->text, "%s freshness: no %s value to measure", c->stream,
                 what);
        return;
    }
    int64_t age = now_ms - newest;
    out->observed = (double)age / 1000.0;
    qual_verdict_set(c, age <= c->max_age_ms, out);
    snprintf(out->text, sizeof out->text, "%s freshness: newest %s %.0fs old %s max %llds",
             c->stream, what, out->observed, age <= c->max_age_ms ? "<=" : ">",
             (long long)(c->max_age_ms / 1000));
}

/* Ascending doubles for qsort. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void eval_low_count(const struct qual_check *c, const struct qual_eval_ctx *ctx,
                           int64_t rows, struct qual_result *out)
{
    int runs = c->runs > 0 ? (c->runs < 1000 ? c->runs : 1000) : 7;
    size_t n = ctx->n_history < (size_t)runs ? ctx->n_history : (size_t)runs;
    out->observed = (double)rows;
    if (n < 4) {
        out->verdict = QUAL_NO_HISTORY;
        snprintf(out->threshold, sizeof out->threshold, ">= %.15g%% of median (needs 4 runs)",
                 c->below_pct);
        snprintf(out->text, sizeof out->text, "%s low_count: not enough history (%zu of 4 runs)",
                 c->stream, n);
        return;
    }
    double h[1000];
    for (size_t i = 0; i < n; i++)
        h[i] = (double)rows_of(ctx->history[i], c->stream);
    qsort(h, n, sizeof *h, cmp_double);
    double median = n % 2 ? h[n / 2] : (h[n / 2 - 1] + h[n / 2]) / 2;
    double min = c->below_pct / 100.0 * median;
    bool ok = (double)rows >= min;
    qual_verdict_set(c, ok, out);
    snprintf(out->threshold, sizeof out->threshold, ">= %.15g%% of median %.15g (%zu runs)",
             c->below_pct, median, n);
    snprintf(out->text, sizeof out->text, "%s low_count %lld %s %.15g%% of median %.15g (%zu runs)",
             c->stream, (long long)rows, ok ? ">=" : "<", c->below_pct, median, n);
}

static void eval_unique(const struct qual_check *c, const struct qual_stream_slot *sl,
                        struct qual_result *out)
{
    struct wv_buf cols = WV_BUF_INIT;
    put_list(&cols, c->columns, c->n_columns);
    snprintf(out->threshold, sizeof out->threshold, "no duplicates of %s", wv_buf_cstr(&cols));
    const struct qual_uniq *u = qual_slot_uniq(sl, c->columns, c->n_columns);
    if (sl && !u) {
        out->observed = NAN;
        qual_verdict_set(c, false, out);
        snprintf(out->text, sizeof out->text, "%s unique %s: not collected in this run",
                 c->stream, wv_buf_cstr(&cols));
    } else {
        int64_t dups = u ? u->duplicates : 0, nk = u ? u->null_keys : 0;
        out->observed = (double)dups;
        qual_verdict_set(c, dups == 0 && nk == 0, out);
        if (nk)
            snprintf(out->text, sizeof out->text,
                     "%s unique %s: %lld duplicate rows, %lld rows with a null or missing key",
                     c->stream, wv_buf_cstr(&cols), (long long)dups, (long long)nk);
        else
            snprintf(out->text, sizeof out->text, "%s unique %s: %lld duplicate rows", c->stream,
                     wv_buf_cstr(&cols), (long long)dups);
    }
    wv_buf_done(&cols);
}

static void eval_accepted(const struct qual_check *c, const struct qual_stream_slot *sl,
                          struct qual_result *out)
{
    char *vals = c->values ? wv_json_to_string(c->values) : NULL;
    snprintf(out->threshold, sizeof out->threshold, "values %s", vals ? vals : "[]");
    free(vals);
    const struct qual_accept *a = c->values ? qual_slot_accept(sl, c->column, c->values) : NULL;
    if (sl && !a) {
        out->observed = NAN;
        qual_verdict_set(c, false, out);
        snprintf(out->text, sizeof out->text, "%s.%s accepted_values: not collected in this run",
                 c->stream, c->column);
        return;
    }
    int64_t misses = a ? a->misses : 0;
    out->observed = (double)misses;
    qual_verdict_set(c, misses == 0, out);
    if (!misses) {
        snprintf(out->text, sizeof out->text, "%s.%s accepted_values: all rows accepted",
                 c->stream, c->column);
        return;
    }
    struct wv_buf ex = WV_BUF_INIT;
    for (size_t i = 0; i < a->n_examples; i++)
        wv_buf_printf(&ex, NULL, "%s%s", i ? ", " : "", a->examples[i]);
    snprintf(out->text, sizeof out->text, "%s.%s accepted_values: %lld rows not accepted (%s)",
             c->stream, c->column, (long long)misses, wv_buf_cstr(&ex));
    wv_buf_done(&ex);
}

static void eval_failed_requests(const struct qual_check *c, const struct qual_eval_ctx *ctx,
                                 struct qual_result *out)
{
    int64_t req = ctx->requests > 0 ? ctx->requests : 0;
    int64_t bad = ctx->failed_requests > 0 ? ctx->failed_requests : 0;
    double ratio = req ? (double)bad / (double)req : 0;
    out->observed = ratio;
    qual_verdict_set(c, ratio <= c->max, out);
    snprintf(out->threshold, sizeof out->threshold, "max %.15g", c->max);
    snprintf(out->text, sizeof out->text,
             "%s failed_requests %.4f (%lld of %lld requests) %s max %.15g", c->stream, ratio,
             (long long)bad, (long long)req, ratio <= c->max ? "<=" : ">", c->max);
}

/* Evaluates one check with everything it may look at. */
void qual_check_eval_ctx(const struct qual_check *c, const struct qual_eval_ctx *ctx,
                         struct qual_result *out)
{
    memset(out, 0, sizeof *out);
    const struct qual_stream_slot *sl = qual_stats_slot_named(ctx->stats, c->stream);
    int64_t rows = sl ? sl->st.rows : 0;
    switch (c->kind) {
    case QUAL_CHECK_ROW_COUNT:
        eval_row_count(c, rows, out);
        return;
    case QUAL_CHECK_NULL_RATIO:
        eval_null_ratio(c, sl, out);
        return;
    case QUAL_CHECK_FRESHNESS:
        eval_freshness(c, sl, ctx->now_ms, out);
        return;
    case QUAL_CHECK_NO_RECORDS:
        out->observed = (double)rows;
        qual_verdict_set(c, rows > 0, out);
        snprintf(out->threshold, sizeof out->threshold, "rows > 0");
        snprintf(out->text, sizeof out->text, "%s no_records: %lld rows%s", c->stream,
                 (long long)rows, rows ? "" : " (empty)");
        return;
    case QUAL_CHECK_LOW_COUNT:
        eval_low_count(c, ctx, rows, out);
        return;
    case QUAL_CHECK_UNIQUE:
        eval_unique(c, sl, out);
        return;
    case QUAL_CHECK_ACCEPTED_VALUES:
        eval_accepted(c, sl, out);
        return;
    case QUAL_CHECK_SCHEMA_DRIFT:
        qual_eval_schema_drift(c, ctx, out);
        return;
    case QUAL_CHECK_FAILED_REQUESTS:
        eval_failed_requests(c, ctx, out);
        return;
    }
}

/* Evaluates one check on this run's statistics only. */
void qual_check_eval(const struct qual_check *c, const struct qual_stats *stats, int64_t now_ms,
                     struct qual_result *out)
{
    struct qual_eval_ctx ctx = {.stats = stats, .now_ms = now_ms};
    qual_check_eval_ctx(c, &ctx, out);
}
