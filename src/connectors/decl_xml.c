/* decl_xml.c - XmlDecoder: a small, non-validating XML 1.0 reader (W3C REC-xml, Fifth
 * Edition, https://www.w3.org/TR/xml/) that builds the JSON shape of Python's xmltodict.parse
 * as the CDK's decoders/xml_decoder.py uses it: {"root": value}; an element with neither
 * attributes nor children is its stripped text (null when empty); otherwise an object with
 * "@attr" members, children by name (repeated ones as a list) and "#text". Entities: the five
 * predefined ones and character references; CDATA kept; comments, PIs and a DOCTYPE skipped;
 * no DTD processing, so nothing external is ever fetched. Runs on the reading thread. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "base/buf.h"
#include "base/mem.h"
#include "connectors/decl_int.h"

#define DECL_XML_MAX_DEPTH 256
#define DECL_XML_MAX_BYTES (256u << 20)

struct decl_xml {
    const char *s;
    size_t n, i;
    int depth;
    struct wv_error *err;
};

/* Fails with "xml:line:col: message" at position at. */
static int decl_xml_fail(struct decl_xml *x, size_t at, const char *msg)
{
    unsigned long line = 1, col = 1;
    for (size_t k = 0; k < at && k < x->n; k++) {
        if (x->s[k] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)x->s[k] & 0xc0) != 0x80) {
            col++;
        }
    }
    return wv_error_set(x->err, WV_E_PARSE, 0, "xml:%lu:%lu: %s", line, col, msg);
}

/* Whether the input continues with lit at the current position. */
static bool decl_xml_at(const struct decl_xml *x, const char *lit)
{
    size_t n = strlen(lit);
    return x->n - x->i >= n && memcmp(x->s + x->i, lit, n) == 0;
}

static bool decl_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void decl_xml_skip_space(struct decl_xml *x)
{
    while (x->i < x->n && decl_xml_space(x->s[x->i]))
        x->i++;
}

/* Skips past the terminator end (from the current position), or fails with what. */
static int decl_xml_skip_to(struct decl_xml *x, const char *end, const char *what)
{
    size_t at = x->i, en = strlen(end);
    for (; x->i + en <= x->n; x->i++)
        if (memcmp(x->s + x->i, end, en) == 0) {
            x->i += en;
            return 0;
        }
    return decl_xml_fail(x, at, what);
}

/* Skips <!DOCTYPE ...> including an internal subset in brackets (never interpreted). */
static int decl_xml_skip_doctype(struct decl_xml *x)
{
    size_t at = x->i;
    int brackets = 0;
    char quote = 0;
    for (; x->i < x->n; x->i++) {
        char c = x->s[x->i];
        if (quote) {
            quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '[') {
            brackets++;
        } else if (c == ']') {
            brackets--;
        } else if (c == '>' && brackets <= 0) {
            x->i++;
            return 0;
        }
    }
    return decl_xml_fail(x, at, "unclosed DOCTYPE declaration");
}

/* Whether c may appear in a name (ASCII letters, digits, _ : - . and any non-ASCII byte). */
static bool decl_xml_namech(unsigned char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80)
        return true;
    return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

/* Reads a name at the current position. Caller frees. */
static char *decl_xml_name(struct decl_xml *x)
{
    size_t b = x->i;
    while (x->i < x->n && decl_xml_namech((unsigned char)x->s[x->i], x->i == b))
        x->i++;
    if (x->i == b) {
        decl_xml_fail(x, b, "expected a name");
        return NULL;
    }
    char *name = wv_malloc(x->i - b + 1);
    memcpy(name, x->s + b, x->i - b);
    name[x->i - b] = '\0';
    return name;
}

/* Appends code point cp as UTF-8; -1 when it is not an XML character. */
static int decl_xml_utf8(struct wv_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe ||
        cp == 0xffff || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r'))
        return -1;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    wv_buf_append(b, u, n, NULL);
    return 0;
}

