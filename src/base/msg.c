/* msg.c - Airbyte protocol v0 messages: JSON-lines decode/encode, catalogs, paths, state lookup.
 * Follows airbyte_protocol.yaml (airbytehq/airbyte-protocol, protocol-models/src/main/resources/
 * airbyte_protocol/airbyte_protocol.yaml) and docs.airbyte.com "Airbyte Protocol": AirbyteMessage,
 * AirbyteRecord/State/Log/Trace/Control messages, AirbyteCatalog, ConfiguredAirbyteCatalog.
 * Pure functions over caller-owned values; any thread. */
#include "base/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"

/* One protocol line may not exceed this (connectors emit one JSON object per line). */
#define MSG_MAX_LINE ((size_t)64 * 1024 * 1024)

static const char *const type_wire[] = {
#define WV_X_WIRE(id, wire, field) wire,
    WV_MSG_TYPES(WV_X_WIRE)
#undef WV_X_WIRE
};

static const char *const type_field[] = {
#define WV_X_FIELD(id, wire, field) field,
    WV_MSG_TYPES(WV_X_FIELD)
#undef WV_X_FIELD
};

#define N_MSG_TYPES (sizeof type_wire / sizeof type_wire[0])

static const char *const trace_names[] = {"ERROR", "ESTIMATE", "STREAM_STATUS", "ANALYTICS"};
static const char *const stream_statuses[] = {"STARTED", "RUNNING", "COMPLETE", "INCOMPLETE"};
static const char *const sync_names[] = {"full_refresh", "incremental"};
static const char *const dest_names[] = {"append", "overwrite", "append_dedup",
                                         "overwrite_dedup"};

/* Decoding context of one message: where it came from and what it is, for errors. */
struct pctx {
    const char *origin;
    long lineno;
    const char *what; /* "RECORD", "STATE" ... */
    struct wv_error *err;
};

/* Index of s in a list of names, or -1. */
static int name_index(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

/* Records "origin:LINENO: <what>" as a protocol error; returns -1. */
static int perr(const struct pctx *c, const char *fmt, ...) WV_PRINTF(2, 3);
static int perr(const struct pctx *c, const char *fmt, ...)
{
    char text[WV_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return wv_error_set(c->err, WV_E_PROTOCOL, 0, "%s:%ld: %s", c->origin ? c->origin : "-",
                        c->lineno, text);
}

/* "an object", "a string" ... for error messages. */
static const char *type_article(enum wv_json_type t)
{
    switch (t) {
    case WV_JSON_OBJECT: return "an object";
    case WV_JSON_ARRAY: return "an array";
    case WV_JSON_STRING: return "a string";
    case WV_JSON_NUMBER: return "a number";
    case WV_JSON_BOOL: return "a boolean";
    default: return "null";
    }
}

/* A required child of type t; NULL (error set) when missing or of another type. */
static struct wv_json *need(const struct pctx *c, const struct wv_json *obj, const char *key,
                            enum wv_json_type t, const char *label)
{
    struct wv_json *v = wv_json_get(obj, key);
    if (!v) {
        perr(c, "%s without '%s'", c->what, label);
        return NULL;
    }
    if (v->type != t) {
        perr(c, "%s '%s' is not %s", c->what, label, type_article(t));
        return NULL;
    }
    return v;
}

/* An optional string child (missing or null: *out = NULL). */
static int opt_str(const struct pctx *c, const struct wv_json *obj, const char *key,
                   const char *label, const char **out)
{
    struct wv_json *v = wv_json_get(obj, key);
    *out = NULL;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_STRING)
        return perr(c, "%s '%s' is not a string", c->what, label);
    *out = v->s;
    return 0;
}

/* A required millisecond timestamp; floats are truncated (TRACE/CONTROL use numbers). */
static int need_ms(const struct pctx *c, const struct wv_json *obj, const char *label,
                   int64_t *out)
{
    struct wv_json *v = need(c, obj, "emitted_at", WV_JSON_NUMBER, label);
    if (!v)
        return -1;
    if (wv_json_as_i64(v, out) == 0)
        return 0;
    double d = 0;
    if (wv_json_as_double(v, &d) < 0 || !(d > -9.2e18 && d < 9.2e18))
        return perr(c, "%s '%s' is out of range", c->what, label);
    *out = (int64_t)d;
    return 0;
}

/* A StreamDescriptor ({"name","namespace"?}) at obj[key]: sets *name and *ns. */
static int need_descriptor(const struct pctx *c, const struct wv_json *obj, const char *key,
                           const char *label, const char **name, const char **ns)
{
    char sub[160];
    struct wv_json *d = need(c, obj, key, WV_JSON_OBJECT, label);
    if (!d)
        return -1;
    snprintf(sub, sizeof sub, "%s.name", label);
    struct wv_json *n = need(c, d, "name", WV_JSON_STRING, sub);
    if (!n)
        return -1;
    snprintf(sub, sizeof sub, "%s.namespace", label);
    if (opt_str(c, d, "namespace", sub, ns) < 0)
        return -1;
    *name = n->s;
    return 0;
}

/* RECORD: stream, namespace?, data (object), emitted_at (integer ms). */
static int decode_record(const struct pctx *c, struct wv_msg *m)
{
    struct wv_json *stream = need(c, m->body, "stream", WV_JSON_STRING, "stream");
    if (!stream || opt_str(c, m->body, "namespace", "namespace", &m->ns) < 0)
        return -1;
    m->stream = stream->s;
    m->data = need(c, m->body, "data", WV_JSON_OBJECT, "data");
    if (!m->data)
        return -1;
    return need_ms(c, m->body, "emitted_at", &m->emitted_at);
}

/* An optional state blob child: missing or null gives NULL, otherwise it must be an object. */
static int opt_blob(const struct pctx *c, const struct wv_json *obj, const char *key,
                    const char *label, struct wv_json **out)
{
    struct wv_json *v = wv_json_get(obj, key);
    *out = NULL;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_OBJECT)
        return perr(c, "%s '%s' is not an object", c->what, label);
    *out = v;
    return 0;
}

