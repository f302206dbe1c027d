// Test oracle for tests/XRayHpc.Parquet.Tests: independent Parquet implementations (DuckDB, hyparquet)
// read files we write and write files we must read. Every command prints one JSON document on stdout.
//   node oracle.mjs dump duckdb|hyparquet FILE...   -> [{columns, data:{col:[values]}, kv, rowGroups, stats}] per file
//   node oracle.mjs write-duckdb DIR                -> writes DIR/duckdb_*.parquet, prints [{file, options, dump}]
//   node oracle.mjs write-hyparquet DIR             -> writes DIR/hyparquet_*.parquet, prints [{file, dump}]
//   node oracle.mjs write-fuzz-seeds DIR            -> small DuckDB + hyparquet files, [{file}]
//   node oracle.mjs bench-read FILE...              -> {seconds, cpuSeconds, row}: DuckDB (1 thread) reads every column
// (one process per call: node and DuckDB start-up dominate the cost, so calls take many files)
// Values: int64 as decimal strings, blobs / fixed-length bytes as hex, non-finite floats as strings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBBlobValue, DuckDBListValue, DuckDBUUIDValue } from '@duckdb/node-api';
import { parquetReadObjects, parquetMetadata } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';

const hex = (u8) => Buffer.from(u8).toString('hex');
function plain(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return hex(v);
  if (v instanceof DuckDBBlobValue) return hex(v.bytes);
  if (v instanceof DuckDBUUIDValue) return v.toString().replaceAll('-', '');
  if (v instanceof DuckDBListValue) return v.items.map(plain);
  if (Array.isArray(v)) return v.map(plain);
  return String(v);
}
const sq = (s) => "'" + s.replaceAll("'", "''") + "'";

async function duckdb() {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  return instance.connect();
}

