import type { LineageView } from '../wire.js'
import { fetchLineage, fetchLineageExport } from './api.js'
import { appendAll, h, replace } from './dom.js'
import { formatNumber, formatTime } from './format.js'

const SVG = 'http://www.w3.org/2000/svg'

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Readonly<Record<string, string | number>>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = text
  return e
}

/** Layer of each model: the longest parent chain above it (Kahn's topological order). */
export function layers(view: LineageView): Map<string, number> {
  const ids = view.nodes.map((n) => n.id)
  const indeg = new Map<string, number>(ids.map((id) => [id, 0]))
  const out = new Map<string, string[]>(ids.map((id) => [id, []]))
  for (const e of view.edges) {
    indeg.set(e.child, (indeg.get(e.child) ?? 0) + 1)
    out.get(e.parent)?.push(e.child)
  }
  const layer = new Map<string, number>(ids.map((id) => [id, 0]))
  const queue = ids.filter((id) => indeg.get(id) === 0)
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!
    for (const c of out.get(id) ?? []) {
      layer.set(c, Math.max(layer.get(c) ?? 0, layer.get(id)! + 1))
      const d = indeg.get(c)! - 1
      indeg.set(c, d)
      if (d === 0) queue.push(c)
    }
  }
  return layer
}

const W = 170
const H = 34
const GAP_X = 60
const GAP_Y = 14

/** Draws the lineage as a layered graph (SVG, text nodes only) plus a table and the text exports. */
export async function renderLineage(root: HTMLElement, colorOf: (runId: string) => string): Promise<void> {
  const view = await fetchLineage()
  root.hidden = false
  if (view.nodes.length === 0) {
    replace(root, h('h2', {}, 'Lineage'), h('p', { class: 'empty' }, 'No model of these runs is in the lineage graph.'))
    return
  }
  const layer = layers(view)
  const columns = new Map<number, string[]>()
  for (const n of view.nodes) {
    const l = layer.get(n.id) ?? 0
    const col = columns.get(l) ?? []
    col.push(n.id)
    columns.set(l, col)
  }
  const pos = new Map<string, [number, number]>()
  let rows = 0
  for (const [l, col] of columns) {
    for (let i = 0; i < col.length; i++) pos.set(col[i]!, [10 + l * (W + GAP_X), 10 + i * (H + GAP_Y)])
    rows = Math.max(rows, col.length)
  }
  const width = 20 + columns.size * (W + GAP_X)
  const height = 20 + rows * (H + GAP_Y)
  const graph = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'model lineage graph' })
  for (const e of view.edges) {
    const a = pos.get(e.parent)
    const b = pos.get(e.child)
    if (!a || !b) continue
    const x1 = a[0] + W
    const y1 = a[1] + H / 2
    const x2 = b[0]
    const y2 = b[1] + H / 2
    graph.appendChild(svg('path', { d: `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`, fill: 'none', stroke: '#6b7b8c', 'stroke-width': 1.5 }))
  }
  for (const n of view.nodes) {
    const [x, y] = pos.get(n.id)!
    const g = svg('g', { class: 'node' })
    g.appendChild(svg('rect', { x, y, width: W, height: H, rx: 5, fill: '#1f2a36', stroke: n.runId ? colorOf(n.runId) : '#6b7b8c' }))
    const label = n.version ? `${n.id} · ${n.version}` : n.id
    g.appendChild(svg('text', { x: x + 8, y: y + 14, fill: '#e6edf3', 'font-size': 12 }, label.length > 24 ? `${label.slice(0, 23)}…` : label))
    const first = Object.entries(n.metrics)[0]
    if (first) g.appendChild(svg('text', { x: x + 8, y: y + 28, fill: '#9aa7b4', 'font-size': 11 }, `${first[0]} ${formatNumber(first[1])}`.slice(0, 28)))
    g.appendChild(svg('title', {}, n.id))
    graph.appendChild(g)
  }
  const parentsOf = (id: string) => view.edges.filter((e) => e.child === id).map((e) => e.parent)
  const table = h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...['model', 'version', 'run', 'created', 'metrics', 'parents'].map((t) => h('th', {}, t)))),
    tbodyOf(
      view.nodes.map((n) =>
        h(
          'tr',
          { data: { model: n.id } },
          h('td', {}, n.id),
          h('td', {}, n.version ?? '—'),
          h('td', {}, n.runId ?? '—'),
          h('td', {}, formatTime(n.createdAtMs)),
          h('td', {}, Object.entries(n.metrics).map(([k, v]) => `${k}=${formatNumber(v)}`).join('  ')),
          h('td', {}, parentsOf(n.id).join(', ') || '—'),
        ),
      ),
    ),
  )
  const exportBox = h('pre', { class: 'export', attrs: { hidden: '' } })
  const show = (format: 'dot' | 'mermaid') => async () => {
    exportBox.hidden = false
    exportBox.textContent = await fetchLineageExport(format)
  }
  replace(
    root,
    h('h2', {}, 'Lineage'),
    view.truncated ? h('p', { class: 'hint' }, 'Showing the first models only.') : null,
    h('div', { class: 'graph' }, graph),
    table,
    h(
      'div',
      { class: 'row' },
      h('button', { attrs: { type: 'button' }, on: { click: () => void show('mermaid')() } }, 'Mermaid'),
      h('button', { attrs: { type: 'button' }, on: { click: () => void show('dot')() } }, 'DOT'),
    ),
    exportBox,
  )
}

/** A table body of any number of rows (never spread into a call). */
function tbodyOf(rows: readonly HTMLElement[]): HTMLElement {
  const body = h('tbody')
  appendAll(body, rows)
  return body
}