/* GLOBAL state: global.shared_state?, global.stream_states[] of AirbyteStreamState. */
static int decode_state_global(const struct pctx *c, struct wv_msg *m)
{
    struct wv_json *g = need(c, m->body, "global", WV_JSON_OBJECT, "global");
    struct wv_json *blob = NULL;
    if (!g || opt_blob(c, g, "shared_state", "global.shared_state", &blob) < 0)
        return -1;
    struct wv_json *arr = need(c, g, "stream_states", WV_JSON_ARRAY, "global.stream_states");
    if (!arr)
        return -1;
    for (size_t i = 0; i < arr->len; i++) {
        char label[96];
        const char *name, *ns;
        snprintf(label, sizeof label, "global.stream_states[%zu]", i);
        if (arr->items[i]->type != WV_JSON_OBJECT)
            return perr(c, "%s '%s' is not an object", c->what, label);
        snprintf(label, sizeof label, "global.stream_states[%zu].stream_descriptor", i);
        if (need_descriptor(c, arr->items[i], "stream_descriptor", label, &name, &ns) < 0)
            return -1;
        snprintf(label, sizeof label, "global.stream_states[%zu].stream_state", i);
        if (opt_blob(c, arr->items[i], "stream_state", label, &blob) < 0)
            return -1;
    }
    return 0;
}

/* STATE: by state.type (absent = LEGACY): STREAM, GLOBAL or LEGACY {"data":{...}}. */
static int decode_state(const struct pctx *c, struct wv_msg *m)
{
    const char *t = NULL;
    if (opt_str(c, m->body, "type", "type", &t) < 0)
        return -1;
    if (!t || strcmp(t, "LEGACY") == 0) {
        m->state_type = WV_STATE_LEGACY;
        m->data = need(c, m->body, "data", WV_JSON_OBJECT, "data");
        return m->data ? 0 : -1;
    }
    if (strcmp(t, "GLOBAL") == 0) {
        m->state_type = WV_STATE_GLOBAL;
        return decode_state_global(c, m);
    }
    if (strcmp(t, "STREAM") != 0)
        return perr(c, "STATE of unknown type '%s'", t);
    m->state_type = WV_STATE_STREAM;
    struct wv_json *s = need(c, m->body, "stream", WV_JSON_OBJECT, "stream");
    if (!s || need_descriptor(c, s, "stream_descriptor", "stream.stream_descriptor", &m->stream,
                              &m->ns) < 0)
        return -1;
    return opt_blob(c, s, "stream_state", "stream.stream_state", &m->stream_state);
}

/* LOG: level (one of the six protocol levels) and message. */
static int decode_log(const struct pctx *c, struct wv_msg *m)
{
    struct wv_json *lv = need(c, m->body, "level", WV_JSON_STRING, "level");
    if (!lv)
        return -1;
    enum wv_level level;
    if (wv_level_parse(lv->s, &level) < 0)
        return perr(c, "LOG level '%s' is not one of FATAL, ERROR, WARN, INFO, DEBUG, TRACE",
                    lv->s);
    m->level = (int)level;
    struct wv_json *text = need(c, m->body, "message", WV_JSON_STRING, "message");
    if (!text)
        return -1;
    m->message = text->s;
    return 0;
}

/* TRACE ESTIMATE: estimate.name, estimate.type STREAM|SYNC, optional integer estimates. */
static int decode_estimate(const struct pctx *c, struct wv_msg *m)
{
    struct wv_json *e = need(c, m->body, "estimate", WV_JSON_OBJECT, "estimate");
    if (!e)
        return -1;
    struct wv_json *name = need(c, e, "name", WV_JSON_STRING, "estimate.name");
    struct wv_json *t = name ? need(c, e, "type", WV_JSON_STRING, "estimate.type") : NULL;
    if (!t)
        return -1;
    if (strcmp(t->s, "STREAM") != 0 && strcmp(t->s, "SYNC") != 0)
        return perr(c, "TRACE estimate type '%s' is not STREAM or SYNC", t->s);
    static const char *const counts[] = {"row_estimate", "byte_estimate"};
    for (size_t i = 0; i < 2; i++) {
        struct wv_json *v = wv_json_get(e, counts[i]);
        if (v && v->type != WV_JSON_NULL && v->type != WV_JSON_NUMBER)
            return perr(c, "TRACE 'estimate.%s' is not a number", counts[i]);
    }
    if (strcmp(t->s, "STREAM") == 0) {
        m->stream = name->s;
        return opt_str(c, e, "namespace", "estimate.namespace", &m->ns);
    }
    return 0;
}

/* TRACE: type, emitted_at (float ms, truncated) and the payload of that type. */
static int decode_trace(const struct pctx *c, struct wv_msg *m)
{
    struct wv_json *t = need(c, m->body, "type", WV_JSON_STRING, "type");
    if (!t)
        return -1;
    int ti = name_index(t->s, trace_names, 4);
    if (ti < 0)
        return perr(c, "TRACE of unknown type '%s'", t->s);
    m->trace_type = (enum wv_trace_type)ti;
    if (need_ms(c, m->body, "emitted_at", &m->emitted_at) < 0)
        return -1;
    if (m->trace_type == WV_TRACE_ERROR) {
        struct wv_json *e = need(c, m->body, "error", WV_JSON_OBJECT, "error");
        struct wv_json *text = e ? need(c, e, "message", WV_JSON_STRING, "error.message") : NULL;
        if (!text)
            return -1;
        m->message = text->s;
        struct wv_json *d = wv_json_get(e, "stream_descriptor");
        if (!d || d->type == WV_JSON_NULL)
            return 0;
        return need_descriptor(c, e, "stream_descriptor", "error.stream_descriptor", &m->stream,
                               &m->ns);
    }
    if (m->trace_type == WV_TRACE_ESTIMATE)
        return decode_estimate(c, m);
    if (m->trace_type == WV_TRACE_STREAM_STATUS) {
        struct wv_json *s = need(c, m->body, "stream_status", WV_JSON_OBJECT, "stream_status");
        if (!s || need_descriptor(c, s, "stream_descriptor", "stream_status.stream_descriptor",
                                  &m->stream, &m->ns) < 0)
            return -1;
        struct wv_json *st = need(c, s, "status", WV_JSON_STRING, "stream_status.status");
        if (!st)
            return -1;
        if (name_index(st->s, stream_statuses, 4) < 0)
            return perr(c, "TRACE stream status '%s' is not one of STARTED, RUNNING, COMPLETE, "
                           "INCOMPLETE", st->s);
        m->status = st->s;
    }
    return 0;
}

