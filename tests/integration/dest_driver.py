"""Drives `weaver destination write` like an Airbyte platform would and checks the raw zone it
publishes (used by test_destination.sh and test_export.sh).

  dest_driver.py catalog OUT.json MODE_USERS MODE_EVENTS
      writes a configured catalog with streams users and shop.events
  dest_driver.py drive W CFG CAT LISTROOT SUFFIX RUN EXPECTED.json
      sends batches of RECORDs, each followed by a STATE; when a STATE comes back on stdout it
      must be the line sent, byte for byte, and the published listing (files under LISTROOT,
      SUFFIX stripped, staging ignored) must hold exactly the records sent so far, as the run's
      manifest says; a last batch without STATE is published at EOF. RUN (1, 2...) varies the
      ids. Appends the records (in the readers' canonical form) to EXPECTED.json.
  dest_driver.py verify LISTROOT SUFFIX READERS_DIR EXPECTED.json
      reads every published file with DuckDB and arrow (read_parquet.mjs) and compares all
      rows with EXPECTED.json exactly (data columns and Airbyte meta columns).
Everything is checked here; a failure exits 1 with the reason."""
import datetime
import json
import os
import struct
import subprocess
import sys

SCHEMA_USERS = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["null", "string"]},
        "score": {"type": "number"},
        "active": {"type": "boolean"},
        "ts": {"type": "string", "format": "date-time"},
        "d": {"type": "string", "format": "date"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
SCHEMA_EVENTS = {
    "type": "object",
    "properties": {"eid": {"type": "integer"}, "kind": {"type": "string"},
                   "payload": {"type": "object"}},
}


def die(msg):
    print("dest_driver: " + msg, file=sys.stderr)
    sys.exit(1)


def catalog(out, mode_users, mode_events):
    def stream(name, ns, schema, mode, pk):
        s = {"name": name, "json_schema": schema, "supported_sync_modes": ["full_refresh"]}
        if ns:
            s["namespace"] = ns
        return {"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": mode,
                "primary_key": pk, "generation_id": 3, "minimum_generation_id": 0,
                "sync_id": 77}
    cat = {"streams": [stream("users", None, SCHEMA_USERS, mode_users, [["id"]]),
                       stream("events", "shop", SCHEMA_EVENTS, mode_events,
                              [["eid"], ["kind"]])]}
    with open(out, "w") as f:
        json.dump(cat, f)


def user(run, i):
    uid = run * 1000 + i
    return {"id": uid, "name": None if i % 4 == 0 else "user-%d-é" % uid,
            "score": uid / 8.0 + 0.1, "active": i % 2 == 0,
            "ts": "2024-03-%02dT10:%02d:05.123456Z" % (1 + i % 28, i % 60),
            "d": "2023-12-%02d" % (1 + i % 31), "tags": ["t%d" % i, "x"]}


def event(run, i):
    eid = run * 1000 + i
    return {"eid": eid, "kind": "click" if i % 3 else "view", "payload": {"n": i, "ok": True}}


def batches(run):
    """Four batches; the first three end with a STATE, the last is left for EOF."""
    out, u, e = [], 0, 0
    for b, (nu, ne) in enumerate([(5, 2), (0, 3), (7, 0), (3, 2)]):
        recs = []
        for _ in range(nu):
            recs.append(("users", None, user(run, u)))
            u += 1
        for _ in range(ne):
            recs.append(("events", "shop", event(run, e)))
            e += 1
        state = None
        if b < 3:
            state = json.dumps({"type": "STATE", "state": {
                "type": "STREAM", "stream": {"stream_descriptor": {"name": "users"},
                                             "stream_state": {"run": run, "batch": b}}}},
                               separators=(", ", ": "))
        out.append((recs, state))
    return out


def record_line(stream, ns, data):
    r = {"stream": stream, "data": data, "emitted_at": 1700000000000}
    if ns:
        r["namespace"] = ns
    return json.dumps({"type": "RECORD", "record": r})


def listing(root, suffix):
    """Published files (relative paths, suffix stripped), staging ignored."""
    found = set()
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith("_weaver_staging")]
        for f in files:
            if suffix and not f.endswith(suffix):
                continue
            rel = os.path.relpath(os.path.join(d, f), root)
            found.add(rel[: len(rel) - len(suffix)] if suffix else rel)
    return found


def manifests(root, suffix):
    runs = os.path.join(root, "_runs")
    out = {}
    for r in sorted(os.listdir(runs)) if os.path.isdir(runs) else []:
        p = os.path.join(runs, r, "_manifest.json" + suffix)
        if os.path.exists(p):
            with open(p) as f:
                out[r] = json.load(f)
    return out


