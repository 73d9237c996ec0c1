import { CHANGE_TYPES } from '@entrenar/core'
import type { GraphStore } from '../store/graph-store.js'
import { labelLines } from './label.js'

/** Mermaid entity codes for the characters that would end or re-interpret a quoted label. */
function text(s: string): string {
  return s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;').replace(/\r?\n/g, ' ')
}

/**
 * A Mermaid flowchart. Node keys are `m<index>` (model ids may hold any character); labels are
 * quoted with Mermaid entity codes; models trained through an incident get the `incident` class.
 */
export function toMermaid(g: GraphStore, flagged: ReadonlySet<number>): string {
  const out = ['flowchart TD']
  for (let v = 0; v < g.n; v++) out.push(`  m${v}["${labelLines(g, v).map(text).join('<br/>')}"]`)
  for (let e = 0; e < g.m; e++) {
    const d = g.eDesc[e]!
    const label = CHANGE_TYPES[g.eType[e]!]! + (d >= 0 ? `: ${g.pool.get(d)}` : '')
    out.push(`  m${g.eParent[e]} -->|"${text(label)}"| m${g.eChild[e]}`)
  }
  if (flagged.size > 0) {
    out.push('  classDef incident stroke:#d00,color:#d00')
    out.push(`  class ${[...flagged].sort((a, b) => a - b).map((v) => `m${v}`).join(',')} incident`)
  }
  return `${out.join('\n')}\n`
}