/* CONNECTION_STATUS: status SUCCEEDED|FAILED, message?. */
static int decode_connection_status(const struct pctx *c, struct wv_msg *m)
{
    struct wv_json *st = need(c, m->body, "status", WV_JSON_STRING, "status");
    if (!st)
        return -1;
    if (strcmp(st->s, "SUCCEEDED") != 0 && strcmp(st->s, "FAILED") != 0)
        return perr(c, "CONNECTION_STATUS status '%s' is not SUCCEEDED or FAILED", st->s);
    m->status = st->s;
    return opt_str(c, m->body, "message", "message", &m->message);
}

/* CONTROL: type CONNECTOR_CONFIG, emitted_at, connectorConfig.config (set as m->data). */
static int decode_control(const struct pctx *c, struct wv_msg *m)
{
    struct wv_json *t = need(c, m->body, "type", WV_JSON_STRING, "type");
    if (!t)
        return -1;
    if (strcmp(t->s, "CONNECTOR_CONFIG") != 0)
        return perr(c, "CONTROL of unknown type '%s'", t->s);
    if (need_ms(c, m->body, "emitted_at", &m->emitted_at) < 0)
        return -1;
    struct wv_json *cc = need(c, m->body, "connectorConfig", WV_JSON_OBJECT, "connectorConfig");
    if (!cc)
        return -1;
    m->data = need(c, cc, "config", WV_JSON_OBJECT, "connectorConfig.config");
    return m->data ? 0 : -1;
}

/* Sets type, body and the typed views of m from m->root; validates. Never frees. */
static int msg_decode(const struct pctx *pc, struct wv_msg *m)
{
    struct pctx c = *pc;
    c.what = "message";
    if (!m->root || m->root->type != WV_JSON_OBJECT)
        return perr(&c, "not a JSON object (got %s)",
                    m->root ? wv_json_type_name(m->root->type) : "nothing");
    struct wv_json *t = need(&c, m->root, "type", WV_JSON_STRING, "type");
    if (!t)
        return -1;
    int ti = name_index(t->s, type_wire, N_MSG_TYPES);
    if (ti < 0)
        return perr(&c, "unknown message type '%s'", t->s);
    m->type = (enum wv_msg_type)ti;
    c.what = type_wire[ti];
    m->body = need(&c, m->root, type_field[ti], WV_JSON_OBJECT, type_field[ti]);
    if (!m->body)
        return -1;
    switch (m->type) {
    case WV_MSG_RECORD: return decode_record(&c, m);
    case WV_MSG_STATE: return decode_state(&c, m);
    case WV_MSG_LOG: return decode_log(&c, m);
    case WV_MSG_TRACE: return decode_trace(&c, m);
    case WV_MSG_SPEC:
        return need(&c, m->body, "connectionSpecification", WV_JSON_OBJECT,
                    "connectionSpecification") ? 0 : -1;
    case WV_MSG_CATALOG: return need(&c, m->body, "streams", WV_JSON_ARRAY, "streams") ? 0 : -1;
    case WV_MSG_CONNECTION_STATUS: return decode_connection_status(&c, m);
    case WV_MSG_CONTROL: return decode_control(&c, m);
    }
    return 0;
}

/* Builds a message from its object; takes ownership of root. */
int wv_msg_from_json(struct wv_json *root, const char *origin, long lineno, struct wv_msg *msg,
                     struct wv_error *err)
{
    struct pctx c = {origin, lineno, "message", err};
    struct wv_msg m;
    memset(&m, 0, sizeof m);
    m.root = root;
    if (msg_decode(&c, &m) < 0) {
        wv_json_free(root);
        return -1;
    }
    *msg = m;
    return 0;
}

/* Rewrites a JSON error "origin:L:C: what" as "origin:LINENO: invalid JSON at col C: what". */
static int json_error(const struct pctx *c, const struct wv_error *jerr, struct wv_error *err)
{
    const char *origin = c->origin ? c->origin : "-";
    enum wv_code code = jerr->code == WV_E_LIMIT ? WV_E_LIMIT : WV_E_PROTOCOL;
    size_t ol = strlen(origin);
    unsigned long l = 0, col = 0;
    int used = 0;
    if (strncmp(jerr->msg, origin, ol) == 0 && jerr->msg[ol] == ':' &&
        sscanf(jerr->msg + ol + 1, "%lu:%lu: %n", &l, &col, &used) == 2 && used > 0) {
        const char *what = jerr->msg + ol + 1 + used;
        if (l <= 1)
            return wv_error_set(err, code, 0, "%s:%ld: invalid JSON at col %lu: %s", origin,
                                c->lineno, col, what);
        return wv_error_set(err, code, 0,
                            "%s:%ld: invalid JSON at col %lu (line %lu of the message): %s",
                            origin, c->lineno, col, l, what);
    }
    return wv_error_set(err, code, 0, "%s:%ld: invalid JSON: %s", origin, c->lineno, jerr->msg);
}

/* Decodes one JSON line. */
int wv_msg_parse(const char *line, size_t len, const char *origin, long lineno,
                 struct wv_msg *msg, struct wv_error *err)
{
    struct pctx c = {origin, lineno, "message", err};
    if (len > MSG_MAX_LINE)
        return wv_error_set(err, WV_E_LIMIT, 0,
                            "%s:%ld: line of %zu bytes is over the %zu MiB limit",
                            origin ? origin : "-", lineno, len, MSG_MAX_LINE >> 20);
    if (len && line[len - 1] == '\n')
        len--;
    if (len && line[len - 1] == '\r')
        len--;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len)
        return perr(&c, "empty line (expected a JSON object)");
    if (line[i] != '{')
        return perr(&c, "not a JSON object");
    struct wv_error jerr;
    wv_error_clear(&jerr);
    struct wv_json *root = wv_json_parse(line, len, origin ? origin : "-", &jerr);
    if (!root)
        return json_error(&c, &jerr, err);
    return wv_msg_from_json(root, origin, lineno, msg, err);
}

/* Frees the message tree. */
void wv_msg_done(struct wv_msg *msg)
{
    if (!msg)
        return;
    wv_json_free(msg->root);
    memset(msg, 0, sizeof *msg);
}

