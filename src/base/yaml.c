/* yaml.c - YAML documents loaded through the libyaml event API into struct wv_json trees.
 * Follows YAML 1.2.2 (https://yaml.org/spec/1.2.2/): section 10.3 core schema tag resolution
 * for plain scalars, 3.2.2.2 anchors and aliases (expanded by copy, capped against "billion
 * laughs"), and the merge key type (https://yaml.org/type/merge.html). One document per input.
 * Any thread; a load uses only its own parser and tree. */
#include "base/yaml.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/fs.h"
#include "base/mem.h"

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_INT "tag:yaml.org,2002:int"
#define TAG_FLOAT "tag:yaml.org,2002:float"
#define TAG_BOOL "tag:yaml.org,2002:bool"
#define TAG_NULL "tag:yaml.org,2002:null"
#define TAG_MERGE "tag:yaml.org,2002:merge"

struct anchor {
    char *name;
    const struct wv_json *node; /* borrowed: in the tree or the graveyard, never mutated */
};

struct yload {
    yaml_parser_t parser;
    const char *text;
    size_t len;
    const char *origin;
    struct wv_error *err;
    size_t nodes; /* nodes created so far, alias copies included */
    struct anchor *anchors;
    size_t nanchors, canchors;
    struct wv_json *graveyard; /* replaced duplicate values and merge sources; freed at the end */
    const char *open[WV_JSON_MAX_DEPTH]; /* anchors of the collections being loaded (or NULL) */
    unsigned nopen;
};

static int yl_fail(struct yload *yl, yaml_mark_t m, const char *fmt, ...) WV_PRINTF(3, 4);

/* Records "origin:line:col: message" at a libyaml mark; returns -1. */
static int yl_fail(struct yload *yl, yaml_mark_t m, const char *fmt, ...)
{
    char msg[WV_ERROR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wv_error_set(yl->err, WV_E_PARSE, 0, "%s:%zu:%zu: %s", yl->origin, m.line + 1,
                        m.column + 1, msg);
}

/* A mark for a node's stored position (for errors found after its events are gone). */
static yaml_mark_t node_mark(const struct wv_json *j)
{
    yaml_mark_t m = {0, j->line ? j->line - 1 : 0, j->col ? j->col - 1 : 0};
    return m;
}

/* Turns libyaml's parser error into "origin:line:col: problem context". */
static int yl_parser_error(struct yload *yl)
{
    yaml_parser_t *p = &yl->parser;
    yaml_mark_t m = p->problem_mark;
    if (p->error == YAML_READER_ERROR) { /* reader errors carry a byte offset only */
        memset(&m, 0, sizeof m);
        for (size_t i = 0; i < p->problem_offset && i < yl->len; i++) {
            if (yl->text[i] == '\n') {
                m.line++;
                m.column = 0;
            } else {
                m.column++;
            }
        }
    }
    char msg[WV_ERROR_MSG_MAX / 2];
    snprintf(msg, sizeof msg, "%s%s%s", p->problem ? p->problem : "invalid YAML",
             p->context ? " " : "", p->context ? p->context : "");
    return yl_fail(yl, m, "%s", msg);
}

/* Fetches the next event. */
static int next_event(struct yload *yl, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&yl->parser, ev))
        return yl_parser_error(yl);
    return 0;
}

/* Counts n more nodes against WV_YAML_MAX_NODES. */
static int count_nodes(struct yload *yl, size_t n, yaml_mark_t m)
{
    if (n > WV_YAML_MAX_NODES || yl->nodes > WV_YAML_MAX_NODES - n)
        return wv_error_set(yl->err, WV_E_PARSE, 0, "%s:%zu:%zu: document expands past %u nodes",
                            yl->origin, m.line + 1, m.column + 1, WV_YAML_MAX_NODES);
    yl->nodes += n;
    return 0;
}

