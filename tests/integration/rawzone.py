#!/usr/bin/env python3
"""Independent reader for weaver's raw zone and state store, used by the integration tests.

Reads published JSONL files (skipping _weaver_staging and other '_'/'.'-prefixed entries, as
Hive-style readers do) with Python's json module and the state store with Python's sqlite3.

  rawzone.py count ROOT STREAM            -> number of lines
  rawzone.py ids ROOT STREAM              -> "unique=N total=M min=A max=B" over _airbyte_data.id
  rawzone.py check-dedup ROOT STREAM CURSOR -> fails unless each id appears once
  rawzone.py covers ROOT STREAM LAST_ID   -> fails unless ids 1..LAST_ID are all present
  rawzone.py maxcursor ROOT STREAM FIELD  -> max value of _airbyte_data[FIELD]
  rawzone.py lines-ok ROOT                -> validates every line's shape
  rawzone.py covered DB CONN ROOT STREAM... -> each stream's committed state id, after checking
                                            that ids 1..id are all published (state first)
  rawzone.py sql DB QUERY                 -> rows, '|' separated
  rawzone.py state-id DB CONNECTION STREAM -> the committed stream_state.id (or 0)
"""
import json
import os
import sqlite3
import sys


def files(root, stream):
    base = os.path.join(root, stream)
    out = []
    for d, dirs, fs in os.walk(base):
        dirs[:] = sorted(x for x in dirs if not x.startswith(("_", ".")))
        for f in sorted(fs):
            if f.endswith(".jsonl") and not f.startswith(("_", ".")):
                out.append(os.path.join(d, f))
    return out


def records(root, stream):
    for path in files(root, stream):
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                try:
                    yield json.loads(line)
                except ValueError as e:
                    sys.exit(f"{path}:{n}: not JSON: {e}")


def main(argv):
    cmd = argv[1]
    if cmd == "count":
        print(sum(1 for _ in records(argv[2], argv[3])))
    elif cmd == "ids":
        ids = [r["_airbyte_data"]["id"] for r in records(argv[2], argv[3])]
        print(f"unique={len(set(ids))} total={len(ids)} min={min(ids, default=0)} max={max(ids, default=0)}")
    elif cmd == "check-dedup":
        seen = {}
        for r in records(argv[2], argv[3]):
            i = r["_airbyte_data"]["id"]
            if i in seen:
                sys.exit(f"duplicate id {i} in {argv[3]}")
            seen[i] = r
        print(len(seen))
    elif cmd == "covers":
        last = int(argv[4])
        ids = {r["_airbyte_data"]["id"] for r in records(argv[2], argv[3])}
        missing = [i for i in range(1, last + 1) if i not in ids]
        if missing:
            sys.exit(f"{argv[3]}: {len(missing)} ids up to {last} missing, first {missing[:5]}")
        print("covered")
    elif cmd == "maxcursor":
        print(max((r["_airbyte_data"][argv[4]] for r in records(argv[2], argv[3])), default=""))
    elif cmd == "lines-ok":
        n = 0
        for d, dirs, fs in os.walk(argv[2]):
            dirs[:] = [x for x in dirs if not x.startswith(("_", "."))]
            for f in fs:
                if not f.endswith(".jsonl"):
                    continue
                part = os.path.basename(d)
                if not part.startswith("dt="):
                    sys.exit(f"{d}/{f}: not in a dt= partition")
                with open(os.path.join(d, f), encoding="utf-8") as fh:
                    for line in fh:
                        r = json.loads(line)
                        keys = {"_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_generation_id",
                                "_airbyte_meta", "_airbyte_data"}
                        if set(r) != keys:
                            sys.exit(f"{f}: unexpected keys {sorted(r)}")
                        if not isinstance(r["_airbyte_data"], dict):
                            sys.exit(f"{f}: _airbyte_data is not an object")
                        n += 1
        print(n)
    elif cmd == "covered":
        db, conn, root, streams = argv[2], argv[3], argv[4], argv[5:]
        states = {}
        if os.path.exists(db):
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            for st in streams:  # read every state before any file: files are published first
                row = con.execute("select state_json from connection_state where connection=? "
                                  "and stream=?", (conn, st)).fetchone()
                states[st] = json.loads(row[0])["stream"]["stream_state"].get("id", 0) if row else 0
            con.close()
        out = []
        for st in streams:
            last = states.get(st, 0)
            ids = {r["_airbyte_data"]["id"] for r in records(root, st)} if last else set()
            missing = [i for i in range(1, last + 1) if i not in ids]
            if missing:
                sys.exit(f"{st}: state at id {last} is ahead of the published data "
                         f"({len(missing)} missing, first {missing[:5]})")
            out.append(str(last))
        print(" ".join(out))
    elif cmd == "sql":
        con = sqlite3.connect(f"file:{argv[2]}?mode=ro", uri=True, timeout=10)
        for row in con.execute(argv[3]):
            print("|".join("" if v is None else str(v) for v in row))
    elif cmd == "state-id":
        if not os.path.exists(argv[2]):
            print(0)
            return
        con = sqlite3.connect(f"file:{argv[2]}?mode=ro", uri=True, timeout=10)
        row = con.execute("select state_json from connection_state where connection=? and stream=?",
                          (argv[3], argv[4])).fetchone()
        print(json.loads(row[0])["stream"]["stream_state"].get("id", 0) if row else 0)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