/* Appends compact JSON and a newline. */
int wv_msg_write(struct wv_buf *out, const struct wv_msg *msg, struct wv_error *err)
{
    if (!msg->root)
        return wv_error_set(err, WV_E_INTERNAL, 0, "writing an empty message");
    if (wv_json_write(out, msg->root, err) < 0)
        return -1;
    return wv_buf_putc(out, '\n', err);
}

/* Wire name of a message type. */
const char *wv_msg_type_name(enum wv_msg_type t)
{
    if ((unsigned)t >= N_MSG_TYPES)
        return "UNKNOWN";
    return type_wire[t];
}

/* ---- constructors ---- */

/* Wraps body as {"type": T, field: body} into msg and sets the views. */
static void msg_build(struct wv_msg *msg, enum wv_msg_type t, struct wv_json *body)
{
    memset(msg, 0, sizeof *msg);
    msg->root = wv_json_object();
    wv_json_set(msg->root, "type", wv_json_str(type_wire[t]));
    wv_json_set(msg->root, type_field[t], body ? body : wv_json_object());
    struct pctx c = {"-", 0, "message", NULL};
    (void)msg_decode(&c, msg); /* what we built is valid; the views are set either way */
}

/* Sets key to a string copy unless s is NULL. */
static void set_opt_str(struct wv_json *obj, const char *key, const char *s)
{
    if (s)
        wv_json_set(obj, key, wv_json_str(s));
}

/* {"name": stream, "namespace": ns?} */
static struct wv_json *descriptor(const char *ns, const char *stream)
{
    struct wv_json *d = wv_json_object();
    wv_json_set(d, "name", wv_json_str(stream ? stream : ""));
    set_opt_str(d, "namespace", ns);
    return d;
}

/* RECORD message. */
void wv_msg_record(struct wv_msg *msg, const char *ns, const char *stream, struct wv_json *data,
                   int64_t emitted_at)
{
    struct wv_json *r = wv_json_object();
    set_opt_str(r, "namespace", ns);
    wv_json_set(r, "stream", wv_json_str(stream ? stream : ""));
    wv_json_set(r, "data", data ? data : wv_json_object());
    wv_json_set(r, "emitted_at", wv_json_int(emitted_at));
    msg_build(msg, WV_MSG_RECORD, r);
}

/* STATE of type STREAM. */
void wv_msg_state_stream(struct wv_msg *msg, const char *ns, const char *stream,
                         struct wv_json *stream_state)
{
    struct wv_json *s = wv_json_object();
    wv_json_set(s, "stream_descriptor", descriptor(ns, stream));
    if (stream_state)
        wv_json_set(s, "stream_state", stream_state);
    struct wv_json *st = wv_json_object();
    wv_json_set(st, "type", wv_json_str("STREAM"));
    wv_json_set(st, "stream", s);
    msg_build(msg, WV_MSG_STATE, st);
}

/* STATE of type GLOBAL. */
void wv_msg_state_global(struct wv_msg *msg, struct wv_json *shared_state,
                         struct wv_json *stream_states)
{
    struct wv_json *g = wv_json_object();
    if (shared_state)
        wv_json_set(g, "shared_state", shared_state);
    wv_json_set(g, "stream_states", stream_states ? stream_states : wv_json_array());
    struct wv_json *st = wv_json_object();
    wv_json_set(st, "type", wv_json_str("GLOBAL"));
    wv_json_set(st, "global", g);
    msg_build(msg, WV_MSG_STATE, st);
}

/* STATE of the legacy form {"data": {...}}. */
void wv_msg_state_legacy(struct wv_msg *msg, struct wv_json *data)
{
    struct wv_json *st = wv_json_object();
    wv_json_set(st, "data", data ? data : wv_json_object());
    msg_build(msg, WV_MSG_STATE, st);
}

/* LOG message. */
void wv_msg_log(struct wv_msg *msg, int level, const char *text)
{
    struct wv_json *l = wv_json_object();
    wv_json_set(l, "level", wv_json_str(wv_level_name((enum wv_level)level)));
    wv_json_set(l, "message", wv_json_str(text ? text : ""));
    msg_build(msg, WV_MSG_LOG, l);
}

/* {"type": T, "emitted_at": ms} - the head of a TRACE payload. */
static struct wv_json *trace_head(const char *type, int64_t emitted_at)
{
    struct wv_json *t = wv_json_object();
    wv_json_set(t, "type", wv_json_str(type));
    wv_json_set(t, "emitted_at", wv_json_int(emitted_at));
    return t;
}

/* TRACE ERROR. */
void wv_msg_trace_error(struct wv_msg *msg, int64_t emitted_at, const char *message,
                        const char *internal_message, const char *failure_type)
{
    struct wv_json *e = wv_json_object();
    wv_json_set(e, "message", wv_json_str(message ? message : ""));
    set_opt_str(e, "internal_message", internal_message);
    set_opt_str(e, "failure_type", failure_type);
    struct wv_json *t = trace_head("ERROR", emitted_at);
    wv_json_set(t, "error", e);
    msg_build(msg, WV_MSG_TRACE, t);
}

/* TRACE STREAM_STATUS. */
void wv_msg_trace_status(struct wv_msg *msg, int64_t emitted_at, const char *ns,
                         const char *stream, const char *status)
{
    struct wv_json *s = wv_json_object();
    wv_json_set(s, "stream_descriptor", descriptor(ns, stream));
    wv_json_set(s, "status", wv_json_str(status ? status : "RUNNING"));
    struct wv_json *t = trace_head("STREAM_STATUS", emitted_at);
    wv_json_set(t, "stream_status", s);
    msg_build(msg, WV_MSG_TRACE, t);
}

/* TRACE ESTIMATE: per stream, or for the sync when stream is NULL; negative counts omitted. */
void wv_msg_trace_estimate(struct wv_msg *msg, int64_t emitted_at, const char *ns,
                           const char *stream, int64_t row_estimate, int64_t byte_estimate)
{
    struct wv_json *e = wv_json_object();
    wv_json_set(e, "name", wv_json_str(stream ? stream : ""));
    if (stream)
        set_opt_str(e, "namespace", ns);
    wv_json_set(e, "type", wv_json_str(stream ? "STREAM" : "SYNC"));
    if (row_estimate >= 0)
        wv_json_set(e, "row_estimate", wv_json_int(row_estimate));
    if (byte_estimate >= 0)
        wv_json_set(e, "byte_estimate", wv_json_int(byte_estimate));
    struct wv_json *t = trace_head("ESTIMATE", emitted_at);
    wv_json_set(t, "estimate", e);
    msg_build(msg, WV_MSG_TRACE, t);
}