/* Size of a tree, counting no further than limit + 1. */
static size_t tree_size(const struct wv_json *j, size_t limit)
{
    size_t n = 1;
    for (size_t i = 0; i < j->len && n <= limit; i++)
        n += tree_size(j->items[i], limit - n);
    return n;
}

/* Keeps a node alive until the end of the load (it may be the target of an anchor). */
static void bury(struct yload *yl, struct wv_json *j)
{
    if (!yl->graveyard)
        yl->graveyard = wv_json_array();
    wv_json_push(yl->graveyard, j);
}

/* Binds an anchor name to a finished node; a later definition of the same name wins. */
static void anchor_add(struct yload *yl, const char *name, const struct wv_json *node)
{
    if (yl->nanchors == yl->canchors) {
        yl->canchors = yl->canchors ? yl->canchors * 2 : 16;
        yl->anchors = wv_realloc(yl->anchors, yl->canchors * sizeof *yl->anchors);
    }
    yl->anchors[yl->nanchors].name = wv_strdup(name);
    yl->anchors[yl->nanchors].node = node;
    yl->nanchors++;
}

/* The node an anchor names, or NULL. */
static const struct wv_json *anchor_find(const struct yload *yl, const char *name)
{
    for (size_t i = yl->nanchors; i-- > 0;)
        if (strcmp(yl->anchors[i].name, name) == 0)
            return yl->anchors[i].node;
    return NULL;
}

/* Expands an alias into a copy of its anchored node, placed at the alias. */
static struct wv_json *load_alias(struct yload *yl, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const struct wv_json *target = anchor_find(yl, name);
    if (!target) {
        bool inside = false;
        for (unsigned i = 0; i < yl->nopen && !inside; i++)
            inside = yl->open[i] && strcmp(yl->open[i], name) == 0;
        yl_fail(yl, ev->start_mark, inside ? "alias *%s refers to a node that contains it"
                                           : "undefined alias *%s", name);
        return NULL;
    }
    size_t room = WV_YAML_MAX_NODES - yl->nodes;
    if (count_nodes(yl, tree_size(target, room), ev->start_mark) < 0)
        return NULL;
    struct wv_json *copy = wv_json_dup(target);
    copy->line = (uint32_t)ev->start_mark.line + 1;
    copy->col = (uint32_t)ev->start_mark.column + 1;
    return copy;
}

/* ---- scalars (YAML 1.2 core schema, section 10.3.2) ---- */

/* Whether s is one of the core-schema null spellings. */
static bool is_null(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

/* 1 for true, 0 for false, -1 for neither. */
static int bool_value(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return 0;
    return -1;
}

/* Whether [s, s+n) is all digits of the given base (n > 0). */
static bool all_digits(const char *s, size_t n, int base)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = base == 16 ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                                   (c >= 'A' && c <= 'F')
                  : base == 8 ? c >= '0' && c <= '7'
                              : c >= '0' && c <= '9';
        if (!ok)
            return false;
    }
    return true;
}

/* An integer node from 0x/0o digits, or NULL when it does not fit in 64 bits. */
static struct wv_json *radix_int(const char *s, size_t n, int base)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        if (v > (UINT64_MAX - d) / (unsigned)base)
            return NULL;
        v = v * (unsigned)base + d;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return wv_json_number_text(buf);
}

/* Core-schema int ([-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+) as canonical decimal, or NULL. */
static struct wv_json *core_int(const char *s, size_t n)
{
    if (n > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, n - 2, 16))
        return radix_int(s + 2, n - 2, 16);
    if (n > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, n - 2, 8))
        return radix_int(s + 2, n - 2, 8);
    bool neg = n && s[0] == '-';
    size_t i = n && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (!all_digits(s + i, n - i, 10))
        return NULL;
    while (i + 1 < n && s[i] == '0')
        i++;
    neg = neg && !(n - i == 1 && s[i] == '0'); /* -0 is 0 */
    char *text = wv_malloc(n - i + 2);
    size_t o = 0;
    if (neg)
        text[o++] = '-';
    memcpy(text + o, s + i, n - i);
    text[o + n - i] = '\0';
    struct wv_json *j = wv_json_number_text(text);
    free(text);
    return j;
}

