#!/usr/bin/env python3
"""pq_cases.py - test data for weaver's Parquet writer and the checks on what readers return.

  gen DIR SEED ROWS [LONG]      DIR/schema.json, DIR/in.jsonl, DIR/expected.jsonl (canonical rows
                                in the form read_parquet.mjs prints; see there)
  check DIR READER_OUTPUT       rows and types returned by a reader == expected
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


def norm_json_cols(row):
    for n, t, _ in COLUMNS:
        if t == "json" and row.get(n) is not None:
            row[n] = json.loads(row[n])
    return row


def check(d, out):
    lines = open(out, encoding="utf-8").read().splitlines()
    head = json.loads(lines[0])
    want_types = {n: (DUCK if head["reader"] == "duckdb" else ARROW)[t] for n, t, _ in COLUMNS}
    if head["types"] != want_types:
        sys.exit(f"{head['reader']}: types {head['types']} != {want_types}")
    exp = [json.loads(x) for x in open(f"{d}/expected.jsonl", encoding="utf-8")]
    got = [norm_json_cols(json.loads(x)) for x in lines[1:]]
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
    chunks = [json.loads(x) for x in open(out, encoding="utf-8")]
    recs = [json.loads(x) for x in open(f"{d}/in.jsonl", encoding="utf-8")]
    groups = {}
    for c in chunks:
        groups.setdefault(c["row_group_id"], {})[c["path_in_schema"]] = c
    start = 0
    for g in sorted(groups):
        cols = groups[g]
        nrows = cols["id"]["row_group_num_rows"]
        part = recs[start:start + nrows]
        start += nrows
        for n, t, _ in COLUMNS:
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
    elif cmd == "check":
        check(sys.argv[2], sys.argv[3])
    elif cmd == "meta":
        meta(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
    else:
        sys.exit(__doc__)