/* SPEC message (spec is a ConnectorSpecification object). */
void wv_msg_spec(struct wv_msg *msg, struct wv_json *spec) { msg_build(msg, WV_MSG_SPEC, spec); }

/* CATALOG message (catalog is an AirbyteCatalog object). */
void wv_msg_catalog(struct wv_msg *msg, struct wv_json *catalog)
{
    msg_build(msg, WV_MSG_CATALOG, catalog);
}

/* CONNECTION_STATUS message. */
void wv_msg_connection_status(struct wv_msg *msg, bool succeeded, const char *message)
{
    struct wv_json *s = wv_json_object();
    wv_json_set(s, "status", wv_json_str(succeeded ? "SUCCEEDED" : "FAILED"));
    set_opt_str(s, "message", message);
    msg_build(msg, WV_MSG_CONNECTION_STATUS, s);
}

/* CONTROL CONNECTOR_CONFIG message. */
void wv_msg_control_config(struct wv_msg *msg, int64_t emitted_at, struct wv_json *config)
{
    struct wv_json *cc = wv_json_object();
    wv_json_set(cc, "config", config ? config : wv_json_object());
    struct wv_json *t = trace_head("CONNECTOR_CONFIG", emitted_at);
    wv_json_set(t, "connectorConfig", cc);
    msg_build(msg, WV_MSG_CONTROL, t);
}

/* ---- paths ---- */

/* Path from "a" or ["a", "b"]. */
int wv_path_from_json(const struct wv_json *j, struct wv_path *out)
{
    out->parts = NULL;
    out->n = 0;
    if (j && j->type == WV_JSON_STRING) {
        out->parts = wv_malloc(sizeof *out->parts);
        out->parts[0] = wv_strdup(j->s);
        out->n = 1;
        return 0;
    }
    if (!j || j->type != WV_JSON_ARRAY)
        return -1;
    for (size_t i = 0; i < j->len; i++)
        if (j->items[i]->type != WV_JSON_STRING)
            return -1;
    if (j->len == 0)
        return 0;
    out->parts = wv_calloc(j->len, sizeof *out->parts);
    for (size_t i = 0; i < j->len; i++)
        out->parts[i] = wv_strdup(j->items[i]->s);
    out->n = j->len;
    return 0;
}

/* Frees a path's parts. */
void wv_path_done(struct wv_path *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->parts[i]);
    free(p->parts);
    p->parts = NULL;
    p->n = 0;
}

/* Deep copy into dst (dst's old contents are not freed). */
void wv_path_copy(struct wv_path *dst, const struct wv_path *src)
{
    dst->n = src->n;
    dst->parts = src->n ? wv_calloc(src->n, sizeof *dst->parts) : NULL;
    for (size_t i = 0; i < src->n; i++)
        dst->parts[i] = wv_strdup(src->parts[i]);
}

/* ["a", "b"] */
struct wv_json *wv_path_to_json(const struct wv_path *p)
{
    struct wv_json *a = wv_json_array();
    for (size_t i = 0; i < p->n; i++)
        wv_json_push(a, wv_json_str(p->parts[i]));
    return a;
}

/* Follows object keys; an empty path names nothing. */
struct wv_json *wv_path_get(const struct wv_json *record, const struct wv_path *p)
{
    if (!p || p->n == 0)
        return NULL;
    return wv_json_path(record, p->parts, p->n);
}

/* ---- mode names ---- */

/* "full_refresh" / "incremental". */
const char *wv_sync_mode_name(enum wv_sync_mode m)
{
    return (unsigned)m < 2 ? sync_names[m] : "full_refresh";
}

/* "append" ... "overwrite_dedup". */
const char *wv_dest_mode_name(enum wv_dest_mode m)
{
    return (unsigned)m < 4 ? dest_names[m] : "append";
}

/* Sync mode from its wire name. */
int wv_sync_mode_parse(const char *s, enum wv_sync_mode *out)
{
    int i = name_index(s, sync_names, 2);
    if (i < 0)
        return -1;
    *out = (enum wv_sync_mode)i;
    return 0;
}

/* Destination sync mode from its wire name. */
int wv_dest_mode_parse(const char *s, enum wv_dest_mode *out)
{
    int i = name_index(s, dest_names, 4);
    if (i < 0)
        return -1;
    *out = (enum wv_dest_mode)i;
    return 0;
}

/* ---- catalogs ---- */

/* Catalog parsing context: errors are "origin:line:col: stream 'x': what". */
struct cctx {
    const char *origin;
    enum wv_code code;
    char label[160]; /* "stream 'users'" or "streams[3]" */
    struct wv_error *err;
};

/* Records an error at node's position; returns -1. */
static int cerr(const struct cctx *c, const struct wv_json *node, const char *fmt, ...)
    WV_PRINTF(3, 4);
static int cerr(const struct cctx *c, const struct wv_json *node, const char *fmt, ...)
{
    char text[WV_ERROR_MSG_MAX], where[256];
    const char *origin = c->origin ? c->origin : "-";
    if (node && node->line)
        snprintf(where, sizeof where, "%s:%u:%u", origin, (unsigned)node->line,
                 (unsigned)node->col);
    else
        snprintf(where, sizeof where, "%s", origin);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (c->label[0])
        return wv_error_set(c->err, c->code, 0, "%s: %s: %s", where, c->label, text);
    return wv_error_set(c->err, c->code, 0, "%s: %s", where, text);
}

/* Frees the members of a catalog stream. */
static void cat_stream_done(struct wv_catalog_stream *s)
{
    free(s->name);
    free(s->ns);
    wv_json_free(s->json_schema);
    wv_path_done(&s->default_cursor);
    for (size_t i = 0; i < s->n_source_pk; i++)
        wv_path_done(&s->source_pk[i]);
    free(s->source_pk);
    memset(s, 0, sizeof *s);
}

