#!/usr/bin/env python3
"""pq_cases.py - test data for weaver's Parquet writer and the checks on what readers return.

  gen DIR SEED ROWS [LONG]      DIR/schema.json, DIR/in.jsonl, DIR/expected.jsonl (canonical rows
                                in the form read_parquet.mjs prints; see there)
  gen-random DIR SEED           the same for a random schema (1-40 columns, random and non-ASCII
                                names, every type, random optional flags) and random rows (nulls,
                                unicode, empty and 100 KB strings, int64/double/timestamp/date
                                extremes, members in random order, extra members); DIR/flags
                                holds the `weaver parquet write` flags to use (every codec, small
                                row groups, small or no dictionaries), DIR/codec DuckDB's name of
                                the codec
  check DIR READER_OUTPUT       rows and types returned by a reader == expected (columns from
                                DIR/schema.json)
  meta DIR META_OUTPUT CODEC [ENC]  DuckDB's view of the footer: codec, row counts, null counts
                                and min/max of int64/boolean/string/date columns per row group;
                                ENC "dict": every non-boolean chunk with values has a dictionary
                                page and RLE_DICTIONARY; "plain": no chunk has
Expected values are computed here, independently of weaver (own RFC 3339 parsing)."""
import datetime
import json
import random
import re
import struct
import sys

COLUMNS = [
    ("id", "int64", False), ("n", "int64", True), ("x", "double", True),
    ("flag", "boolean", True), ("name", "string", True), ("req", "string", False),
    ("ts", "timestamp", True), ("day", "date", True), ("doc", "json", True),
]
DUCK = {"int64": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN", "string": "VARCHAR",
        "timestamp": "TIMESTAMP WITH TIME ZONE", "date": "DATE", "json": "JSON"}
ARROW = {"int64": "Int64", "double": "Float64", "boolean": "Bool", "string": "Utf8",
         "timestamp": "Timestamp<MICROSECOND, UTC>", "date": "Date32<DAY>", "json": "Utf8"}
EPOCH = datetime.date(1970, 1, 1).toordinal()
WORDS = ["", "a", "héllo wörld", "日本語テキスト", "emoji 🎉🚀", "tab\tnew\nline", "quote \" back \\",
         "zero\u0000byte", "z" * 300, "\u00ff\u0100", "A", "~"]
I64 = [0, 1, -1, 2**63 - 1, -2**63, 2**31, -2**31 - 1, 42]
F64 = ["0.0", "-0.0", "1.5", "-2.25", "1.7976931348623157e308", "-1.7976931348623157e308",
       "5e-324", "0.1", "123456789.123456789", "1e-300", "3.141592653589793"]
TS = ["1970-01-01T00:00:00Z", "2024-01-02T03:04:05.123456+02:00", "2024-02-29T23:59:59.999999Z",
      "1900-03-01T00:00:00-05:30", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
      "2021-06-15 12:00:00.5+00:00", "2000-01-01T00:00:00.123456789Z", "1969-12-31T23:59:59.9Z"]
DATES = ["1970-01-01", "2024-02-29", "0001-01-01", "9999-12-31", "1969-12-31", "2000-02-29"]


def ts_micros(s):
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
                     r"(?:([Zz])|([+-])(\d\d):(\d\d))", s)
    y, mo, d, hh, mi, ss = (int(m.group(i)) for i in range(1, 7))
    frac = int((m.group(7) or "")[:6].ljust(6, "0"))
    off = 0 if m.group(8) else (1 if m.group(9) == "+" else -1) * (int(m.group(10)) * 60 + int(m.group(11)))
    days = datetime.date(y, mo, d).toordinal() - EPOCH
    return ((days * 86400 + hh * 3600 + mi * 60 + ss - off * 60) * 1000000) + frac


def days(s):
    return datetime.date.fromisoformat(s).toordinal() - EPOCH


def f64(text):
    return "f:" + struct.pack(">d", float(text)).hex()


def random_value(r, typ, long_strings):
    if typ == "int64":
        v = r.choice(I64) if r.random() < 0.5 else r.randint(-2**63, 2**63 - 1)
        return v, str(v)
    if typ == "double":
        t = r.choice(F64) if r.random() < 0.5 else repr(r.uniform(-1e6, 1e6))
        return json.loads(t), f64(t)
    if typ == "boolean":
        v = r.random() < 0.5
        return v, v
    if typ == "string":
        s = r.choice(WORDS) + str(r.randint(0, 99))
        if long_strings and r.random() < 0.005:
            s = "long-" + "ü" * r.randint(20000, 150000)
        return s, s
    if typ == "timestamp":
        s = r.choice(TS)
        return s, str(ts_micros(s))
    if typ == "date":
        s = r.choice(DATES)
        return s, days(s)
    v = r.choice([{"a": [1, 2, {"b": None}], "ü": "x"}, [], {}, "str", 12, True, [r.random()]])
    return v, v


