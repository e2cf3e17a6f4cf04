// read_parquet.mjs - reads a Parquet file with an independent reader and prints it in one
// canonical JSON form, so tests can compare it with what weaver wrote.
//   node read_parquet.mjs duckdb|arrow|meta FILE
// meta: DuckDB's view of the footer, one object per column chunk (row group, column, rows,
// codec, statistics as DuckDB renders them).
// First line: {"reader":R,"rows":N,"types":{col:type}}; then one object per row, keys in column
// order: int64 -> decimal string, double -> "f:" + 16 hex digits of the IEEE-754 bits, boolean
// -> true/false, string/json -> the text, timestamp -> microseconds since the epoch (decimal
// string), date -> days since the epoch (number), null -> null.
import { readFileSync } from 'node:fs';

function f64bits(x) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return 'f:' + dv.getBigUint64(0).toString(16).padStart(16, '0');
}

async function viaDuckdb(file) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const lit = "'" + file.replaceAll("'", "''") + "'";
  const desc = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit})`);
  const cols = desc.getRowObjectsJS().map((r) => [r.column_name, r.column_type]);
  const q = (n) => '"' + n.replaceAll('"', '""') + '"';
  const exprs = cols.map(([n, t]) => {
    if (t === 'TIMESTAMP WITH TIME ZONE') return `CAST(epoch_us(${q(n)}) AS VARCHAR)`;
    if (t === 'DATE') return `CAST(${q(n)} - DATE '1970-01-01' AS INTEGER)`;
    if (t === 'BIGINT' || t === 'JSON') return `CAST(${q(n)} AS VARCHAR)`;
    return q(n);
  });
  const res = await con.runAndReadAll(
    `SELECT ${exprs.join(', ')} FROM read_parquet(${lit}) ORDER BY file_row_number`.replace(
      'read_parquet(' + lit + ')', `read_parquet(${lit}, file_row_number=true)`));
  const rows = res.getRows();
  const types = Object.fromEntries(cols);
  const lines = [JSON.stringify({ reader: 'duckdb', rows: rows.length, types })];
  for (const r of rows) {
    const o = {};
    cols.forEach(([n, t], i) => {
      let v = r[i];
      if (v !== null && t === 'DOUBLE') v = f64bits(v);
      o[n] = v;
    });
    lines.push(JSON.stringify(o));
  }
  con.closeSync?.();
  return lines;
}

// The raw stored value at row i of an Arrow vector (timestamps and dates unconverted).
function rawAt(vec, i) {
  for (const d of vec.data) {
    if (i < d.length) {
      const v = d.values;
      if (v instanceof Int32Array && d.type.toString().startsWith('Timestamp')) {
        const k = 2 * (d.offset + i);
        return BigInt(v[k + 1]) * 4294967296n + BigInt(v[k] >>> 0);
      }
      return v[d.offset + i];
    }
    i -= d.length;
  }
  throw new Error('row out of range');
}

async function viaArrow(file) {
  const pw = await import('parquet-wasm');
  const arrow = await import('apache-arrow');
  const wasmTable = pw.readParquet(new Uint8Array(readFileSync(file)));
  const table = arrow.tableFromIPC(wasmTable.intoIPCStream());
  const fields = table.schema.fields;
  const types = Object.fromEntries(fields.map((f) => [f.name, f.type.toString()]));
  const lines = [JSON.stringify({ reader: 'arrow', rows: table.numRows, types })];
  const vecs = fields.map((f) => table.getChild(f.name));
  for (let i = 0; i < table.numRows; i++) {
    const o = {};
    fields.forEach((f, c) => {
      const vec = vecs[c];
      const t = f.type.toString();
      let v = null;
      if (vec.isValid(i)) {
        if (t.startsWith('Timestamp')) v = String(rawAt(vec, i));
        else if (t.startsWith('Date')) v = Number(rawAt(vec, i));
        else if (t === 'Int64') v = String(vec.get(i));
        else if (t === 'Float64') v = f64bits(vec.get(i));
        else v = vec.get(i);
      }
      o[f.name] = v;
    });
    lines.push(JSON.stringify(o));
  }
  return lines;
}

async function viaMeta(file) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const lit = "'" + file.replaceAll("'", "''") + "'";
  const res = await con.runAndReadAll(
    'SELECT row_group_id, row_group_num_rows, path_in_schema, compression, stats_min_value, ' +
      'stats_max_value, stats_null_count, encodings, dictionary_page_offset, data_page_offset ' +
      `FROM parquet_metadata(${lit}) ` +
      'ORDER BY row_group_id, column_id');
  return res.getRowObjectsJS().map((r) =>
    JSON.stringify(r, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

const [which, file] = process.argv.slice(2);
const readers = { duckdb: viaDuckdb, arrow: viaArrow, meta: viaMeta };
if (!file || !readers[which]) {
  process.stderr.write('usage: node read_parquet.mjs duckdb|arrow|meta FILE\n');
  process.exit(2);
}
const lines = await readers[which](file);
process.stdout.write(lines.join('\n') + '\n');