/* Decodes the reference at the current position ('&') into b. */
static int decl_xml_entity(struct decl_xml *x, struct wv_buf *b)
{
    static const char *const names[] = {"amp", "lt", "gt", "quot", "apos"};
    static const char chars[] = "&<>\"'";
    size_t at = x->i++;
    const char *semi = memchr(x->s + x->i, ';', x->n - x->i < 16 ? x->n - x->i : 16);
    if (!semi)
        return decl_xml_fail(x, at, "unterminated entity reference");
    size_t len = (size_t)(semi - (x->s + x->i));
    const char *e = x->s + x->i;
    x->i += len + 1;
    if (len >= 2 && e[0] == '#') {
        bool hex = e[1] == 'x';
        unsigned long cp = 0;
        size_t k = hex ? 2 : 1;
        if (k >= len)
            return decl_xml_fail(x, at, "empty character reference");
        for (; k < len; k++) {
            char c = e[k];
            int d = c >= '0' && c <= '9'                ? c - '0'
                    : hex && c >= 'a' && c <= 'f'       ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F'       ? c - 'A' + 10
                                                        : -1;
            if (d < 0 || cp > 0x10ffff)
                return decl_xml_fail(x, at, "bad character reference");
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (decl_xml_utf8(b, cp) < 0)
            return decl_xml_fail(x, at, "character reference to an invalid character");
        return 0;
    }
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strlen(names[k]) == len && memcmp(e, names[k], len) == 0) {
            wv_buf_append(b, &chars[k], 1, NULL);
            return 0;
        }
    return decl_xml_fail(x, at, "undefined entity");
}

/* Appends one text byte, normalising line ends (CR LF and CR become LF). */
static void decl_xml_text_byte(struct decl_xml *x, struct wv_buf *b)
{
    char c = x->s[x->i++];
    if (c == '\r') {
        if (x->i < x->n && x->s[x->i] == '\n')
            x->i++;
        c = '\n';
    }
    wv_buf_append(b, &c, 1, NULL);
}

/* Adds the attributes of a start tag to *obj (created on first use); stops before '>' or
 * '/>'. */
static int decl_xml_attrs(struct decl_xml *x, struct wv_json **obj)
{
    for (;;) {
        size_t before = x->i;
        decl_xml_skip_space(x);
        if (x->i >= x->n)
            return decl_xml_fail(x, x->i, "unclosed start tag");
        if (x->s[x->i] == '>' || decl_xml_at(x, "/>"))
            return 0;
        if (x->i == before)
            return decl_xml_fail(x, x->i, "expected whitespace before an attribute");
        size_t at = x->i;
        char *name = decl_xml_name(x);
        if (!name)
            return -1;
        decl_xml_skip_space(x);
        int rc = x->i < x->n && x->s[x->i] == '=' ? 0 : decl_xml_fail(x, x->i, "expected '='");
        x->i++;
        decl_xml_skip_space(x);
        char q = x->i < x->n ? x->s[x->i] : 0;
        if (rc == 0 && q != '"' && q != '\'')
            rc = decl_xml_fail(x, x->i, "expected a quoted attribute value");
        struct wv_buf v = WV_BUF_INIT;
        for (x->i++; rc == 0;) {
            if (x->i >= x->n || x->s[x->i] == '<') {
                rc = decl_xml_fail(x, x->i, "unterminated attribute value");
            } else if (x->s[x->i] == q) {
                x->i++;
                break;
            } else if (x->s[x->i] == '&') {
                rc = decl_xml_entity(x, &v);
            } else {
                char c = decl_xml_space(x->s[x->i]) ? ' ' : x->s[x->i];
                wv_buf_append(&v, &c, 1, NULL);
                x->i++;
            }
        }
        char *key = wv_asprintf("@%s", name);
        if (!*obj)
            *obj = wv_json_object();
        if (rc == 0 && wv_json_get(*obj, key))
            rc = decl_xml_fail(x, at, "duplicate attribute");
        if (rc == 0)
            wv_json_set(*obj, key, wv_json_strn(v.data ? v.data : "", v.len));
        wv_buf_done(&v);
        free(key);
        free(name);
        if (rc < 0)
            return -1;
    }
}

/* Adds a child's value under name, turning a repeated name into a list. */
static void decl_xml_push(struct wv_json **obj, const char *name, struct wv_json *val)
{
    if (!*obj)
        *obj = wv_json_object();
    struct wv_json *have = wv_json_get(*obj, name);
    if (!have) {
        wv_json_set(*obj, name, val);
    } else if (have->type == WV_JSON_ARRAY) {
        wv_json_push(have, val);
    } else {
        /* the list takes the first occurrence's place, as xmltodict keeps key order */
        for (size_t i = 0; i < (*obj)->len; i++) {
            if (strcmp((*obj)->keys[i], name) != 0)
                continue;
            struct wv_json *list = wv_json_array();
            wv_json_push(list, (*obj)->items[i]);
            wv_json_push(list, val);
            (*obj)->items[i] = list;
            break;
        }
    }
}

/* The value of an element from its attributes/children object (may be NULL) and its text,
 * stripped as xmltodict does. Takes ownership of obj. */