def gen(d, seed, rows, long_strings):
    r = random.Random(seed)
    with open(f"{d}/schema.json", "w") as f:
        json.dump({"columns": [{"name": n, "type": t, "optional": o} for n, t, o in COLUMNS]}, f)
    with open(f"{d}/in.jsonl", "w", encoding="utf-8") as fin, \
            open(f"{d}/expected.jsonl", "w", encoding="utf-8") as fexp:
        for i in range(rows):
            rec, exp = {}, {}
            null_rate = r.choice([0.0, 0.1, 0.5, 1.0])
            for n, t, o in COLUMNS:
                if o and r.random() < null_rate:
                    exp[n] = None
                    if r.random() < 0.5:
                        rec[n] = None  # else missing
                    continue
                rec[n], exp[n] = random_value(r, t, long_strings)
            if i == 0:
                rec["id"], exp["id"] = -2**63, str(-2**63)
            fin.write(json.dumps(rec, ensure_ascii=r.random() < 0.5) + "\n")
            fexp.write(json.dumps(exp, ensure_ascii=False) + "\n")


def load_columns(d):
    doc = json.load(open(f"{d}/schema.json", encoding="utf-8"))
    return [(c["name"], c["type"], c.get("optional", False)) for c in doc["columns"]]


# ---- random schemas (gen-random) ----

NAME_PARTS = ["id", "name", "größe", "名前", "数据", "émoji🎉", "col with space", "Ωmega", "x",
              "user.email", "quote\"d", "apo'strophe", "тест", "a-b", "_airbyte_like", "ß", "ǅ",
              "🚀", "right\u200fto", "zero"]
TYPES = ["int64", "double", "boolean", "string", "timestamp", "date", "json"]
I64_EDGE = [-2**63, 2**63 - 1, 0, -1, 1, 2**53 + 1, -2**53 - 1, 2**32, 12.0, -3.0, 1e15]
F64_EDGE = [1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -5e-324,
            2.2250738585072014e-308, -0.0, 0.0, 1.0, 0.1, 1 / 3, 2**53 + 2, 123456789012345678,
            2**70, -1e-300, 9007199254740993, 4.35]
TS_EDGE = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z",
           "1969-12-31T23:59:59.999999Z", "0001-01-01T00:00:00-12:00",
           "9999-12-31T23:59:59.999999+14:00", "2000-02-29t12:00:00.123456789z",
           "2024-06-30 23:59:59.5-00:30"]
DATE_EDGE = ["0001-01-01", "9999-12-31", "1970-01-01", "1969-12-31", "2000-02-29", "1900-02-28"]
CHARS = ("abcXYZ019 _-.,;:!?'\"\\/\t\n\r\u0000\u0001\u001f\u007f" "éüßñÆ" "Ωλж" "日本語中文한국어"
         "\u0301\u200d\u200f\ufeff\uffff" "🎉🚀👩‍💻𝄞" "\u0600\u05d0")

NAME_CHARS = "".join(c for c in CHARS if c.isprintable() and c not in " \u200d")


def random_name(r, taken):
    while True:
        k = r.random()
        if k < 0.4:
            name = "c%d" % r.randrange(1000)
        elif k < 0.9:
            name = r.choice(NAME_PARTS) + r.choice(["", "_", " "]) + str(r.randrange(100))
        else:
            name = "".join(r.choice(NAME_CHARS) for _ in range(r.randint(1, 6)))
        key = name.casefold()  # DuckDB matches identifiers case-insensitively
        if key not in taken and name != "file_row_number" and name.strip():
            taken.add(key)
            return name


def random_text(r):
    """Random UTF-8 text; never starting with U+FEFF, which the readers' JavaScript bindings
    (TextDecoder) drop from the start of a string (weaver keeps it: see `parquet inspect`)."""
    k = r.random()
    if k < 0.1:
        return ""
    if k < 0.105:
        return "long-" + "".join(r.choice(CHARS) for _ in range(50)) * 2000  # ~100 KB
    s = "".join(r.choice(CHARS) for _ in range(r.randint(1, 30)))
    return "x" + s if s.startswith("\ufeff") else s


def random_ts(r):
    if r.random() < 0.3:
        return r.choice(TS_EDGE)
    y, mo, dd = r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28)
    s = "%04d-%02d-%02d%s%02d:%02d:%02d" % (y, mo, dd, r.choice("Tt "), r.randrange(24),
                                            r.randrange(60), r.randrange(60))
    if r.random() < 0.6:
        s += "." + "".join(r.choice("0123456789") for _ in range(r.randint(1, 9)))
    if r.random() < 0.5:
        return s + r.choice("Zz")
    return s + "%s%02d:%02d" % (r.choice("+-"), r.randrange(24), r.randrange(60))


