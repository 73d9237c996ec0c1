/**
 * UTF-8 arithmetic on JavaScript strings without encoding them: the FNV-1a hash of a string's UTF-8
 * bytes and the comparison of a string with UTF-8 bytes, so ids can stay as bytes (as decoded from
 * Parquet) and still be looked up by string. Lone surrogates count as U+FFFD, as `TextEncoder` writes them.
 */

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** Calls `emit` with each UTF-8 byte of `s`; stops early when `emit` returns false. Returns whether it ran to the end. */
function eachByte(s: string, emit: (b: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      if (!emit(c)) return false
      continue
    }
    if (c < 0x800) {
      if (!emit(0xc0 | (c >> 6)) || !emit(0x80 | (c & 0x3f))) return false
      continue
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
        if (!emit(0xf0 | (cp >> 18)) || !emit(0x80 | ((cp >> 12) & 0x3f)) || !emit(0x80 | ((cp >> 6) & 0x3f)) || !emit(0x80 | (cp & 0x3f))) return false
        continue
      }
      c = 0xfffd
    }
    if (!emit(0xe0 | (c >> 12)) || !emit(0x80 | ((c >> 6) & 0x3f)) || !emit(0x80 | (c & 0x3f))) return false
  }
  return true
}

/** 32-bit FNV-1a (Fowler–Noll–Vo) over the UTF-8 bytes of `s`; ASCII strings take the fast loop. */
export function hashString(s: string): number {
  let h = FNV_OFFSET
  let i = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) break
    h = Math.imul(h ^ c, FNV_PRIME)
  }
  if (i === s.length) return h >>> 0
  eachByte(s.slice(i), (b) => {
    h = Math.imul(h ^ b, FNV_PRIME)
    return true
  })
  return h >>> 0
}

/** 32-bit FNV-1a over `bytes[from, to)` (equals {@link hashString} of the decoded string). */
export function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = FNV_OFFSET
  for (let j = from; j < to; j++) h = Math.imul(h ^ bytes[j]!, FNV_PRIME)
  return h >>> 0
}

/** Whether `bytes[from, to)` is the UTF-8 encoding of `s`. */
export function equalsUtf8(s: string, bytes: Uint8Array, from: number, to: number): boolean {
  let j = from
  // ASCII fast path: one byte per char.
  let i = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) break
    if (j >= to || bytes[j] !== c) return false
    j++
  }
  if (i === s.length) return j === to
  const ran = eachByte(s.slice(i), (b) => j < to && bytes[j++] === b)
  return ran && j === to
}

const utf8 = new TextDecoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const latin1 = new TextDecoder('latin1')

/**
 * `bytes` decoded one char per byte, so ASCII values can be sliced out at their byte offsets: the
 * fast UTF-8 decoder when the bytes are all ASCII, else windows-1252 (one code point per byte).
 */
export function charPerByte(bytes: Uint8Array): string {
  try {
    const s = strictUtf8.decode(bytes)
    if (s.length === bytes.length) return s
  } catch {
    // not UTF-8 (e.g. a length byte ≥ 0x80): one char per byte below
  }
  return latin1.decode(bytes)
}

/** The string encoded by `bytes[from, to)`; short ASCII runs skip the decoder call. */
export function decodeUtf8(bytes: Uint8Array, from: number, to: number): string {
  if (to - from <= 64) {
    let ascii = true
    for (let j = from; j < to; j++) {
      if (bytes[j]! >= 0x80) {
        ascii = false
        break
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[])
  }
  return utf8.decode(bytes.subarray(from, to))
}
