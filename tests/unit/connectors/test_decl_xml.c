/* test_decl_xml.c - XmlDecoder (decl_xml.c): the JSON shape of xmltodict.parse (attributes as
 * "@name", text as "#text", repeated elements as lists, empty elements as null), entities and
 * character references, CDATA, comments/PIs/DOCTYPE skipped, and malformed input rejected with
 * "xml:line:col" positions, plus the nesting depth limit. Single-threaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/mem.h"
#include "connectors/decl_int.h"

/* Parses xml and asserts the compact JSON of the result equals want. */
static void expect_xml(const char *xml, const char *want)
{
    struct wv_error err = {0};
    struct wv_json *out = NULL;
    int rc = conn_decl_xml_parse(xml, strlen(xml), &out, &err);
    if (rc != 0)
        print_error("xml error: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(out);
    char *got = wv_json_to_string(out);
    wv_json_free(out);
    bool same = strcmp(got, want) == 0;
    if (!same)
        print_error("got:  %s\nwant: %s\n", got, want);
    free(got); /* before asserting: a failure must not leak under the sanitizer */
    assert_true(same);
}

/* Parses xml expecting a failure whose message equals want. */
static void expect_xml_error(const char *xml, size_t len, const char *want)
{
    struct wv_error err = {0};
    struct wv_json *out = NULL;
    assert_int_equal(conn_decl_xml_parse(xml, len, &out, &err), -1);
    assert_null(out);
    assert_int_equal(err.code, WV_E_PARSE);
    assert_string_equal(err.msg, want);
}

/* A leaf element is its stripped text; the root is the one member of the result. */
static void test_leaf_text(void **state)
{
    (void)state;
    expect_xml("<a>hello</a>", "{\"a\":\"hello\"}");
    expect_xml("<a>  spaced out \n</a>", "{\"a\":\"spaced out\"}");
    expect_xml("<a></a>", "{\"a\":null}");
    expect_xml("<a/>", "{\"a\":null}");
    expect_xml("<a>   </a>", "{\"a\":null}");
}

/* Attributes become "@name" members; text beside them becomes "#text". */
static void test_attributes(void **state)
{
    (void)state;
    expect_xml("<a id=\"1\" kind='x'>t</a>",
               "{\"a\":{\"@id\":\"1\",\"@kind\":\"x\",\"#text\":\"t\"}}");
    expect_xml("<a id=\"1\"/>", "{\"a\":{\"@id\":\"1\"}}");
    expect_xml("<a id=\"\"></a>", "{\"a\":{\"@id\":\"\"}}");
    /* whitespace in attribute values is normalised to spaces */
    expect_xml("<a v=\"x\ty\nz\"/>", "{\"a\":{\"@v\":\"x y z\"}}");
    /* namespaced names are kept as written (no namespace processing) */
    expect_xml("<ns:a xmlns:ns=\"u\"><ns:b>1</ns:b></ns:a>",
               "{\"ns:a\":{\"@xmlns:ns\":\"u\",\"ns:b\":\"1\"}}");
}

/* Children by name; repeated names become lists in document order. */
static void test_children_and_lists(void **state)
{
    (void)state;
    expect_xml("<r><a>1</a><b>2</b></r>", "{\"r\":{\"a\":\"1\",\"b\":\"2\"}}");
    expect_xml("<r><item>1</item><item>2</item><item>3</item></r>",
               "{\"r\":{\"item\":[\"1\",\"2\",\"3\"]}}");
    expect_xml("<r><i id=\"a\">1</i><i/></r>",
               "{\"r\":{\"i\":[{\"@id\":\"a\",\"#text\":\"1\"},null]}}");
    /* mixed content: the text pieces are joined and stripped */
    expect_xml("<r> one <b>x</b> two </r>", "{\"r\":{\"b\":\"x\",\"#text\":\"one  two\"}}");
    /* a typical API response */
    expect_xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<response>\n  <users>\n    <user id=\"1\"><name>Ann</name></user>\n"
               "    <user id=\"2\"><name>Bob</name></user>\n  </users>\n"
               "  <total>2</total>\n</response>\n",
               "{\"response\":{\"users\":{\"user\":[{\"@id\":\"1\",\"name\":\"Ann\"},"
               "{\"@id\":\"2\",\"name\":\"Bob\"}]},\"total\":\"2\"}}");
}

/* A repeated name interleaved with others collects into one list that keeps the position of
 * the first occurrence, as xmltodict's `item[key] = [value, data]` on a Python dict does. */
static void test_list_keeps_position(void **state)
{
    (void)state;
    expect_xml("<r><i>1</i><x/><i>2</i></r>", "{\"r\":{\"i\":[\"1\",\"2\"],\"x\":null}}");
}

/* The five predefined entities and decimal/hex character references. */
static void test_entities(void **state)
{
    (void)state;
    expect_xml("<a>&lt;&gt;&amp;&quot;&apos;</a>", "{\"a\":\"<>&\\\"'\"}");
    expect_xml("<a>&#65;&#x42;&#x043;</a>", "{\"a\":\"ABC\"}");
    expect_xml("<a>caf&#233; &#x20AC;</a>", "{\"a\":\"caf\xc3\xa9 \xe2\x82\xac\"}");
    expect_xml("<a t=\"a&amp;b &lt;c&gt;\"/>", "{\"a\":{\"@t\":\"a&b <c>\"}}");
    expect_xml("<a>&#x1F600;</a>", "{\"a\":\"\xf0\x9f\x98\x80\"}");
}