def random_json(r, depth=0):
    k = r.random()
    if depth < 3 and k < 0.25:
        return [random_json(r, depth + 1) for _ in range(r.randint(0, 4))]
    if depth < 3 and k < 0.5:  # keys without U+0000: base/json keeps keys as C strings
        return {random_text(r)[:20].replace("\0", "0"): random_json(r, depth + 1)
                for _ in range(r.randint(0, 4))}
    return r.choice([None, True, False, r.randint(-2**63, 2**63 - 1), r.choice(F64_EDGE[:6]),
                     r.uniform(-1e9, 1e9), random_text(r)[:40], 0, -1, 2**64 + 5])


def random_typed(r, t):
    """A JSON value for a column type and what read_parquet.mjs prints for it."""
    if t == "int64":
        v = r.choice(I64_EDGE) if r.random() < 0.3 else r.randint(-2**63, 2**63 - 1)
        if r.random() < 0.3:
            v = r.randint(-50, 50)  # repeats: dictionary hits
        return v, str(int(v))
    if t == "double":
        k = r.random()
        v = r.choice(F64_EDGE) if k < 0.3 else (r.randint(-5, 5) if k < 0.4 else
                                                 r.uniform(-1e6, 1e6))
        return v, f64(json.dumps(v))
    if t == "boolean":
        v = r.random() < 0.5
        return v, v
    if t == "string":
        s = random_text(r) if r.random() < 0.7 else r.choice(["a", "b", "ü", ""])
        return s, s
    if t == "timestamp":
        s = random_ts(r)
        return s, str(ts_micros(s))
    if t == "date":
        if r.random() < 0.3:
            s = r.choice(DATE_EDGE)
        else:
            s = datetime.date.fromordinal(r.randint(1, datetime.date(9999, 12, 31).toordinal())
                                          ).isoformat()
        return s, days(s)
    v = random_json(r)
    while v is None:  # a JSON null is a null
        v = random_json(r)
    return v, v


CODECS = {"zstd": "ZSTD", "snappy": "SNAPPY", "gzip": "GZIP", "none": "UNCOMPRESSED"}


def gen_random(d, seed):
    r = random.Random(seed * 7919 + 17)
    taken = set()
    cols = [(random_name(r, taken), r.choice(TYPES), r.random() < 0.6)
            for _ in range(r.randint(1, 40))]
    rows = r.choice([0, 1, 7]) if r.random() < 0.15 else r.choice([r.randint(1, 400),
                                                                     r.randint(400, 2500)])
    codec = list(CODECS)[seed % 4]  # any 4 consecutive seeds cover every codec
    rg = r.choice([1, 500, 5000, 60000, 10**6])
    flags = ["--compression", codec, "--row-group-bytes", str(max(rg, rows * 3 if rg == 1 else 0))]
    if r.random() < 0.5:
        flags += ["--dictionary-bytes", str(r.choice([1, 64, 300, 4000]))]
    elif r.random() < 0.3:
        flags += ["--dictionary", "off"]
    with open(f"{d}/schema.json", "w", encoding="utf-8") as f:
        json.dump({"columns": [{"name": n, "type": t, "optional": o} for n, t, o in cols]}, f,
                  ensure_ascii=r.random() < 0.5)
    with open(f"{d}/flags", "w") as f:
        f.write("\n".join(flags) + "\n")
    with open(f"{d}/codec", "w") as f:
        f.write(CODECS[codec] + "\n")
    null_rate = r.choice([0.0, 0.05, 0.5, 0.95])
    shuffle = r.random() < 0.5
    with open(f"{d}/in.jsonl", "w", encoding="utf-8") as fin, \
            open(f"{d}/expected.jsonl", "w", encoding="utf-8") as fexp:
        for _ in range(rows):
            rec, exp = {}, {}
            for n, t, o in cols:
                if o and r.random() < null_rate:
                    exp[n] = None
                    if r.random() < 0.5:
                        rec[n] = None  # else missing
                    continue
                rec[n], exp[n] = random_typed(r, t)
            if r.random() < 0.2:
                rec["extra member %d" % r.randrange(3)] = random_json(r)
            items = list(rec.items())
            if shuffle and r.random() < 0.5:
                r.shuffle(items)
            fin.write(json.dumps(dict(items), ensure_ascii=r.random() < 0.5) + "\n")
            fexp.write(json.dumps(exp, ensure_ascii=False) + "\n")


def norm_json_cols(row, columns):
    for n, t, _ in columns:
        if t == "json" and row.get(n) is not None:
            row[n] = json.loads(row[n])
    return row