/* A list of paths ([["id"], ["a", "b"]]) at obj[key]; missing or null gives none. */
static int parse_paths(const struct cctx *c, const struct wv_json *obj, const char *key,
                       struct wv_path **out, size_t *n)
{
    struct wv_json *v = wv_json_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_ARRAY)
        return cerr(c, v, "'%s' is not an array of paths", key);
    if (v->len == 0)
        return 0;
    *out = wv_calloc(v->len, sizeof **out);
    for (size_t i = 0; i < v->len; i++) {
        if (wv_path_from_json(v->items[i], &(*out)[i]) < 0) {
            for (size_t k = 0; k < i; k++)
                wv_path_done(&(*out)[k]);
            free(*out);
            *out = NULL;
            return cerr(c, v->items[i], "'%s' item %zu is not a path (array of strings)", key, i);
        }
    }
    *n = v->len;
    return 0;
}

/* A single path at obj[key]; missing or null gives an empty path. */
static int parse_path(const struct cctx *c, const struct wv_json *obj, const char *key,
                      struct wv_path *out)
{
    struct wv_json *v = wv_json_get(obj, key);
    out->parts = NULL;
    out->n = 0;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (wv_path_from_json(v, out) < 0)
        return cerr(c, v, "'%s' is not a path (array of strings)", key);
    return 0;
}

/* An optional boolean at obj[key] (null = default). */
static int parse_bool(const struct cctx *c, const struct wv_json *obj, const char *key,
                      bool *out)
{
    struct wv_json *v = wv_json_get(obj, key);
    *out = false;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_BOOL)
        return cerr(c, v, "'%s' is not a boolean", key);
    *out = v->b;
    return 0;
}

/* supported_sync_modes: optional (absent allows both), otherwise a non-empty list of modes. */
static int parse_supported(const struct cctx *c, const struct wv_json *j,
                           struct wv_catalog_stream *s)
{
    struct wv_json *v = wv_json_get(j, "supported_sync_modes");
    if (!v || v->type == WV_JSON_NULL) {
        s->supports_full_refresh = s->supports_incremental = true;
        return 0;
    }
    if (v->type != WV_JSON_ARRAY || v->len == 0)
        return cerr(c, v, "'supported_sync_modes' is not a non-empty array");
    for (size_t i = 0; i < v->len; i++) {
        enum wv_sync_mode m;
        const struct wv_json *it = v->items[i];
        if (it->type != WV_JSON_STRING || wv_sync_mode_parse(it->s, &m) < 0)
            return cerr(c, it, "unknown sync mode in 'supported_sync_modes' (expected "
                               "full_refresh or incremental)");
        if (m == WV_SYNC_FULL_REFRESH)
            s->supports_full_refresh = true;
        else
            s->supports_incremental = true;
    }
    return 0;
}

/* One AirbyteStream object into s (zeroed on error). */
static int cat_stream_parse(struct cctx *c, const struct wv_json *j, struct wv_catalog_stream *s)
{
    memset(s, 0, sizeof *s);
    if (!j || j->type != WV_JSON_OBJECT)
        return cerr(c, j, "not an object");
    struct wv_json *name = wv_json_get(j, "name");
    if (!name || name->type != WV_JSON_STRING)
        return cerr(c, name ? name : j, name ? "'name' is not a string" : "missing 'name'");
    snprintf(c->label, sizeof c->label, "stream '%s'", name->s);
    struct wv_json *nsj = wv_json_get(j, "namespace");
    if (nsj && nsj->type != WV_JSON_NULL && nsj->type != WV_JSON_STRING)
        return cerr(c, nsj, "'namespace' is not a string");
    struct wv_json *schema = wv_json_get(j, "json_schema");
    if (!schema || schema->type != WV_JSON_OBJECT)
        return cerr(c, schema ? schema : j,
                    schema ? "'json_schema' is not an object" : "missing 'json_schema'");
    s->name = wv_strdup(name->s);
    s->ns = nsj && nsj->type == WV_JSON_STRING ? wv_strdup(nsj->s) : NULL;
    s->json_schema = wv_json_dup(schema);
    if (parse_supported(c, j, s) < 0 || parse_bool(c, j, "source_defined_cursor",
                                                   &s->source_defined_cursor) < 0 ||
        parse_path(c, j, "default_cursor_field", &s->default_cursor) < 0 ||
        parse_paths(c, j, "source_defined_primary_key", &s->source_pk, &s->n_source_pk) < 0 ||
        parse_bool(c, j, "is_resumable", &s->is_resumable) < 0) {
        cat_stream_done(s);
        return -1;
    }
    return 0;
}

/* The "streams" array of a (configured) catalog object. */
static const struct wv_json *catalog_streams(struct cctx *c, const struct wv_json *j)
{
    if (!j || j->type != WV_JSON_OBJECT) {
        cerr(c, j, "catalog is not an object");
        return NULL;
    }
    struct wv_json *v = wv_json_get(j, "streams");
    if (!v || v->type != WV_JSON_ARRAY) {
        cerr(c, v ? v : j, v ? "catalog 'streams' is not an array" : "catalog without 'streams'");
        return NULL;
    }
    return v;
}

/* Parses an AirbyteCatalog. */
int wv_catalog_parse(const struct wv_json *j, const char *origin, struct wv_catalog *out,
                     struct wv_error *err)
{
    struct cctx c = {origin, WV_E_PROTOCOL, "", err};
    out->streams = NULL;
    out->n = 0;
    const struct wv_json *arr = catalog_streams(&c, j);
    if (!arr)
        return -1;
    struct wv_catalog cat = {arr->len ? wv_calloc(arr->len, sizeof *cat.streams) : NULL, 0};
    for (size_t i = 0; i < arr->len; i++, cat.n++) {
        snprintf(c.label, sizeof c.label, "streams[%zu]", i);
        if (cat_stream_parse(&c, arr->items[i], &cat.streams[i]) < 0) {
            wv_catalog_done(&cat);
            return -1;
        }
    }
    *out = cat;
    return 0;
}

/* Frees a catalog's streams. */
void wv_catalog_done(struct wv_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        cat_stream_done(&c->streams[i]);
    free(c->streams);
    c->streams = NULL;
    c->n = 0;
}