/* Length of a run of decimal digits. */
static size_t digit_run(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* Core-schema float ([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?) as JSON number text
 * (".5" -> "0.5", "1." -> "1.0", "+1" -> "1", "007.5" -> "7.5"), or NULL. */
static struct wv_json *core_float(const char *s, size_t n)
{
    size_t i = n && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    size_t ip = i, il = digit_run(s + i, n - i);
    i += il;
    size_t fp = 0, fl = 0;
    bool dot = i < n && s[i] == '.';
    if (dot) {
        fp = ++i;
        fl = digit_run(s + i, n - i);
        i += fl;
    }
    if (!il && !fl)
        return NULL;
    size_t ep = i;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t el = digit_run(s + i, n - i);
        if (!el)
            return NULL;
        i += el;
    }
    if (i != n)
        return NULL;
    while (il > 1 && s[ip] == '0') {
        ip++;
        il--;
    }
    char *text = wv_malloc(n + 4);
    size_t o = 0;
    if (s[0] == '-')
        text[o++] = '-';
    if (il) {
        memcpy(text + o, s + ip, il);
        o += il;
    } else {
        text[o++] = '0';
    }
    if (dot) {
        text[o++] = '.';
        if (fl)
            memcpy(text + o, s + fp, fl);
        else
            text[o] = '0';
        o += fl ? fl : 1;
    }
    memcpy(text + o, s + ep, n - ep);
    text[o + n - ep] = '\0';
    struct wv_json *j = wv_json_number_text(text);
    free(text);
    return j;
}

/* Resolves an untagged plain scalar: null, bool, int, float, else string. */
static struct wv_json *resolve_plain(const char *s, size_t n)
{
    if (is_null(s))
        return wv_json_null();
    int b = bool_value(s);
    if (b >= 0)
        return wv_json_bool(b);
    struct wv_json *j = core_int(s, n);
    if (!j)
        j = core_float(s, n);
    return j ? j : wv_json_strn(s, n);
}

/* Resolves a scalar with an explicit !!int/!!float/!!bool/!!null tag; NULL + error if the value
 * does not fit the tag. */
static struct wv_json *resolve_tagged(struct yload *yl, const char *tag, const char *s, size_t n,
                                      yaml_mark_t m)
{
    struct wv_json *j = NULL;
    if (!strcmp(tag, TAG_INT)) {
        if (!(j = core_int(s, n)))
            yl_fail(yl, m, "invalid !!int value '%s'", s);
    } else if (!strcmp(tag, TAG_FLOAT)) {
        static const char *const special[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                              "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"};
        for (size_t i = 0; i < sizeof special / sizeof *special && !j; i++)
            if (!strcmp(s, special[i]))
                j = wv_json_strn(s, n); /* JSON has no infinities or NaN */
        if (!j && !(j = core_int(s, n)) && !(j = core_float(s, n)))
            yl_fail(yl, m, "invalid !!float value '%s'", s);
    } else if (!strcmp(tag, TAG_BOOL)) {
        int b = bool_value(s);
        if (b < 0)
            yl_fail(yl, m, "invalid !!bool value '%s'", s);
        else
            j = wv_json_bool(b);
    } else if (!strcmp(tag, TAG_NULL)) {
        if (!is_null(s))
            yl_fail(yl, m, "invalid !!null value '%s'", s);
        else
            j = wv_json_null();
    } else {
        j = wv_json_strn(s, n); /* !!str, "!" and unknown tags keep the text */
    }
    return j;
}

/* Loads a scalar event. */
static struct wv_json *load_scalar(struct yload *yl, const yaml_event_t *ev)
{
    if (count_nodes(yl, 1, ev->start_mark) < 0)
        return NULL;
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    struct wv_json *j;
    if (tag)
        j = resolve_tagged(yl, tag, s, n, ev->start_mark);
    else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        j = resolve_plain(s, n);
    else
        j = wv_json_strn(s, n);
    if (j) {
        j->line = (uint32_t)ev->start_mark.line + 1;
        j->col = (uint32_t)ev->start_mark.column + 1;
    }
    return j;
}

/* ---- collections ---- */

static struct wv_json *load_node(struct yload *yl, yaml_event_t *ev, unsigned depth);

/* A new array or object placed at an event, counted against the node cap. */
static struct wv_json *new_collection(struct yload *yl, const yaml_event_t *ev, bool map)
{
    if (count_nodes(yl, 1, ev->start_mark) < 0)
        return NULL;
    struct wv_json *c = map ? wv_json_object() : wv_json_array();
    c->line = (uint32_t)ev->start_mark.line + 1;
    c->col = (uint32_t)ev->start_mark.column + 1;
    return c;
}

/* Loads a sequence up to its end event. */
static struct wv_json *load_seq(struct yload *yl, const yaml_event_t *start, unsigned depth)
{
    struct wv_json *arr = new_collection(yl, start, false);
    if (!arr)
        return NULL;
    for (;;) {
        yaml_event_t ev;
        if (next_event(yl, &ev) < 0)
            break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return arr;
        }
        struct wv_json *item = load_node(yl, &ev, depth);
        if (!item)
            break;
        wv_json_push(arr, item);
    }
    wv_json_free(arr);
    return NULL;
}

