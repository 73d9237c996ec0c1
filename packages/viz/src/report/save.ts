import { writeBytes } from '../svg/png.js'
import { type HtmlReportInput, renderHtmlReport } from './html.js'

/** Writes {@link renderHtmlReport} to `path` (one self-contained file). */
export async function saveHtmlReport(path: string, input: HtmlReportInput): Promise<void> {
  await writeBytes(path, renderHtmlReport(input))
}
