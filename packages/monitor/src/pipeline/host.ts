/**
 * Host facts recorded with a run. The only module of the monitor that touches Node built-ins, and it
 * imports them lazily, so the monitor also loads in a browser (where the facts are simply absent).
 */
export interface HostFacts {
  readonly host?: string
  readonly gitRevision?: string
}

/** The facts already read, per working directory (see {@link hostFacts}). */
const cache = new Map<string, Promise<HostFacts>>()

/**
 * The host name and the git revision of the working directory, read once per process and working
 * directory: the revision is that of the code this process loaded, and a process that opens many runs
 * (a sweep) starts `git` once, not once per run. Starting a child process is not free for the parent:
 * after the fork, the first write to each page of the parent's heap is a copy-on-write page fault
 * (~2 µs each here), milliseconds of a training loop's time after every run opened.
 */
export function hostFacts(): Promise<HostFacts> {
  const cwd = typeof process !== 'undefined' && typeof process.cwd === 'function' ? process.cwd() : ''
  let facts = cache.get(cwd)
  if (facts === undefined) {
    facts = readHostFacts()
    cache.set(cwd, facts)
  }
  return facts
}

async function readHostFacts(): Promise<HostFacts> {
  const facts: { host?: string; gitRevision?: string } = {}
  try {
    const os = await import('node:os')
    facts.host = os.hostname()
  } catch {
    return facts
  }
  try {
    const { execFile } = await import('node:child_process')
    const rev = await new Promise<string>((resolve) => {
      execFile('git', ['rev-parse', 'HEAD'], { timeout: 2000 }, (err, stdout) => resolve(err ? '' : stdout.trim()))
    })
    if (/^[0-9a-f]{40}$/.test(rev)) facts.gitRevision = rev
  } catch {
    // no git on this machine: the revision stays unknown
  }
  return facts
}
