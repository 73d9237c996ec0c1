// The one module of the SVG/PNG side that needs Node: the resvg native binding, the bundled font
// file and the file system.
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { EntrenarError, ErrorCodes, toEntrenarError } from '@entrenar/core'
import { type ChartSpec, renderSvg } from './chart.js'
import { checkOptions, optionKeys } from '@entrenar/core'

const require = createRequire(import.meta.url)

interface ResvgModule {
  Resvg: new (
    svg: string,
    options: { font: { fontFiles: string[]; loadSystemFonts: boolean; defaultFontFamily: string }; fitTo: { mode: 'zoom'; value: number } | { mode: 'original' } },
  ) => { render(): { asPng(): Uint8Array } }
}

let resvg: ResvgModule | undefined
let fontFiles: string[] | undefined

/**
 * DejaVu Sans from the `dejavu-fonts-ttf` package: the only font resvg may use (system fonts are
 * not loaded), so a PNG is byte-identical on every machine.
 */
export function bundledFontFiles(): string[] {
  fontFiles ??= [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')]
  return fontFiles
}

/** Options of {@link renderPng}. */
export interface PngOptions {
  /** Zoom factor (2 for a high-DPI image); default 1. */
  readonly scale?: number
}

/** Rasterises an SVG document with resvg and the bundled font. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 1
  if (!(scale > 0 && scale <= 8)) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, `entrenar/viz: PNG scale must be in (0, 8], got ${scale}`)
  try {
    resvg ??= require('@resvg/resvg-js') as ResvgModule
    const r = new resvg.Resvg(svg, {
      font: { fontFiles: bundledFontFiles(), loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
      fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    })
    return new Uint8Array(r.render().asPng())
  } catch (e) {
    throw toEntrenarError(e, ErrorCodes.INTERNAL, 'entrenar/viz: PNG rendering failed')
  }
}

/**
 * Renders a chart to PNG bytes: {@link renderSvg} rasterised by @resvg/resvg-js with the bundled
 * DejaVu Sans font, so the same spec gives the same image on every machine.
 */
export function renderPng(spec: ChartSpec, options: PngOptions = {}): Uint8Array {
  checkOptions('entrenar/viz: renderPng', options, RENDER_PNG_OPTIONS)
  return svgToPng(renderSvg(spec), options)
}

/** Writes {@link renderPng} to `path`. */
export async function savePng(path: string, spec: ChartSpec, options: PngOptions = {}): Promise<void> {
  checkOptions('entrenar/viz: savePng', options, SAVE_PNG_OPTIONS)
  await writeBytes(path, renderPng(spec, options))
}

/** Writes bytes to a file, errors as `ENTRENAR_SINK_FAILED` with the path. */
export async function writeBytes(path: string, bytes: Uint8Array | string): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new EntrenarError(ErrorCodes.INVALID_CONFIG, 'entrenar/viz: a file path is required')
  try {
    await writeFile(path, bytes)
  } catch (e) {
    throw toEntrenarError(e, ErrorCodes.SINK_FAILED, `entrenar/viz: cannot write ${path}`)
  }
}

/** The option names renderPng accepts (unknown ones are errors). */
const RENDER_PNG_OPTIONS = optionKeys<NonNullable<Parameters<typeof renderPng>[1]>>({ scale: true })

/** The option names savePng accepts (unknown ones are errors). */
const SAVE_PNG_OPTIONS = optionKeys<NonNullable<Parameters<typeof savePng>[2]>>({ scale: true })
