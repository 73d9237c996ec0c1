// The peer of `entrenar runs` for runs1000.bench.mjs: a new process that lists runs with DuckDB.
import { DuckDBInstance } from '@duckdb/node-api'

const dir = process.argv[2]
const duck = await (await DuckDBInstance.create(':memory:')).connect()
const runs = (await duck.runAndReadAll(`SELECT * FROM read_json_auto('${dir}/runs/*.json')`)).getRowsJS()
const counts = (await duck.runAndReadAll(`SELECT run_id, count(*), count(DISTINCT metric), max(step) FROM read_parquet('${dir}/metrics/*/*.parquet', hive_partitioning = true) GROUP BY run_id`)).getRowsJS()
process.stdout.write(`${runs.length} ${counts.length}\n`)
duck.closeSync()
