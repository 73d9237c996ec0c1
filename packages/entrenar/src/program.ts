import { Command, CommanderError, Option } from 'commander'
import type { TerminalStream } from '@entrenar/viz'
import { colorEnabled, EXIT, failWith, type Io } from './io.js'

/** What `runCli` needs from the process; tests pass buffers and a fixed environment. */
export interface CliContext {
  /** Writes to standard output (results, `--json` documents). */
  readonly out: (text: string) => void
  /** Writes to standard error (progress, warnings, errors). */
  readonly err: (text: string) => void
  /** Environment (`ENTRENAR_DIR`, `ENTRENAR_TOKEN`, `NO_COLOR` …). Default: empty (the `bin` script passes `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Standard output is a terminal (colour, live dashboards). Default false. */
  readonly stdoutTty?: boolean
  /** Standard error is a terminal (progress bars). Default false. */
  readonly stderrTty?: boolean
  /** Ends long-running commands (`serve`, `dashboard --web`) when aborted, as SIGINT would. */
  readonly signal?: AbortSignal
  /** Where live terminal dashboards draw (`dashboard` on a TTY, `demo --dashboard`). Default `process.stdout`. */
  readonly terminal?: TerminalStream
  /** Called by `serve` once it listens. */
  readonly onListening?: (url: string) => void
}

const collect = (v: string, prev: string[] = []) => [...prev, v]

// Commands are imported when they run, so `entrenar --help` does not load DuckDB, resvg or the web bundle.