async function dumpDuckdb(file, conn) {
  conn ??= await duckdb();
  const res = await conn.runAndReadAll(`SELECT * FROM read_parquet(${sq(file)})`);
  const columns = res.columnNames();
  const rows = res.getRows();
  const data = Object.fromEntries(columns.map((c, j) => [c, rows.map((r) => plain(r[j]))]));
  const kvRes = await conn.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sq(file)})`);
  const kv = Object.fromEntries(kvRes.getRows().map((r) => [r[0], r[1]]));
  const md = await conn.runAndReadAll(`SELECT row_group_id, row_group_num_rows, path_in_schema, stats_min_value, stats_max_value, stats_null_count
     FROM parquet_metadata(${sq(file)}) ORDER BY row_group_id, column_id`);
  const stats = md.getRows().map((r) => ({ rowGroup: Number(r[0]), rows: Number(r[1]), path: r[2], min: plain(r[3]), max: plain(r[4]), nulls: plain(r[5]) }));
  return { engine: 'duckdb', columns, data, kv, stats, rowGroups: [...new Set(stats.map((s) => s.rowGroup))].length };
}

async function dumpHyparquet(file) {
  const buf = readFileSync(file);
  const file_ = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const meta = parquetMetadata(file_);
  const rows = await parquetReadObjects({ file: file_, utf8: false });
  const top = [];
  // top-level names only (children of the root)
  let idx = 1;
  const skip = (n) => { const e = meta.schema[idx++]; for (let k = 0; k < (e.num_children || 0); k++) skip(); };
  for (let k = 0; k < meta.schema[0].num_children; k++) { top.push(meta.schema[idx].name); skip(); }
  const data = Object.fromEntries(top.map((c) => [c, rows.map((r) => plain(r[c]))]));
  const kv = Object.fromEntries((meta.key_value_metadata || []).map((e) => [e.key, e.value]));
  return { engine: 'hyparquet', columns: top, data, kv, rowGroups: meta.row_groups.length };
}

const DUCK_TABLE = `CREATE TABLE t AS SELECT
  i::INTEGER AS i32,
  (i * 1000003)::BIGINT - 5000000000 AS i64,
  (i / 7.0)::FLOAT AS f32,
  (i * 1.5e-3 - 2.0)::DOUBLE AS f64,
  (i % 3 = 0) AS b,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'str_' || (i % 17) END AS s_dict,
  'unique-' || i || repeat('x', i % 13) || CASE WHEN i % 100 = 1 THEN 'ünïcødé' ELSE '' END AS s_plain,
  CASE WHEN i % 100 = 7 THEN '' ELSE 'v' || (i % 3) END AS s_empty,
  CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 7)::INTEGER END AS i32_null,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i::DOUBLE / 3 END AS f64_null,
  CASE WHEN i % 2 = 0 THEN NULL ELSE (i % 4 = 1) END AS b_null,
  encode('bin' || i) AS blob,
  ('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS uuid,
  CASE WHEN i % 9 = 0 THEN NULL WHEN i % 4 = 0 THEN []::FLOAT[] ELSE [i::FLOAT, (i / 2.0)::FLOAT, -1.5::FLOAT] END AS fl,
  [i, i + 1, i % 5]::INTEGER[] AS il,
  CASE WHEN i % 6 = 0 THEN [NULL, i]::INTEGER[] ELSE [i]::INTEGER[] END AS il_nullelem,
  42::INTEGER AS const_i32
FROM range(0, $ROWS) r(i)`;

async function writeDuckdb(dir, rows = 5000, dump = true, only = null) {
  const conn = await duckdb();
  await conn.run(DUCK_TABLE.replace('$ROWS', String(rows)));
  const variants = [
    ['uncompressed', "COMPRESSION uncompressed, ROW_GROUP_SIZE 2048"],
    ['snappy', "COMPRESSION snappy, ROW_GROUP_SIZE 2048"],
    ['gzip', "COMPRESSION gzip, ROW_GROUP_SIZE 2048"],
    ['zstd', "COMPRESSION zstd, ROW_GROUP_SIZE 2048"],
    ['brotli', "COMPRESSION brotli, ROW_GROUP_SIZE 2048"],
    ['v2_zstd', "COMPRESSION zstd, ROW_GROUP_SIZE 2048, PARQUET_VERSION v2"],
    ['v2_snappy', "COMPRESSION snappy, ROW_GROUP_SIZE 100000, PARQUET_VERSION v2"],
  ];
  const out = [];
  for (const [name, opts] of variants.filter(([n]) => !only || only.includes(n))) {
    const file = join(dir, `duckdb_${name}.parquet`);
    try {
      await conn.run(`COPY t TO ${sq(file)} (FORMAT parquet, ${opts}, KV_METADATA {writer: 'duckdb', variant: ${sq(name)}})`);
      out.push({ file, options: opts, dump: dump ? await dumpDuckdb(file, conn) : null });
    } catch (e) {
      out.push({ file: null, options: opts, error: String(e.message || e) });
    }
  }
  return out;
}

async function writeHyparquet(dir, n = 3000, dump = true) {
  const ints = Array.from({ length: n }, (_, i) => (i * 37) % 1000 - 500);
  const longs = Array.from({ length: n }, (_, i) => BigInt(i) * 123456789n - 99999999999n);
  const floats = Array.from({ length: n }, (_, i) => Math.fround(i / 8 - 3));
  const doubles = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i * 0.1));
  const strings = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : ['alpha', 'beta', 'gamma', ''][i % 4]));
  const prefixed = Array.from({ length: n }, (_, i) => 'prefix/common/' + String(i).padStart(6, '0'));
  const bools = Array.from({ length: n }, (_, i) => i % 3 === 1);
  const lists = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? [] : [Math.fround(i), Math.fround(-i / 4)]));
  const bins = Array.from({ length: n }, (_, i) => new Uint8Array([i & 255, (i >> 8) & 255, 7]));
  const files = [];
  const columnData = (enc) => [
    { name: 'i32', data: ints, type: 'INT32', nullable: false, encoding: enc ? 'DELTA_BINARY_PACKED' : undefined },
    { name: 'i64', data: longs, type: 'INT64', nullable: false, encoding: enc ? 'DELTA_BINARY_PACKED' : undefined },
    { name: 'f32', data: floats, type: 'FLOAT', encoding: enc ? 'BYTE_STREAM_SPLIT' : undefined },
    { name: 'f64', data: doubles, type: 'DOUBLE' },
    { name: 's', data: strings, type: 'STRING' },
    { name: 'p', data: prefixed, type: 'STRING', encoding: enc ? 'DELTA_BYTE_ARRAY' : undefined },
    { name: 'p2', data: prefixed, type: 'STRING', encoding: enc ? 'DELTA_LENGTH_BYTE_ARRAY' : undefined },
    { name: 'b', data: bools, type: 'BOOLEAN' },
    { name: 'bin', data: bins, type: 'BYTE_ARRAY' },
  ];
  for (const [name, enc, codec] of [['plain_snappy', false, 'SNAPPY'], ['delta_uncompressed', true, 'UNCOMPRESSED'], ['delta_snappy', true, 'SNAPPY']]) {
    const filename = join(dir, `hyparquet_${name}.parquet`);
    parquetWriteFile({ filename, columnData: columnData(enc), codec, rowGroupSize: Math.ceil(n / 3), kvMetadata: [{ key: 'writer', value: 'hyparquet' }] });
    files.push({ file: filename });
  }
  if (dump) for (const f of files) f.dump = await dumpHyparquet(f.file);
  // a LIST column needs an explicit schema (3-level list, every node optional as most writers do)
  const filename = join(dir, 'hyparquet_list.parquet');
  parquetWriteFile({
    filename,
    columnData: [{ name: 'fl', data: lists }, { name: 'i32', data: ints }],
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'fl', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
      { name: 'i32', type: 'INT32', repetition_type: 'OPTIONAL' },
    ],
    rowGroupSize: Math.ceil(n / 4),
  });
  files.push({ file: filename, dump: dump ? await dumpHyparquet(filename) : null });
  return files;
}

const [cmd, a, ...rest] = process.argv.slice(2);
let result;
if (cmd === 'dump') {
  result = [];
  const conn = a === 'duckdb' ? await duckdb() : null;
  for (const f of rest) result.push(a === 'hyparquet' ? await dumpHyparquet(f) : await dumpDuckdb(f, conn));
}
else if (cmd === 'bench-read') {
  // time only the query (not node or DuckDB start-up), one thread, every column materialised
  const conn = await duckdb();
  const list = '[' + [a, ...rest].map(sq).join(',') + ']';
  const q = `SELECT count(*), sum(octet_length(image)), sum(height + width), sum(len(labels)), sum(len(label_mask)),
    count(patient_hash), count(view), sum(source_row) FROM read_parquet(${list})`;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage(); // the whole process: node plus DuckDB's thread
  const r = await conn.runAndReadAll(q);
  const c1 = process.cpuUsage(c0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  result = { seconds, cpuSeconds: (c1.user + c1.system) / 1e6, row: r.getRows()[0].map(plain) };
}
else if (cmd === 'write-fuzz-seeds') {
  // small files from the other writers (dictionary pages, data page v2, delta encodings) for the fuzz test
  result = [...await writeDuckdb(a, 150, false, ['snappy', 'v2_zstd', 'v2_snappy', 'gzip']), ...await writeHyparquet(a, 120, false)];
}
else if (cmd === 'write-duckdb') result = await writeDuckdb(a);
else if (cmd === 'write-hyparquet') result = await writeHyparquet(a);
else { console.error('usage: oracle.mjs dump duckdb|hyparquet FILE | write-duckdb DIR | write-hyparquet DIR'); process.exit(2); }
process.stdout.write(JSON.stringify(result));