/* One AirbyteStream as wire JSON. */
static struct wv_json *cat_stream_to_json(const struct wv_catalog_stream *s)
{
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "name", wv_json_str(s->name ? s->name : ""));
    set_opt_str(o, "namespace", s->ns);
    wv_json_set(o, "json_schema", s->json_schema ? wv_json_dup(s->json_schema) : wv_json_object());
    struct wv_json *modes = wv_json_array();
    if (s->supports_full_refresh)
        wv_json_push(modes, wv_json_str("full_refresh"));
    if (s->supports_incremental)
        wv_json_push(modes, wv_json_str("incremental"));
    wv_json_set(o, "supported_sync_modes", modes);
    wv_json_set(o, "source_defined_cursor", wv_json_bool(s->source_defined_cursor));
    if (s->default_cursor.n)
        wv_json_set(o, "default_cursor_field", wv_path_to_json(&s->default_cursor));
    if (s->n_source_pk) {
        struct wv_json *pk = wv_json_array();
        for (size_t i = 0; i < s->n_source_pk; i++)
            wv_json_push(pk, wv_path_to_json(&s->source_pk[i]));
        wv_json_set(o, "source_defined_primary_key", pk);
    }
    wv_json_set(o, "is_resumable", wv_json_bool(s->is_resumable));
    return o;
}

/* An AirbyteCatalog as wire JSON; caller frees. */
struct wv_json *wv_catalog_to_json(const struct wv_catalog *c)
{
    struct wv_json *arr = wv_json_array();
    for (size_t i = 0; i < c->n; i++)
        wv_json_push(arr, cat_stream_to_json(&c->streams[i]));
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "streams", arr);
    return o;
}

/* ---- configured catalogs ---- */

/* Frees the members of a configured stream. */
static void cfg_stream_done(struct wv_cfg_stream *s)
{
    cat_stream_done(&s->stream);
    wv_path_done(&s->cursor);
    for (size_t i = 0; i < s->n_pk; i++)
        wv_path_done(&s->pk[i]);
    free(s->pk);
    memset(s, 0, sizeof *s);
}

/* An optional mode name at obj[key] (missing: keep the default) through parse. */
static int parse_mode(const struct cctx *c, const struct wv_json *obj, const char *key,
                      const char *expected, int (*parse)(const char *, int *), int *out)
{
    struct wv_json *v = wv_json_get(obj, key);
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (v->type != WV_JSON_STRING || parse(v->s, out) < 0)
        return cerr(c, v, "'%s' is not one of %s", key, expected);
    return 0;
}

/* Adapters so parse_mode can take either enum parser. */
static int sync_parse_int(const char *s, int *out)
{
    enum wv_sync_mode m;
    if (wv_sync_mode_parse(s, &m) < 0)
        return -1;
    *out = (int)m;
    return 0;
}

/* Destination mode parser with an int result. */
static int dest_parse_int(const char *s, int *out)
{
    enum wv_dest_mode m;
    if (wv_dest_mode_parse(s, &m) < 0)
        return -1;
    *out = (int)m;
    return 0;
}

/* Optional integer ids (generation_id ...); missing or null gives 0. */
static int parse_id(const struct cctx *c, const struct wv_json *obj, const char *key,
                    int64_t *out)
{
    struct wv_json *v = wv_json_get(obj, key);
    *out = 0;
    if (!v || v->type == WV_JSON_NULL)
        return 0;
    if (wv_json_as_i64(v, out) < 0)
        return cerr(c, v, "'%s' is not an integer", key);
    return 0;
}

/* The mode/cursor/key rules: supported sync mode, a cursor for incremental, a key for dedup. */
static int cfg_stream_check(const struct cctx *c, const struct wv_json *j,
                            const struct wv_cfg_stream *s)
{
    const struct wv_catalog_stream *cs = &s->stream;
    bool supported = s->sync_mode == WV_SYNC_INCREMENTAL ? cs->supports_incremental
                                                         : cs->supports_full_refresh;
    struct wv_json *sm = wv_json_get(j, "sync_mode");
    if (!supported)
        return cerr(c, sm ? sm : j, "sync_mode %s is not in the stream's supported_sync_modes",
                    wv_sync_mode_name(s->sync_mode));
    if (s->sync_mode == WV_SYNC_INCREMENTAL && s->cursor.n == 0 &&
        !(cs->source_defined_cursor && cs->default_cursor.n > 0))
        return cerr(c, sm ? sm : j, "sync_mode incremental needs a 'cursor_field' (the source "
                                    "defines no cursor)");
    bool dedup = s->dest_mode == WV_DEST_APPEND_DEDUP || s->dest_mode == WV_DEST_OVERWRITE_DEDUP;
    if (dedup && s->n_pk == 0 && cs->n_source_pk == 0) {
        struct wv_json *dm = wv_json_get(j, "destination_sync_mode");
        return cerr(c, dm ? dm : j, "destination_sync_mode %s needs a 'primary_key' (the source "
                                    "defines none)", wv_dest_mode_name(s->dest_mode));
    }
    return 0;
}

/* One ConfiguredAirbyteStream into s (zeroed on error). */
static int cfg_stream_parse(struct cctx *c, const struct wv_json *j, struct wv_cfg_stream *s)
{
    memset(s, 0, sizeof *s);
    if (!j || j->type != WV_JSON_OBJECT)
        return cerr(c, j, "not an object");
    struct wv_json *st = wv_json_get(j, "stream");
    if (!st)
        return cerr(c, j, "missing 'stream'");
    if (cat_stream_parse(c, st, &s->stream) < 0)
        return -1;
    int sync = WV_SYNC_FULL_REFRESH, dest = WV_DEST_APPEND;
    if (parse_mode(c, j, "sync_mode", "full_refresh, incremental", sync_parse_int, &sync) < 0 ||
        parse_mode(c, j, "destination_sync_mode",
                   "append, overwrite, append_dedup, overwrite_dedup", dest_parse_int, &dest) < 0 ||
        parse_path(c, j, "cursor_field", &s->cursor) < 0 ||
        parse_paths(c, j, "primary_key", &s->pk, &s->n_pk) < 0 ||
        parse_id(c, j, "generation_id", &s->generation_id) < 0 ||
        parse_id(c, j, "minimum_generation_id", &s->minimum_generation_id) < 0 ||
        parse_id(c, j, "sync_id", &s->sync_id) < 0)
        goto fail;
    s->sync_mode = (enum wv_sync_mode)sync;
    s->dest_mode = (enum wv_dest_mode)dest;
    if (cfg_stream_check(c, j, s) < 0)
        goto fail;
    return 0;
fail:
    cfg_stream_done(s);
    return -1;
}