/**
 * Runs the `entrenar` command line (`argv` without `node` and the script) and resolves to the exit
 * code: 0 ok, 1 a failure found, 2 usage, 3 not found, 4 invalid data or configuration, 5 missing
 * optional capability (see `EXIT`).
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  let code: number = EXIT.OK
  const env = ctx.env ?? {}
  const makeIo = (opts: { json?: boolean; color?: boolean }): Io => ({
    out: ctx.out,
    err: ctx.err,
    json: Boolean(opts.json),
    color: !opts.json && colorEnabled(env, ctx.stdoutTty ?? false, opts.color),
    interactive: (ctx.stderrTty ?? false) && !opts.json,
    stdoutTty: ctx.stdoutTty ?? false,
    env,
    signal: ctx.signal ?? new AbortController().signal,
    ...(ctx.terminal ? { terminal: ctx.terminal } : {}),
  })
  const program = new Command('entrenar')
    .description('Entrenar: observable, self-stopping ML training — runs, queries, Hansei reports, dashboards, lineage, Andon.')
    .version('0.1.0')
    .option('--json', 'machine-readable JSON on stdout')
    .option('--no-color', 'no ANSI colours (also NO_COLOR=1)')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
  const run = (f: (io: Io) => Promise<number>) => async () => {
    const io = makeIo(program.opts<{ json?: boolean; color?: boolean }>())
    try {
      code = await f(io)
    } catch (e) {
      code = failWith(io, e)
    }
  }

  program
    .command('demo')
    .description('train a small MLP twice (healthy, then diverging and stopped by the Andon) into a Parquet store, with Hansei reports')
    .option('--dir <dir>', 'store directory', './runs')
    .option('--epochs <n>', 'epochs per run (at least 3)', '40')
    .option('--dashboard', 'live terminal dashboard (default on a TTY)')
    .option('--no-dashboard', 'no dashboard')
    .action((o: { dir: string; epochs: string; dashboard?: boolean }) => run(async (io) => (await import('./commands/demo.js')).demoCommand(o, io))())

  program
    .command('runs <dir>')
    .description('list the runs of a store with status, duration and points')
    .option('--url <url>', 'read runs and points from a server speaking /v1/store/* (entrenar serve, entrenar-store-server)')
    .option('--token <token>', 'bearer token for --url (default $ENTRENAR_TOKEN)')
    .option('--store <url>', 'read runs and points from a ClickHouse store (clickhouse://host:8123/db); <dir> still holds the incident and drift logs')
    .action((dir: string, o: { url?: string; token?: string; store?: string }) => run(async (io) => (await import('./commands/runs.js')).runsCommand(dir, io, o))())

  program
    .command('generate <dir>')
    .description('write a realistic store for testing at scale: runs of different lengths, Andon stops, NaN bursts, diverged runs, configs and tags (seeded)')
    .option('--runs <n>', 'runs', '1000')
    .option('--metrics <n>', 'metrics per run', '20')
    .option('--steps <n>', 'steps of the longest run (runs have 20–100 % of it)', '10000')
    .option('--seed <n>', 'seed: the same flags write the same store', '1')
    .action((dir: string, o: { runs: string; metrics: string; steps: string; seed: string }) => run(async (io) => (await import('./commands/generate.js')).generateCommand(dir, o, io))())

  program
    .command('query <dir> [sql]')
    .description('typed query (flags) or SQL through DuckDB over the view `metrics`')
    .option('--run <id>', 'run id (repeatable)', collect)
    .option('--metric <name>', 'metric (repeatable)', collect)
    .option('--steps <lo:hi>', 'inclusive step range')
    .option('--from <time>', 'ISO time or microseconds')
    .option('--to <time>', 'ISO time or microseconds')
    .option('--tag <key=value>', 'tag filter (repeatable)', collect)
    .addOption(new Option('--agg <aggregate>', 'aggregate per series or bucket').choices(['mean', 'min', 'max', 'sum', 'count', 'std', 'p50', 'p90', 'p99', 'first', 'last']))
    .option('--bucket <spec>', 'step:N, time:N[us|ms|s|m|h] or points:N (min/max/last)')
    .option('--csv', 'CSV output')
    .option('--limit <n>', 'rows shown per series in the table', '20')
    .action((dir: string, sql: string | undefined, o: Record<string, never>) => run(async (io) => (await import('./commands/query.js')).queryCommand(dir, sql, o, io))())

  program
    .command('report <dir> <run>')
    .description('Hansei post-mortem of a run')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json', 'html']))
    .option('--out <file>', 'write to a file')
    .option('--classes <n>', 'class count for the chance-level check')
    .option('--strict', 'exit 1 when the verdict is failed')
    .option('--url <url>', "read the run's points from a server speaking /v1/store/* (entrenar serve, entrenar-store-server)")
    .option('--token <token>', 'bearer token for --url (default $ENTRENAR_TOKEN)')
    .option('--store <url>', "read the run's points from a ClickHouse store (clickhouse://host:8123/db)")
    .action((dir: string, runId: string, o: { format?: string; out?: string; strict?: boolean; classes?: string; url?: string; token?: string; store?: string }) =>
      run(async (io) => (await import('./commands/report.js')).reportCommand(dir, runId, o, io))(),
    )

  program
    .command('dashboard <dir>')
    .description('terminal dashboard of a store (live on a TTY), a PNG, or the web dashboard')
    .option('--run <id>', 'only this run (repeatable)', collect)
    .option('--png <file>', 'write the dashboard as a PNG')
    .option('--web', 'serve the web dashboard')
    .option('--port <n>', 'web dashboard port', '6006')
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .option('--token <token>', 'bearer token for the web dashboard (required off loopback)')
    .option('--allowed-host <name>', 'another name the Host header may carry, e.g. a proxy\'s (repeatable)', collect)
    .option('--insecure-no-token', 'serve off loopback WITHOUT a token: anyone on the network reads every run')
    .option('--once', 'draw one terminal frame and exit')
    .option('--ascii', 'ASCII instead of braille')
    .option('--store <url>', 'read points and runs from a ClickHouse store (clickhouse://host:8123/db); <dir> keeps incidents and lineage')
    .action((dir: string, o: Record<string, never>) => run(async (io) => (await import('./commands/dashboard.js')).dashboardCommand(dir, o, io))())

  program
    .command('serve <dir>')
    .description('HTTP server over a store: contracts, POST /v1/ingest, /metrics, /healthz and the web dashboard')
    .option('--port <n>', 'TCP port (0 = any free port)', '9464')
    .option('--host <host>', 'interface to bind (default 127.0.0.1; others need --token)')
    .option('--token <token>', 'bearer token (default $ENTRENAR_TOKEN)')
    .option('--config <renacer.toml>', 'Andon rules of the served policy (default ./renacer.toml when present; serve prints which it loaded)')
    .option('--allow-write <path>', 'a file outside the store directory that a renacer.toml handler may write (repeatable)', collect)
    .option('--no-dashboard', 'do not serve the web dashboard')
    .option('--allowed-host <name>', 'another name the Host header may carry, e.g. a proxy\'s (repeatable)', collect)
    .option('--cors-origin <origin>', 'an origin allowed to call from another origin (repeatable; default none)', collect)
    .option('--admin-token <token>', 'token for store close/flush over HTTP (default $ENTRENAR_ADMIN_TOKEN; without it they are not served)')
    .option('--no-detect', 'no change detection (Page-Hinkley on rising loss, val_loss) over POST /v1/ingest points')
    .option('--sql', 'serve read-only SQL: POST /v1/store/sql and trueno-db\'s POST /query (one SELECT over the store\'s files, with a timeout and a row cap)')
    .option('--sql-timeout-ms <ms>', 'interrupt a SQL statement after this long (default 30000)')
    .option('--sql-max-rows <n>', 'rows a SQL answer carries at most; more are cut and marked truncated (default 100000)')
    .option('--store <url>', 'keep points and runs in ClickHouse (clickhouse://host:8123/db) instead of <dir>\'s Parquet store; <dir> keeps lineage, Andon and drift logs')
    .action((dir: string, o: Record<string, never>) => run(async (io) => (await import('./commands/serve.js')).serveCommand(dir, o, io, ctx.onListening))())

  const storeCmd = program.command('store').description('manage whole stores: copy between Parquet directories and ClickHouse')
  storeCmd
    .command('copy <from> <to>')
    .description('copy every run (points bit for bit, metadata) from a store to another: a Parquet directory or clickhouse://host:8123/db, either way; re-running finishes an interrupted copy without duplicates')
    .option('--run <id>', 'only this run (repeatable)', collect)
    .option('--merge', 'copy into a destination that holds other runs or points (kept; missing source points are added, source metadata wins)')
    .option('--batch-rows <n>', 'rows per write (reads are bounded by 4x this)', '100000')
    .action((from: string, to: string, o: { run?: string[]; merge?: boolean; batchRows?: string }) => run(async (io) => (await import('./commands/store.js')).storeCopyCommand(from, to, o, io))())

  const imp = program.command('import').description('import runs from TensorBoard event files, an MLflow file store or W&B history exports (idempotent)')
  for (const [format, what] of [
    ['tensorboard', 'TensorBoard event files under <source> (one run per directory)'],
    ['mlflow', 'an MLflow file store (mlruns/<experiment>/<run>/...)'],
    ['wandb', 'W&B history exports (wandb-history.jsonl in run directories, CSV exports)'],
  ] as const) {
    imp
      .command(`${format} <source> [store]`)
      .description(`${what} into [store] (default $ENTRENAR_DIR or ./runs)`)
      .option('--progress', 'progress on stderr (points, bytes/s) even when it is not a terminal or with --json')
      .action((source: string, store: string | undefined, o: { progress?: boolean }) => run(async (io) => (await import('./commands/import.js')).importCommand(format, source, store, o, io))())
  }
  program
    .command('export')
    .description('export runs to other formats')
    .command('tensorboard <store> <logdir>')
    .description('write the runs of a store as TensorBoard event files, one directory per run')
    .option('--run <id>', 'only this run (repeatable)', collect)
    .action((store: string, logdir: string, o: { run?: string[] }) => run(async (io) => (await import('./commands/import.js')).exportCommand(store, logdir, o, io))())

  const lineage = program.command('lineage').description('model lineage of a store (<dir>/lineage)')
  lineage
    .command('show <dir> [model]')
    .description('the chain root → model with metrics and health events (all models as Mermaid without a model)')
    .action((dir: string, model: string | undefined) => run(async (io) => (await import('./commands/lineage.js')).lineageShow(dir, model, io))())
  lineage
    .command('regression <dir> <model>')
    .description('the derivation where a metric got worse (exit 1 when one is found)')
    .requiredOption('--metric <name>', 'metric to trace')
    .option('--lower-is-better', 'the metric is a loss (default: higher is better)')
    .action((dir: string, model: string, o: { metric: string; lowerIsBetter?: boolean }) => run(async (io) => (await import('./commands/lineage.js')).lineageRegression(dir, model, o, io))())
  lineage
    .command('export <dir>')
    .description('export the graph')
    .addOption(new Option('--format <format>', 'export format').choices(['dot', 'mermaid', 'openlineage']).default('dot'))
    .action((dir: string, o: { format: string }) => run(async (io) => (await import('./commands/lineage.js')).lineageExport(dir, o, io))())

  const andon = program.command('andon').description('Andon rules: check a renacer.toml, backtest rules on stored runs, manage silences')
  andon
    .command('check [config]')
    .description('validate renacer.toml (default ./renacer.toml); exit 1 on warnings, 4 when invalid')
    .action((config: string | undefined) => run(async (io) => (await import('./commands/andon.js')).andonCheck(config, io))())
  andon
    .command('backtest <dir>')
    .description('replay stored runs through the rules and count would-be incidents')
    .option('--config <renacer.toml>', 'rules (default ./renacer.toml when present, else the defaults)')
    .option('--run <id>', 'only this run (repeatable)', collect)
    .option('--silence <matcher>', 'what-if silence over whole runs: every given matcher must match (repeatable)', collect)
    .option('--mute-critical', 'the what-if silence may mute CRITICAL alerts (needs a rule=<name> matcher)')
    .option('--store <url>', 'replay the runs of a ClickHouse store (clickhouse://host:8123/db); <dir> keeps the silences')
    .action((dir: string, o: { config?: string; run?: string[]; silence?: string[]; muteCritical?: boolean; store?: string }) => run(async (io) => (await import('./commands/andon.js')).andonBacktest(dir, o, io))())

  const silence = andon.command('silence').description('Alertmanager-style silences: mute matching alerts for a while (recorded, not notified, no stop)')
  const target = (c: Command) =>
    c
      .option('--store <dir>', 'store directory holding andon/silences.jsonl (default $ENTRENAR_DIR or ./runs)')
      .option('--url <url>', 'a running `entrenar serve` instead of a store directory')
      .option('--token <token>', 'bearer token for --url (default $ENTRENAR_TOKEN)')
  target(silence.command('add <matchers...>'))
    .description('add a silence: matchers as amtool (rule=divergence, metric=~"val_.*", run!=baseline)')
    .option('--duration <d>', 'length from the start, e.g. 90m, 2h, 1d')
    .option('--end <iso>', 'end date-time (instead of --duration)')
    .option('--start <iso>', 'start date-time (default now)')
    .option('--comment <text>', 'why (required)')
    .option('--author <name>', 'created by (default $USER)')
    .option('--id <id>', 'id (default a random UUID); an existing unexpired id is replaced')
    .option('--mute-critical', 'may mute CRITICAL alerts (the NaN stop); needs a rule=<name> matcher')
    .action((m: string[], o: import('./commands/silence.js').SilenceAddFlags) => run(async (io) => (await import('./commands/silence.js')).silenceAdd(m, o, io))())
  target(silence.command('list'))
    .description('list pending and active silences')
    .option('--expired', 'also the expired ones (kept 120 h)')
    .action((o: import('./commands/silence.js').SilenceTarget & { expired?: boolean }) => run(async (io) => (await import('./commands/silence.js')).silenceList(o, io))())
  target(silence.command('expire <ids...>'))
    .description('end silences now')
    .action((ids: string[], o: import('./commands/silence.js').SilenceTarget) => run(async (io) => (await import('./commands/silence.js')).silenceExpire(ids, o, io))())

  try {
    await program.parseAsync(['node', 'entrenar', ...argv])
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; every other parse error is a usage error
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.OK : EXIT.USAGE
    }
    throw e
  }
  return code
}
