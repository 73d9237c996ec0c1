/**
 * The page's only way to build markup: elements and text nodes, never HTML strings. Every run name,
 * metric name, tag and message reaches the DOM through `textContent` / text nodes, so a name such
 * as `<img src=x onerror=alert(1)>` is shown, not parsed (the CSP's Trusted Types would refuse an
 * HTML sink anyway).
 */

type Child = Node | string | number | null | undefined | false

/** Properties of {@link h}. Attributes are set with `setAttribute` (values are never parsed as HTML). */
export interface Props {
  readonly class?: string
  readonly title?: string
  readonly attrs?: Readonly<Record<string, string>>
  readonly data?: Readonly<Record<string, string>>
  readonly on?: { readonly [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void }
}

/** Creates an element with text children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (props.class) el.className = props.class
  if (props.title !== undefined) el.title = props.title
  if (props.attrs) {
    for (const [k, v] of Object.entries(props.attrs)) {
      if (/^on/i.test(k) || k === 'srcdoc') throw new Error(`entrenar/viz: refusing attribute ${k}`)
      el.setAttribute(k, v)
    }
  }
  if (props.data) for (const [k, v] of Object.entries(props.data)) el.dataset[k] = v
  if (props.on) {
    for (const [k, fn] of Object.entries(props.on)) el.addEventListener(k, fn as EventListener)
  }
  append(el, ...children)
  return el
}

/** Appends children; strings and numbers become text nodes. */
export function append(el: Node, ...children: Child[]): void {
  appendAll(el, children)
}

/**
 * Appends a list of children of any length. Lists built from data (metric names, runs) go through
 * here as an array, never spread into a call: a spread passes each element as an argument, and
 * 100 000 arguments overflow the call stack (`RangeError: Maximum call stack size exceeded`).
 */
export function appendAll(el: Node, children: readonly Child[]): void {
  const frag = document.createDocumentFragment()
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    frag.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
  el.appendChild(frag)
}

/** Replaces every child of `el`. */
export function replace(el: Node, ...children: Child[]): void {
  replaceAll(el, children)
}

/** Replaces every child of `el` with a list of any length (see {@link appendAll}). */
export function replaceAll(el: Node, children: readonly Child[]): void {
  while (el.firstChild) el.removeChild(el.firstChild)
  appendAll(el, children)
}