/* Inserts key (taken) and v (taken) at index i of an object. */
static void obj_insert(struct wv_json *obj, size_t i, char *key, struct wv_json *v)
{
    if (obj->len == obj->cap) {
        obj->cap = obj->cap ? obj->cap * 2 : 4;
        obj->items = wv_realloc(obj->items, obj->cap * sizeof *obj->items);
        obj->keys = wv_realloc(obj->keys, obj->cap * sizeof *obj->keys);
    }
    memmove(obj->items + i + 1, obj->items + i, (obj->len - i) * sizeof *obj->items);
    memmove(obj->keys + i + 1, obj->keys + i, (obj->len - i) * sizeof *obj->keys);
    obj->items[i] = v;
    obj->keys[i] = key;
    obj->len++;
}

/* Sets key (taken) to v (taken); a duplicate key replaces the earlier value (last wins). */
static void map_put(struct yload *yl, struct wv_json *obj, char *key, struct wv_json *v)
{
    for (size_t i = 0; i < obj->len; i++) {
        if (obj->keys[i][0] == key[0] && strcmp(obj->keys[i], key) == 0) {
            bury(yl, obj->items[i]);
            obj->items[i] = v;
            free(key);
            return;
        }
    }
    obj_insert(obj, obj->len, key, v);
}

/* The text of a mapping key event (scalar or alias to a scalar); *merge if it is "<<". */
static int key_text(struct yload *yl, const yaml_event_t *ev, char **key, bool *merge)
{
    *merge = false;
    if (ev->type == YAML_SCALAR_EVENT) {
        const char *s = (const char *)ev->data.scalar.value, *tag = (const char *)ev->data.scalar.tag;
        *merge = (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "<<")) ||
                 (tag && !strcmp(tag, TAG_MERGE));
        *key = wv_strndup(s, ev->data.scalar.length);
        return 0;
    }
    if (ev->type == YAML_ALIAS_EVENT) {
        const struct wv_json *t = anchor_find(yl, (const char *)ev->data.alias.anchor);
        if (!t)
            return yl_fail(yl, ev->start_mark, "undefined alias *%s",
                           (const char *)ev->data.alias.anchor);
        if (t->type == WV_JSON_STRING || t->type == WV_JSON_NUMBER) {
            *key = wv_strndup(t->s, t->slen);
            return 0;
        }
        if (t->type == WV_JSON_BOOL || t->type == WV_JSON_NULL) {
            *key = wv_strdup(t->type == WV_JSON_NULL ? "null" : t->b ? "true" : "false");
            return 0;
        }
    }
    return yl_fail(yl, ev->start_mark, "mapping keys must be scalars");
}

