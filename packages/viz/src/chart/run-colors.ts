/**
 * One colour per run, the same in every panel, chart, page and report: a run's colour comes from
 * its id (FNV-1a), not from its position in a list. Two runs drawn together never share a colour
 * while the palette has a free one: runs whose hashed slots collide are spread to the least used
 * slots (so a run keeps its colour unless a newcomer contends for its slot).
 * Pure: used by the page, the SVG/PNG charts and the HTML report alike.
 */

/** FNV-1a (32-bit) of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** The palette slot a run id hashes to (before collisions are resolved). */
export function runSlot(id: string, size: number): number {
  return fnv1a(id) % size
}

/**
 * Colours of `ids` (duplicates ignored). First every run whose hashed slot no smaller id claims keeps
 * it; then, in id order, the others take the next slot used least (a free one while the palette has
 * room). A newcomer therefore moves at most the runs it contends with, not the whole list.
 */
export function runColors(ids: Iterable<string>, palette: readonly string[]): Map<string, string> {
  const sorted = [...new Set(ids)].sort()
  const n = palette.length
  const used = new Uint32Array(n)
  const out = new Map<string, string>()
  const rest: string[] = []
  for (const id of sorted) {
    const slot = runSlot(id, n)
    if (used[slot] === 0) {
      used[slot] = 1
      out.set(id, palette[slot]!)
    } else rest.push(id)
  }
  for (const id of rest) {
    const start = runSlot(id, n)
    let least = used[0]!
    for (let k = 1; k < n; k++) if (used[k]! < least) least = used[k]!
    let slot = start
    for (let k = 0; k < n; k++) {
      const s = (start + k) % n
      if (used[s] === least) {
        slot = s
        break
      }
    }
    used[slot]!++
    out.set(id, palette[slot]!)
  }
  return out
}
