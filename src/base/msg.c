/* msg.c - Airbyte protocol v0 messages: JSON-lines decode/encode and message constructors.
 * Follows airbyte_protocol.yaml (airbytehq/airbyte-protocol, protocol-models/src/main/resources/
 * airbyte_protocol/airbyte_protocol.yaml) and docs.airbyte.com "Airbyte Protocol": AirbyteMessage,
 * AirbyteRecord/State/Log/Trace/Control messages (catalogs and paths: msg_catalog.c).
 * Pure functions over caller-owned values; any thread. */
#include "base/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/msg_int.h"

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

/* Decoding context of one message: where it came from and what it is, for errors. */
struct pctx {
    const char *origin;
    long lineno;
    const char *what; /* "RECORD", "STATE" ... */
    struct wv_error *err;
};

/* Index of s in a list of names, or -1. */
int wv_msg_int_name_index(const char *s, const char *const *names, size_t n)
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
    int ti = wv_msg_int_name_index(t->s, trace_names, 4);
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
        if (wv_msg_int_name_index(st->s, stream_statuses, 4) < 0)
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
    int ti = wv_msg_int_name_index(t->s, type_wire, N_MSG_TYPES);
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
void wv_msg_int_set_opt_str(struct wv_json *obj, const char *key, const char *s)
{
    if (s)
        wv_json_set(obj, key, wv_json_str(s));
}

/* {"name": stream, "namespace": ns?} */
static struct wv_json *descriptor(const char *ns, const char *stream)
{
    struct wv_json *d = wv_json_object();
    wv_json_set(d, "name", wv_json_str(stream ? stream : ""));
    wv_msg_int_set_opt_str(d, "namespace", ns);
    return d;
}

/* RECORD message. */
void wv_msg_record(struct wv_msg *msg, const char *ns, const char *stream, struct wv_json *data,
                   int64_t emitted_at)
{
    struct wv_json *r = wv_json_object();
    wv_msg_int_set_opt_str(r, "namespace", ns);
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
    wv_msg_int_set_opt_str(e, "internal_message", internal_message);
    wv_msg_int_set_opt_str(e, "failure_type", failure_type);
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
        wv_msg_int_set_opt_str(e, "namespace", ns);
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
    wv_msg_int_set_opt_str(s, "message", message);
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