def drive(w, cfg, cat, root, suffix, run, expected_path):
    run = int(run)
    p = subprocess.Popen([w, "destination", "write", "--config", cfg, "--catalog", cat],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    before = listing(root, suffix) if os.path.isdir(root) else set()
    old_runs = set(manifests(root, suffix)) if os.path.isdir(root) else set()
    sent = {"users": 0, "events": 0}
    states = 0
    for recs, state in batches(run):
        for s, ns, data in recs:
            p.stdin.write(record_line(s, ns, data) + "\n")
            sent[s] += 1
        if state is None:
            continue
        p.stdin.write(state + "\n")
        p.stdin.flush()
        while True:
            line = p.stdout.readline()
            if not line:
                die("stdout closed before STATE %d came back (rc %s)" % (states, p.wait()))
            m = json.loads(line)
            if m["type"] == "STATE":
                break
            if m["type"] != "LOG":
                die("unexpected message before STATE: " + line)
        if line.rstrip("\n") != state:
            die("STATE echoed changed:\n  sent %s\n  got  %s" % (state, line))
        states += 1
        # at this moment everything sent before the STATE must be published
        runs = {k: v for k, v in manifests(root, suffix).items() if k not in old_runs}
        if len(runs) != 1:
            die("after STATE %d: expected one new run manifest, found %s" % (states, list(runs)))
        man = list(runs.values())[0]
        files = {f["path"] for f in man["files"]}
        now = listing(root, suffix)
        missing = files - now
        if missing:
            die("after STATE %d: manifest lists unpublished files %s" % (states, missing))
        for s in ("users", "events"):
            rows = sum(f["rows"] for f in man["files"] if f["stream"] == s)
            if rows != sent[s]:
                die("after STATE %d: %s has %d rows published, %d sent" % (states, s, rows,
                                                                            sent[s]))
    p.stdin.close()
    rest = p.stdout.read()
    rc = p.wait()
    if rc != 0:
        die("weaver exited %d: %s" % (rc, rest))
    if any(json.loads(x)["type"] == "STATE" for x in rest.splitlines() if x.strip()):
        die("a STATE came back that was not sent last")
    runs = {k: v for k, v in manifests(root, suffix).items() if k not in old_runs}
    man = list(runs.values())[0]
    for s in ("users", "events"):
        rows = sum(f["rows"] for f in man["files"] if f["stream"] == s)
        if rows != sent[s]:
            die("at EOF: %s has %d rows published, %d sent" % (s, rows, sent[s]))
    exp = {}
    if os.path.exists(expected_path):
        with open(expected_path) as f:
            exp = json.load(f)
    with open(cat) as f:
        modes = {c["stream"]["name"]: c["destination_sync_mode"] for c in json.load(f)["streams"]}
    for s, mode in modes.items():
        if mode == "overwrite":
            exp[s] = []  # this run's files replace the older ones
    for recs, _ in batches(run):
        for s, ns, data in recs:
            exp.setdefault(s, []).append(canonical(s, data))
    exp.setdefault("runs", []).append({"run_id": man["run_id"], "before": sorted(before),
                                       "extracted_at": man["extracted_at"]})
    with open(expected_path, "w") as f:
        json.dump(exp, f)
    print("%d states, %d users, %d events" % (states, sent["users"], sent["events"]))


def micros(ts):
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    return str((t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc))
               // datetime.timedelta(microseconds=1))


def canonical(stream, d):
    if stream == "users":
        return {"id": str(d["id"]), "name": d["name"],
                "score": "f:" + struct.pack(">d", d["score"]).hex(), "active": d["active"],
                "ts": micros(d["ts"]),
                "d": (datetime.date.fromisoformat(d["d"]) - datetime.date(1970, 1, 1)).days,
                "tags": json.dumps(d["tags"], separators=(",", ":"), ensure_ascii=False)}
    return {"eid": str(d["eid"]), "kind": d["kind"],
            "payload": json.dumps(d["payload"], separators=(",", ":"))}


def verify(root, suffix, readers, expected_path):
    with open(expected_path) as f:
        exp = json.load(f)
    got = {"users": [], "events": []}
    keys = {"users": list(SCHEMA_USERS["properties"]), "events": list(SCHEMA_EVENTS["properties"])}
    mans = manifests(root, suffix)
    stream_of = {f["path"]: f["stream"] for m in mans.values() for f in m["files"]}
    n_files = 0
    for rel in sorted(listing(root, suffix)):
        if rel.startswith("_runs/"):
            continue
        if rel not in stream_of:
            die("published file %s is in no manifest" % rel)
        s = stream_of[rel]
        per_reader = []
        for r in ("duckdb", "arrow"):
            out = subprocess.run(["node", os.path.join(readers, "read_parquet.mjs"), r,
                                  os.path.join(root, rel + suffix)], capture_output=True,
                                 text=True)
            if out.returncode != 0:
                die("%s cannot read %s: %s" % (r, rel, out.stderr[:500]))
            lines = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
            rows = lines[1:]
            for row in rows:
                if not row["_airbyte_raw_id"] or row["_airbyte_extracted_at"] is None:
                    die("%s: %s: meta columns missing in %s" % (r, rel, row))
                if json.loads(row["_airbyte_meta"]).get("changes") != []:
                    die("%s: %s: unexpected changes %s" % (r, rel, row["_airbyte_meta"]))
                if row["_airbyte_generation_id"] != "3":
                    die("%s: %s: generation id %r" % (r, rel, row["_airbyte_generation_id"]))
            per_reader.append([{k: row[k] for k in keys[s]} for row in rows])
        if per_reader[0] != per_reader[1]:
            die("duckdb and arrow disagree on %s" % rel)
        got[s].extend(per_reader[0])
        n_files += 1
    for s in ("users", "events"):
        key = "id" if s == "users" else "eid"
        a = sorted(got[s], key=lambda r: int(r[key]))
        b = sorted(exp.get(s, []), key=lambda r: int(r[key]))
        if a != b:
            die("%s: read back %d rows, expected %d; first difference: %s" % (
                s, len(a), len(b),
                next(((x, y) for x, y in zip(a, b) if x != y), "lengths differ")))
    print("%d files, %d users, %d events read back exactly by duckdb and arrow" % (
        n_files, len(got["users"]), len(got["events"])))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"catalog": catalog, "drive": drive, "verify": verify}[cmd](*args)