static struct wv_json *decl_xml_value(struct wv_json *obj, const struct wv_buf *text)
{
    const char *t = text->data ? text->data : "";
    size_t a = 0, e = text->len;
    while (a < e && decl_xml_space(t[a]))
        a++;
    while (e > a && decl_xml_space(t[e - 1]))
        e--;
    if (!obj)
        return e > a ? wv_json_strn(t + a, e - a) : wv_json_null();
    if (e > a)
        wv_json_set(obj, "#text", wv_json_strn(t + a, e - a));
    return obj;
}

static int decl_xml_element(struct decl_xml *x, char **name, struct wv_json **val);

/* Reads the content of an element up to and including its end tag. */
static int decl_xml_content(struct decl_xml *x, const char *name, struct wv_json **obj,
                            struct wv_buf *text)
{
    for (;;) {
        if (x->i >= x->n)
            return decl_xml_fail(x, x->i, "unclosed element");
        if (decl_xml_at(x, "</")) {
            size_t at = x->i;
            x->i += 2;
            char *end = decl_xml_name(x);
            if (!end)
                return -1;
            bool same = strcmp(end, name) == 0;
            free(end);
            decl_xml_skip_space(x);
            if (!same || x->i >= x->n || x->s[x->i] != '>')
                return decl_xml_fail(x, at, "mismatched end tag");
            x->i++;
            return 0;
        }
        int rc = 0;
        if (decl_xml_at(x, "<!--")) {
            rc = decl_xml_skip_to(x, "-->", "unclosed comment");
        } else if (decl_xml_at(x, "<![CDATA[")) {
            size_t b = x->i += 9;
            if ((rc = decl_xml_skip_to(x, "]]>", "unclosed CDATA section")) == 0)
                wv_buf_append(text, x->s + b, x->i - 3 - b, NULL);
        } else if (decl_xml_at(x, "<?")) {
            rc = decl_xml_skip_to(x, "?>", "unclosed processing instruction");
        } else if (decl_xml_at(x, "<!")) {
            rc = decl_xml_fail(x, x->i, "unexpected declaration in content");
        } else if (x->s[x->i] == '<') {
            char *child = NULL;
            struct wv_json *cv = NULL;
            if ((rc = decl_xml_element(x, &child, &cv)) == 0)
                decl_xml_push(obj, child, cv);
            free(child);
        } else if (x->s[x->i] == '&') {
            rc = decl_xml_entity(x, text);
        } else {
            decl_xml_text_byte(x, text);
        }
        if (rc < 0)
            return -1;
    }
}

/* Reads one element at '<': its name and value (both caller-freed). */
static int decl_xml_element(struct decl_xml *x, char **name, struct wv_json **val)
{
    if (++x->depth > DECL_XML_MAX_DEPTH)
        return decl_xml_fail(x, x->i, "elements nested too deeply");
    x->i++;
    if (!(*name = decl_xml_name(x)))
        return -1;
    struct wv_json *obj = NULL;
    struct wv_buf text = WV_BUF_INIT;
    int rc = decl_xml_attrs(x, &obj);
    if (rc == 0 && decl_xml_at(x, "/>")) {
        x->i += 2;
    } else if (rc == 0) {
        x->i++; /* '>' */
        rc = decl_xml_content(x, *name, &obj, &text);
    }
    if (rc == 0)
        *val = decl_xml_value(obj, &text);
    else
        wv_json_free(obj);
    wv_buf_done(&text);
    x->depth--;
    return rc;
}

/* Skips comments, PIs, a DOCTYPE (prolog only) and whitespace. */
static int decl_xml_misc(struct decl_xml *x, bool prolog)
{
    for (;;) {
        decl_xml_skip_space(x);
        int rc = 0;
        if (decl_xml_at(x, "<!--"))
            rc = decl_xml_skip_to(x, "-->", "unclosed comment");
        else if (decl_xml_at(x, "<?"))
            rc = decl_xml_skip_to(x, "?>", "unclosed processing instruction");
        else if (prolog && decl_xml_at(x, "<!DOCTYPE"))
            rc = decl_xml_skip_doctype(x);
        else
            return 0;
        if (rc < 0)
            return -1;
    }
}