def check(d, out):
    columns = load_columns(d)
    lines = open(out, encoding="utf-8").read().splitlines()
    head = json.loads(lines[0])
    want_types = {n: (DUCK if head["reader"] == "duckdb" else ARROW)[t] for n, t, _ in columns}
    if head["types"] != want_types:
        sys.exit(f"{head['reader']}: types {head['types']} != {want_types}")
    exp = [json.loads(x) for x in open(f"{d}/expected.jsonl", encoding="utf-8")]
    got = [norm_json_cols(json.loads(x), columns) for x in lines[1:]]
    if len(got) != len(exp) or head["rows"] != len(exp):
        sys.exit(f"{head['reader']}: {len(got)} rows, expected {len(exp)}")
    for i, (g, e) in enumerate(zip(got, exp)):
        if g != e:
            diff = {k: (g.get(k), e.get(k)) for k in e if g.get(k) != e.get(k)}
            sys.exit(f"{head['reader']}: row {i + 1} differs (got, expected): "
                     f"{json.dumps(diff, ensure_ascii=False)[:600]}")
    print(f"{head['reader']}: {len(got)} rows equal")


def stat_text(t, v):
    return {"int64": str, "string": str, "boolean": lambda b: "true" if b else "false",
            "date": lambda s: s}[t](v)


def check_encoding(g, n, t, c, enc, has_values):
    encs = [e.strip() for e in c["encodings"].split(",")]
    dict_used = "RLE_DICTIONARY" in encs and c["dictionary_page_offset"] is not None
    if enc == "dict" and t != "boolean" and has_values and not dict_used:
        sys.exit(f"row group {g} {n}: no dictionary ({c['encodings']})")
    if (enc == "plain" or t == "boolean") and ("RLE_DICTIONARY" in encs or
                                               c["dictionary_page_offset"] is not None):
        sys.exit(f"row group {g} {n}: unexpected dictionary ({c['encodings']})")
    if dict_used and not c["dictionary_page_offset"] < c["data_page_offset"]:
        sys.exit(f"row group {g} {n}: dictionary page after the data pages")
    if "PLAIN" not in encs:
        sys.exit(f"row group {g} {n}: PLAIN missing from {c['encodings']}")


def meta(d, out, codec, enc=None):
    columns = load_columns(d)
    chunks = [json.loads(x) for x in open(out, encoding="utf-8") if x.strip()]
    recs = [json.loads(x) for x in open(f"{d}/in.jsonl", encoding="utf-8")]
    groups = {}
    for c in chunks:
        groups.setdefault(c["row_group_id"], {})[c["path_in_schema"]] = c
    start = 0
    for g in sorted(groups):
        cols = groups[g]
        nrows = cols[columns[0][0]]["row_group_num_rows"]
        part = recs[start:start + nrows]
        start += nrows
        for n, t, _ in columns:
            c = cols[n]
            if c["compression"] != codec:
                sys.exit(f"row group {g} {n}: codec {c['compression']} != {codec}")
            vals = [x.get(n) for x in part if x.get(n) is not None]
            if enc:  # a first value larger than the dictionary budget leaves no dictionary
                fits = bool(vals) and (t != "string" or len(vals[0].encode()) < 250)
                check_encoding(g, n, t, c, enc, fits)
            if c["stats_null_count"] != nrows - len(vals):
                sys.exit(f"row group {g} {n}: null_count {c['stats_null_count']} != "
                         f"{nrows - len(vals)}")
            if t not in ("int64", "string", "boolean", "date") or not vals:
                continue
            if t == "int64":
                vals = [int(v) for v in vals]  # 12.0 is an int64 too
            if t == "string":
                keyed = sorted(vals, key=lambda s: s.encode("utf-8"))
                if max(len(keyed[0].encode()), len(keyed[-1].encode())) > 4096:
                    continue  # left out by design
                lo, hi = keyed[0], keyed[-1]
            else:
                lo, hi = min(vals), max(vals)
            want = (stat_text(t, lo), stat_text(t, hi))
            got = (c["stats_min_value"], c["stats_max_value"])
            if got != want:
                sys.exit(f"row group {g} {n}: min/max {got} != {want}")
    if start != len(recs):
        sys.exit(f"row groups hold {start} rows, input has {len(recs)}")
    print(f"meta: {len(groups)} row groups, statistics and codec {codec} as expected")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), len(sys.argv) > 5)
    elif cmd == "gen-random":
        gen_random(sys.argv[2], int(sys.argv[3]))
    elif cmd == "check":
        check(sys.argv[2], sys.argv[3])
    elif cmd == "meta":
        meta(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
    else:
        sys.exit(__doc__)