/* Adds the members of merge source src (a map, or a list of maps) at *at; keys already present
 * win, so explicit keys override merged ones and earlier maps override later ones. */
static int apply_merge(struct yload *yl, struct wv_json *obj, size_t *at, const struct wv_json *src)
{
    bool ok = src->type == WV_JSON_OBJECT || src->type == WV_JSON_ARRAY;
    for (size_t i = 0; ok && src->type == WV_JSON_ARRAY && i < src->len; i++)
        ok = src->items[i]->type == WV_JSON_OBJECT;
    if (!ok)
        return yl_fail(yl, node_mark(src), "merge key '<<' needs a mapping or a list of mappings");
    if (src->type == WV_JSON_ARRAY) {
        for (size_t i = 0; i < src->len; i++)
            if (apply_merge(yl, obj, at, src->items[i]) < 0)
                return -1;
        return 0;
    }
    for (size_t i = 0; i < src->len; i++) {
        if (wv_json_get(obj, src->keys[i]))
            continue;
        size_t n = tree_size(src->items[i], WV_YAML_MAX_NODES - yl->nodes);
        if (count_nodes(yl, n, node_mark(src->items[i])) < 0)
            return -1;
        obj_insert(obj, (*at)++, wv_strdup(src->keys[i]), wv_json_dup(src->items[i]));
    }
    return 0;
}

/* Loads one key: value pair of a mapping; merge values are kept in *merges for the end. */
static int load_pair(struct yload *yl, struct wv_json *obj, yaml_event_t *kev, unsigned depth,
                     struct wv_json **merges, size_t *merge_pos)
{
    char *key = NULL;
    bool merge = false;
    int rc = key_text(yl, kev, &key, &merge);
    yaml_event_delete(kev);
    if (rc < 0)
        return -1;
    yaml_event_t vev;
    struct wv_json *v = next_event(yl, &vev) < 0 ? NULL : load_node(yl, &vev, depth);
    if (!v) {
        free(key);
        return -1;
    }
    if (!merge) {
        map_put(yl, obj, key, v);
        return 0;
    }
    free(key);
    if (!*merges) {
        *merges = wv_json_array();
        *merge_pos = obj->len;
    }
    wv_json_push(*merges, v);
    return 0;
}

/* Loads a mapping up to its end event, then applies merge keys. */
static struct wv_json *load_map(struct yload *yl, const yaml_event_t *start, unsigned depth)
{
    struct wv_json *obj = new_collection(yl, start, true), *merges = NULL;
    size_t merge_pos = 0;
    if (!obj)
        return NULL;
    for (;;) {
        yaml_event_t kev;
        if (next_event(yl, &kev) < 0)
            break;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            int rc = 0;
            for (size_t i = 0; merges && i < merges->len && rc == 0; i++)
                rc = apply_merge(yl, obj, &merge_pos, merges->items[i]);
            if (merges)
                bury(yl, merges); /* its maps may be anchored */
            if (rc == 0)
                return obj;
            wv_json_free(obj);
            return NULL;
        }
        if (load_pair(yl, obj, &kev, depth, &merges, &merge_pos) < 0)
            break;
    }
    if (merges)
        bury(yl, merges);
    wv_json_free(obj);
    return NULL;
}