/* Parses an XML document (UTF-8) into xmltodict's shape. *out: caller frees. */
int conn_decl_xml_parse(const char *text, size_t len, struct wv_json **out, struct wv_error *err)
{
    struct decl_xml x = {text, len, 0, 0, err};
    *out = NULL;
    if (len > DECL_XML_MAX_BYTES)
        return wv_error_set(err, WV_E_LIMIT, 0, "xml: document over %u bytes",
                            DECL_XML_MAX_BYTES);
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        x.i = 3;
    if (decl_xml_misc(&x, true) < 0)
        return -1;
    if (x.i >= x.n || x.s[x.i] != '<')
        return decl_xml_fail(&x, x.i, x.i >= x.n ? "no element found" : "expected an element");
    char *name = NULL;
    struct wv_json *val = NULL;
    if (decl_xml_element(&x, &name, &val) < 0 || decl_xml_misc(&x, false) < 0) {
        free(name);
        return -1;
    }
    if (x.i < x.n) {
        free(name);
        wv_json_free(val);
        return decl_xml_fail(&x, x.i, "junk after document element");
    }
    *out = wv_json_object();
    wv_json_set(*out, name, val);
    free(name);
    return 0;
}

/* ---- the other non-JSON decoders: IterableDecoder, CsvDecoder (RFC 4180 as Python's csv
 * reads it, https://www.rfc-editor.org/rfc/rfc4180) and GzipDecoder (RFC 1952, via zlib) ---- */

/* IterableDecoder: {"record": line} for each line (split as Python's bytes.splitlines). */
static struct wv_json *decl_decode_lines(const char *s, size_t n)
{
    struct wv_json *arr = wv_json_array();
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && s[e] != '\n' && s[e] != '\r')
            e++;
        struct wv_json *rec = wv_json_object();
        wv_json_set(rec, "record", wv_json_strn(s + i, e - i));
        wv_json_push(arr, rec);
        i = e < n && s[e] == '\r' && e + 1 < n && s[e + 1] == '\n' ? e + 2 : e + 1;
    }
    return arr;
}

/* Reads one CSV row into fields (array of strings); *i advances past it. -1: unterminated
 * quoted field. */
static int decl_csv_row(const char *s, size_t n, size_t *i, char delim, struct wv_json *fields)
{
    struct wv_buf f = WV_BUF_INIT;
    bool quoted = false, any = false;
    size_t k = *i;
    for (;;) {
        if (k >= n || (!quoted && (s[k] == '\n' || s[k] == '\r'))) {
            if (quoted) {
                wv_buf_done(&f);
                return -1;
            }
            if (any || f.len || fields->len)
                wv_json_push(fields, wv_json_strn(f.data ? f.data : "", f.len));
            if (k < n && s[k] == '\r' && k + 1 < n && s[k + 1] == '\n')
                k++;
            *i = k + 1;
            wv_buf_done(&f);
            return 0;
        }
        char c = s[k++];
        if (quoted && c == '"' && k < n && s[k] == '"') {
            wv_buf_append(&f, "\"", 1, NULL);
            k++;
        } else if (c == '"' && (quoted || f.len == 0)) {
            quoted = !quoted;
            any = true;
        } else if (!quoted && c == delim) {
            wv_json_push(fields, wv_json_strn(f.data ? f.data : "", f.len));
            wv_buf_reset(&f);
            any = true;
        } else {
            wv_buf_append(&f, &c, 1, NULL);
        }
    }
}

/* CsvDecoder: csv.DictReader rows (blank rows skipped, missing fields null, extra ones
 * dropped), values listed in set_values_to_none as null. */
static int decl_decode_csv(const struct decl_requester *r, const char *s, size_t n,
                           struct wv_json **out, struct wv_error *err)
{
    struct wv_json *head = NULL, *arr = wv_json_array();
    for (size_t i = 0, line = 1; i < n; line++) {
        struct wv_json *row = wv_json_array();
        if (decl_csv_row(s, n, &i, r->csv_delim ? r->csv_delim : ',', row) < 0) {
            wv_json_free(row);
            wv_json_free(head);
            wv_json_free(arr);
            return wv_error_set(err, WV_E_PARSE, 0, "csv: row %zu: unterminated quoted field",
                                line);
        }
        if (!row->len || head == NULL) {
            if (row->len)
                head = row;
            else
                wv_json_free(row);
            continue;
        }
        struct wv_json *rec = wv_json_object();
        for (size_t c = 0; c < head->len; c++) {
            const struct wv_json *v = wv_json_at(row, c);
            bool none = !v;
            for (char **z = r->csv_none; v && z && *z && !none; z++)
                none = strcmp(*z, v->s) == 0;
            wv_json_set(rec, head->items[c]->s, none ? wv_json_null() : wv_json_dup(v));
        }
        wv_json_push(arr, rec);
        wv_json_free(row);
    }
    wv_json_free(head);
    *out = arr;
    return 0;
}