/* CDATA is kept literally; comments, PIs, a DOCTYPE and a BOM are skipped. */
static void test_cdata_comments(void **state)
{
    (void)state;
    expect_xml("<a><![CDATA[<b>&amp;</b>]]></a>", "{\"a\":\"<b>&amp;</b>\"}");
    expect_xml("<a>x<![CDATA[ y ]]>z</a>", "{\"a\":\"x y z\"}");
    expect_xml("<!-- head --><a><!-- inner -->v<?pi data?></a><!-- tail -->", "{\"a\":\"v\"}");
    expect_xml("<!DOCTYPE a [<!ENTITY e \"boom\">]><a>1</a>", "{\"a\":\"1\"}");
    expect_xml("\xef\xbb\xbf<a>1</a>", "{\"a\":\"1\"}");
    /* CR LF and lone CR become LF inside text */
    expect_xml("<a>x\r\ny\rz</a>", "{\"a\":\"x\\ny\\nz\"}");
}

/* Malformed documents fail with their position. */
static void test_malformed(void **state)
{
    (void)state;
    const char *s;
    s = "<a><b></a>";
    expect_xml_error(s, strlen(s), "xml:1:7: mismatched end tag");
    s = "<a>\n  <b>\n</a>";
    expect_xml_error(s, strlen(s), "xml:3:1: mismatched end tag");
    s = "<a>";
    expect_xml_error(s, strlen(s), "xml:1:4: unclosed element");
    s = "";
    expect_xml_error(s, 0, "xml:1:1: no element found");
    s = "  \n  ";
    expect_xml_error(s, strlen(s), "xml:2:3: no element found");
    s = "hello";
    expect_xml_error(s, strlen(s), "xml:1:1: expected an element");
    s = "<a/><b/>";
    expect_xml_error(s, strlen(s), "xml:1:5: junk after document element");
    s = "<a>&nbsp;</a>";
    expect_xml_error(s, strlen(s), "xml:1:4: undefined entity");
    s = "<a>&amp</a>";
    expect_xml_error(s, strlen(s), "xml:1:4: unterminated entity reference");
    s = "<a>&#0;</a>";
    expect_xml_error(s, strlen(s), "xml:1:4: character reference to an invalid character");
    s = "<a>&#X43;</a>"; /* the hex marker is a lower-case x only */
    expect_xml_error(s, strlen(s), "xml:1:4: bad character reference");
    s = "<a>&#xZZ;</a>";
    expect_xml_error(s, strlen(s), "xml:1:4: bad character reference");
    s = "<a x=\"1\" x=\"2\"/>";
    expect_xml_error(s, strlen(s), "xml:1:10: duplicate attribute");
    s = "<a x=1/>";
    expect_xml_error(s, strlen(s), "xml:1:6: expected a quoted attribute value");
    s = "<a x=\"1\"y=\"2\"/>";
    expect_xml_error(s, strlen(s), "xml:1:9: expected whitespace before an attribute");
    s = "<a><!-- never closed</a>";
    expect_xml_error(s, strlen(s), "xml:1:4: unclosed comment");
    s = "<a><![CDATA[x</a>";
    expect_xml_error(s, strlen(s), "xml:1:13: unclosed CDATA section");
    s = "<a><1/></a>";
    expect_xml_error(s, strlen(s), "xml:1:5: expected a name");
    /* columns count characters, not bytes */
    s = "<a>\xc3\xa9\xc3\xa9</b>";
    expect_xml_error(s, strlen(s), "xml:1:6: mismatched end tag");
    /* a NUL byte in the middle: the length given is honoured */
    expect_xml_error("<a>x</a>\0<b/>", 13, "xml:1:9: junk after document element");
}

/* Builds n nested <e> elements. Caller frees. */
static char *nested(int n)
{
    struct wv_buf b = WV_BUF_INIT;
    for (int i = 0; i < n; i++)
        wv_buf_append(&b, "<e>", 3, NULL);
    wv_buf_append(&b, "x", 1, NULL);
    for (int i = 0; i < n; i++)
        wv_buf_append(&b, "</e>", 4, NULL);
    return wv_buf_steal(&b, NULL);
}

/* 256 levels parse; one more is refused at the 257th start tag. */
static void test_depth_limit(void **state)
{
    (void)state;
    char *ok = nested(256);
    struct wv_error err = {0};
    struct wv_json *out = NULL;
    assert_int_equal(conn_decl_xml_parse(ok, strlen(ok), &out, &err), 0);
    const struct wv_json *j = out;
    for (int i = 0; i < 256; i++) {
        j = wv_json_get(j, "e");
        assert_non_null(j);
    }
    assert_int_equal(j->type, WV_JSON_STRING);
    assert_string_equal(j->s, "x");
    wv_json_free(out);
    free(ok);

    char *deep = nested(257);
    out = NULL;
    expect_xml_error(deep, strlen(deep), "xml:1:769: elements nested too deeply");
    free(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_text),          cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_children_and_lists), cmocka_unit_test(test_list_keeps_position),
        cmocka_unit_test(test_entities),           cmocka_unit_test(test_cdata_comments),
        cmocka_unit_test(test_malformed),          cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
