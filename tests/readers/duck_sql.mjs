// duck_sql.mjs - runs one SQL query in DuckDB (in memory, @duckdb/node-api) and prints each
// result row as a JSON array on its own line (BigInt values as decimal strings). Tests use it
// to read raw zones the way a warehouse would: read_parquet('dir/**/*.parquet',
// hive_partitioning = true).
//   node duck_sql.mjs "SELECT count(*) FROM read_parquet('x/**/*.parquet')"
const { DuckDBInstance } = await import('@duckdb/node-api');
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const res = await con.runAndReadAll(process.argv[2]);
for (const row of res.getRowsJS())
  console.log(JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