/* Inflates a gzip body (at most DECL_XML_MAX_BYTES out). Caller frees *out. */
int conn_decl_gunzip(const char *s, size_t n, char **out, size_t *out_len, struct wv_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return wv_error_set(err, WV_E_PARSE, 0, "gzip: cannot start inflating");
    struct wv_buf b = WV_BUF_INIT;
    unsigned char chunk[65536];
    int zr = Z_OK;
    z.next_in = (unsigned char *)(uintptr_t)s;
    z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    while (zr != Z_STREAM_END) {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END)
            break;
        wv_buf_append(&b, (const char *)chunk, sizeof chunk - z.avail_out, NULL);
        if (b.len > DECL_XML_MAX_BYTES || (zr == Z_OK && !z.avail_in && z.avail_out))
            break;
    }
    inflateEnd(&z);
    bool big = b.len > DECL_XML_MAX_BYTES;
    if (zr != Z_STREAM_END || big) {
        wv_buf_done(&b);
        return big
                   ? wv_error_set(err, WV_E_LIMIT, 0, "gzip: body inflates to over %u bytes",
                                  DECL_XML_MAX_BYTES)
                   : wv_error_set(err, WV_E_PARSE, 0, "gzip: %s",
                                  z.msg ? z.msg : "truncated or corrupt stream");
    }
    *out = wv_buf_steal(&b, out_len);
    if (!*out) {
        *out = wv_strdup("");
        *out_len = 0;
    }
    return 0;
}

/* Decodes a body with a non-JSON decoder (IterableDecoder, XmlDecoder, CsvDecoder). An empty
 * body yields no records ({} for XML, as the CDK). Caller frees *out. */
int conn_decl_decode_text(const struct decl_requester *r, const char *s, size_t n,
                          struct wv_json **out, struct wv_error *err)
{
    *out = NULL;
    if (r->decoder == DECL_DEC_ITERABLE) {
        *out = decl_decode_lines(s, n);
        return 0;
    }
    if (r->decoder == DECL_DEC_CSV)
        return decl_decode_csv(r, s, n, out, err);
    if (!n) {
        *out = wv_json_object();
        return 0;
    }
    return conn_decl_xml_parse(s, n, out, err);
}

/* Sets the decoder of r from a decoder component. */
int conn_decl_decoder_build(struct decl_requester *r, const struct wv_json *node,
                            const char *origin, struct wv_error *err)
{
    const char *dec = conn_decl_type(node);
    if (strcmp(dec, "GzipDecoder") == 0) {
        r->gzip = true;
        node = wv_json_get(node, "decoder");
        dec = conn_decl_type(node);
    }
    r->decoder = DECL_DEC_JSON;
    if (!*dec || strcmp(dec, "JsonDecoder") == 0) {
        r->decoder = DECL_DEC_JSON;
    } else if (strcmp(dec, "JsonlDecoder") == 0) {
        r->decoder = DECL_DEC_JSONL;
    } else if (strcmp(dec, "IterableDecoder") == 0) {
        r->decoder = DECL_DEC_ITERABLE;
    } else if (strcmp(dec, "XmlDecoder") == 0) {
        r->decoder = DECL_DEC_XML;
    } else if (strcmp(dec, "CsvDecoder") == 0) {
        r->decoder = DECL_DEC_CSV;
        const char *d = wv_json_get_str(node, "delimiter");
        const char *enc = wv_json_get_str(node, "encoding");
        r->csv_delim = !d || !*d ? ',' : strcmp(d, "\\t") == 0 ? '\t' : d[0];
        if ((d && strlen(d) > 1 && strcmp(d, "\\t") != 0) ||
            (enc && strcasecmp(enc, "utf-8") != 0 && strcasecmp(enc, "utf8") != 0)) {
            char w[256];
            return wv_error_set(err, WV_E_CONFIG, 0,
                                "%s: CsvDecoder supports one-character delimiters and UTF-8",
                                conn_decl_where(origin, node, w, sizeof w));
        }
        const struct wv_json *none = wv_json_get(node, "set_values_to_none");
        size_t nn = none && none->type == WV_JSON_ARRAY ? none->len : 0;
        r->csv_none = nn ? wv_calloc(nn + 1, sizeof *r->csv_none) : NULL;
        for (size_t i = 0; i < nn; i++)
            r->csv_none[i] = conn_decl_json_text(none->items[i]);
    } else {
        return conn_decl_unsupported(origin, node, "decoder", err);
    }
    r->jsonl = r->decoder == DECL_DEC_JSONL;
    return 0;
}