/* Parses a ConfiguredAirbyteCatalog (errors are WV_E_CONFIG: it is weaver's input). */
int wv_cfg_catalog_parse(const struct wv_json *j, const char *origin, struct wv_cfg_catalog *out,
                         struct wv_error *err)
{
    struct cctx c = {origin, WV_E_CONFIG, "", err};
    out->streams = NULL;
    out->n = 0;
    const struct wv_json *arr = catalog_streams(&c, j);
    if (!arr)
        return -1;
    struct wv_cfg_catalog cat = {arr->len ? wv_calloc(arr->len, sizeof *cat.streams) : NULL, 0};
    for (size_t i = 0; i < arr->len; i++, cat.n++) {
        snprintf(c.label, sizeof c.label, "streams[%zu]", i);
        struct wv_cfg_stream *s = &cat.streams[i];
        if (cfg_stream_parse(&c, arr->items[i], s) < 0)
            goto fail;
        if (wv_cfg_catalog_find(&cat, s->stream.ns, s->stream.name)) {
            cerr(&c, arr->items[i], "stream listed twice");
            cfg_stream_done(s);
            goto fail;
        }
    }
    *out = cat;
    return 0;
fail:
    wv_cfg_catalog_done(&cat);
    return -1;
}

/* Frees a configured catalog's streams. */
void wv_cfg_catalog_done(struct wv_cfg_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        cfg_stream_done(&c->streams[i]);
    free(c->streams);
    c->streams = NULL;
    c->n = 0;
}

/* A ConfiguredAirbyteCatalog as wire JSON; caller frees. */
struct wv_json *wv_cfg_catalog_to_json(const struct wv_cfg_catalog *c)
{
    struct wv_json *arr = wv_json_array();
    for (size_t i = 0; i < c->n; i++) {
        const struct wv_cfg_stream *s = &c->streams[i];
        struct wv_json *o = wv_json_object();
        wv_json_set(o, "stream", cat_stream_to_json(&s->stream));
        wv_json_set(o, "sync_mode", wv_json_str(wv_sync_mode_name(s->sync_mode)));
        wv_json_set(o, "destination_sync_mode", wv_json_str(wv_dest_mode_name(s->dest_mode)));
        if (s->cursor.n)
            wv_json_set(o, "cursor_field", wv_path_to_json(&s->cursor));
        if (s->n_pk) {
            struct wv_json *pk = wv_json_array();
            for (size_t k = 0; k < s->n_pk; k++)
                wv_json_push(pk, wv_path_to_json(&s->pk[k]));
            wv_json_set(o, "primary_key", pk);
        }
        wv_json_set(o, "generation_id", wv_json_int(s->generation_id));
        wv_json_set(o, "minimum_generation_id", wv_json_int(s->minimum_generation_id));
        wv_json_set(o, "sync_id", wv_json_int(s->sync_id));
        wv_json_push(arr, o);
    }
    struct wv_json *o = wv_json_object();
    wv_json_set(o, "streams", arr);
    return o;
}

/* Finds a configured stream by namespace and name. */
const struct wv_cfg_stream *wv_cfg_catalog_find(const struct wv_cfg_catalog *c, const char *ns,
                                                const char *name)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (wv_str_eq(c->streams[i].stream.ns, ns) && wv_str_eq(c->streams[i].stream.name, name))
            return &c->streams[i];
    return NULL;
}

/* ---- state files ---- */

/* Whether a StreamDescriptor names (ns, name); a missing or null namespace is NULL. */
static bool descriptor_is(const struct wv_json *d, const char *ns, const char *name)
{
    const char *dn = wv_json_get_str(d, "name");
    struct wv_json *dns = wv_json_get(d, "namespace");
    const char *dnss = dns && dns->type == WV_JSON_STRING ? dns->s : NULL;
    return dn && wv_str_eq(dn, name) && wv_str_eq(dnss, ns);
}

/* The stream_state of (ns, name) in one AirbyteStateMessage; *found tells a match. */
static struct wv_json *state_msg_find(const struct wv_json *sm, const char *ns, const char *name,
                                      bool *found)
{
    const char *t = wv_json_get_str(sm, "type");
    if (t && strcmp(t, "STATE") == 0) /* a whole AirbyteMessage: look inside */
        sm = wv_json_get(sm, "state");
    t = wv_json_get_str(sm, "type");
    if (t && strcmp(t, "STREAM") == 0) {
        struct wv_json *s = wv_json_get(sm, "stream");
        *found = descriptor_is(wv_json_get(s, "stream_descriptor"), ns, name);
        return *found ? wv_json_get(s, "stream_state") : NULL;
    }
    if (t && strcmp(t, "GLOBAL") == 0) {
        struct wv_json *arr = wv_json_get(wv_json_get(sm, "global"), "stream_states");
        for (size_t i = 0; arr && arr->type == WV_JSON_ARRAY && i < arr->len; i++) {
            if (descriptor_is(wv_json_get(arr->items[i], "stream_descriptor"), ns, name)) {
                *found = true;
                return wv_json_get(arr->items[i], "stream_state");
            }
        }
        return NULL;
    }
    struct wv_json *v = wv_json_get(wv_json_get(sm, "data"), name); /* LEGACY */
    *found = v != NULL;
    return v;
}

/* The stream_state of one stream in an input state file. */
struct wv_json *wv_state_find_stream(const struct wv_json *state, const char *ns,
                                     const char *name)
{
    bool found = false;
    if (!state || !name)
        return NULL;
    if (state->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < state->len; i++) {
            struct wv_json *v = state_msg_find(state->items[i], ns, name, &found);
            if (found)
                return v;
        }
        return NULL;
    }
    if (state->type != WV_JSON_OBJECT)
        return NULL;
    const char *t = wv_json_get_str(state, "type");
    if (t && (strcmp(t, "STREAM") == 0 || strcmp(t, "GLOBAL") == 0 || strcmp(t, "LEGACY") == 0 ||
              strcmp(t, "STATE") == 0))
        return state_msg_find(state, ns, name, &found);
    return wv_json_get(state, name); /* a bare legacy object {"users": {...}} */
}
