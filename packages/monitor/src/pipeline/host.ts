/**
 * Host facts recorded with a run. The only module of the monitor that touches Node built-ins, and it
 * imports them lazily, so the monitor also loads in a browser (where the facts are simply absent).
 */
export interface HostFacts {
  readonly host?: string
  readonly gitRevision?: string
}

export async function hostFacts(): Promise<HostFacts> {
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