/* Loads the node starting at ev (consumed), registering its anchor when it is complete. */
static struct wv_json *load_node(struct yload *yl, yaml_event_t *ev, unsigned depth)
{
    struct wv_json *n = NULL;
    const char *anchor = NULL;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        n = load_alias(yl, ev);
        break;
    case YAML_SCALAR_EVENT:
        n = load_scalar(yl, ev);
        anchor = (const char *)ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (depth >= WV_JSON_MAX_DEPTH) {
            yl_fail(yl, ev->start_mark, "nesting deeper than %d levels", WV_JSON_MAX_DEPTH);
            break;
        }
        anchor = ev->type == YAML_SEQUENCE_START_EVENT
                     ? (const char *)ev->data.sequence_start.anchor
                     : (const char *)ev->data.mapping_start.anchor;
        yl->open[yl->nopen++] = anchor;
        n = ev->type == YAML_SEQUENCE_START_EVENT ? load_seq(yl, ev, depth + 1)
                                                  : load_map(yl, ev, depth + 1);
        yl->nopen--;
        break;
    default:
        yl_fail(yl, ev->start_mark, "unexpected YAML event %d", (int)ev->type);
        break;
    }
    if (n && anchor)
        anchor_add(yl, anchor, n);
    yaml_event_delete(ev);
    return n;
}

/* Runs the event stream: one document (or none) and nothing after it. */
static struct wv_json *load_stream(struct yload *yl)
{
    yaml_event_t ev;
    struct wv_json *root = NULL;
    if (next_event(yl, &ev) < 0)
        return NULL;
    yaml_event_delete(&ev); /* STREAM_START */
    if (next_event(yl, &ev) < 0)
        return NULL;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        root = wv_json_null();
        root->line = root->col = 1;
        return root;
    }
    yaml_event_delete(&ev); /* DOCUMENT_START */
    if (next_event(yl, &ev) < 0 || !(root = load_node(yl, &ev, 0)))
        return NULL;
    if (next_event(yl, &ev) < 0) /* DOCUMENT_END */
        goto fail;
    yaml_event_delete(&ev);
    if (next_event(yl, &ev) < 0)
        goto fail;
    if (ev.type == YAML_DOCUMENT_START_EVENT) {
        yl_fail(yl, ev.start_mark, "more than one document");
        yaml_event_delete(&ev);
        goto fail;
    }
    yaml_event_delete(&ev); /* STREAM_END */
    return root;
fail:
    wv_json_free(root);
    return NULL;
}

/* Parses one YAML document. */
struct wv_json *wv_yaml_parse(const char *text, size_t len, const char *origin,
                              struct wv_error *err)
{
    if (!origin)
        origin = "<yaml>";
    if (len > WV_YAML_MAX_BYTES) {
        wv_error_set(err, WV_E_LIMIT, 0, "%s: YAML input is larger than %u bytes", origin,
                     WV_YAML_MAX_BYTES);
        return NULL;
    }
    struct yload yl;
    memset(&yl, 0, sizeof yl);
    yl.text = text ? text : "";
    yl.len = text ? len : 0;
    yl.origin = origin;
    yl.err = err;
    if (!yaml_parser_initialize(&yl.parser)) {
        wv_error_set(err, WV_E_NOMEM, 0, "%s: cannot initialize the YAML parser", origin);
        return NULL;
    }
    yaml_parser_set_input_string(&yl.parser, (const unsigned char *)yl.text, yl.len);
    struct wv_json *root = load_stream(&yl);
    yaml_parser_delete(&yl.parser);
    for (size_t i = 0; i < yl.nanchors; i++)
        free(yl.anchors[i].name);
    free(yl.anchors);
    wv_json_free(yl.graveyard);
    return root;
}

/* Reads and parses a YAML file. */
struct wv_json *wv_yaml_parse_file(const char *path, struct wv_error *err)
{
    char *data = NULL;
    size_t len = 0;
    if (wv_fs_read_all(path, WV_YAML_MAX_BYTES, &data, &len, err) < 0)
        return NULL;
    struct wv_json *j = wv_yaml_parse(data, len, path, err);
    free(data);
    return j;
}

/* "origin:line:col" of a node, or just origin when it has no position. */
const char *wv_where(const char *origin, const struct wv_json *node, char *buf, size_t size)
{
    if (!buf || !size)
        return "";
    if (!origin)
        origin = "";
    if (node && node->line)
        snprintf(buf, size, "%s:%" PRIu32 ":%" PRIu32, origin, node->line, node->col);
    else
        snprintf(buf, size, "%s", origin);
    return buf;
}
