import { CHANGE_TYPES } from '@entrenar/core'
import type { GraphStore } from '../store/graph-store.js'
import { labelLines } from './label.js'

/** A DOT quoted string (Graphviz: `\"` and `\\` escaped, newlines as `\n` line breaks). */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`
}

/**
 * Graphviz DOT: one box per model (id, version, first metrics), one edge per derivation labelled
 * with its change type; models trained through an incident are drawn red.
 */
export function toDot(g: GraphStore, flagged: ReadonlySet<number>): string {
  const out = ['digraph lineage {', '  rankdir=TB;', '  node [shape=box, style=rounded];']
  for (let v = 0; v < g.n; v++) {
    const label = labelLines(g, v).map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, ' ')).join('\\n')
    out.push(`  ${quote(g.ids.get(v))} [label="${label}"${flagged.has(v) ? ', color=red, fontcolor=red' : ''}];`)
  }
  for (let e = 0; e < g.m; e++) {
    const d = g.eDesc[e]!
    const label = CHANGE_TYPES[g.eType[e]!]! + (d >= 0 ? `: ${g.pool.get(d)}` : '')
    out.push(`  ${quote(g.ids.get(g.eParent[e]!))} -> ${quote(g.ids.get(g.eChild[e]!))} [label=${quote(label)}];`)
  }
  out.push('}')
  return `${out.join('\n')}\n`
}
