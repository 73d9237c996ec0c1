/**
 * One colour per run, the same in every panel, chart, page and report: a run's colour comes from
 * its id (FNV-1a), not from its position in a list. Two runs drawn together never share a colour
 * while the palette has a free one: ids are placed in sorted order, and a run whose slot is taken
 * moves to the next free slot (so a run keeps its colour unless a newcomer shares its hash slot).
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

/** Colours of `ids` (duplicates ignored): by id, collisions moved to the next free slot while one is free. */
export function runColors(ids: Iterable<string>, palette: readonly string[]): Map<string, string> {
  const sorted = [...new Set(ids)].sort()
  const n = palette.length
  const taken = new Uint32Array(n)
  const out = new Map<string, string>()
  for (const id of sorted) {
    const start = runSlot(id, n)
    let slot = start
    let least = taken[0]!
    for (let k = 1; k < n; k++) if (taken[k]! < least) least = taken[k]!
    // The first slot from the hashed one that is used least (free while the palette has room).
    for (let k = 0; k < n; k++) {
      const s = (start + k) % n
      if (taken[s] === least) {
        slot = s
        break
      }
    }
    taken[slot]!++
    out.set(id, palette[slot]!)
  }
  return out
}
