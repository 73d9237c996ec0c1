import { describe, expect, it } from 'vitest'
import { APP_SOURCES_HASH } from '../src/web/assets.generated.js'
import { buildBrowserBundle } from '../src/web/build.mjs'

// The handler serves the committed bundle (src/web/assets.generated.ts). It must follow this
// package's sources: after changing src/web/client/ (or the shared code it bundles), run
// `node packages/viz/src/web/build.mjs` and commit the generated file with the change. The parts
// bundled from core, drift and monitor are rebuilt by `npm run build` (build.mjs runs before tsup).
describe('committed browser bundle', () => {
  it('was built from the current sources of this package', async () => {
    const { js, sourcesHash, sources } = await buildBrowserBundle()
    expect(js.length).toBeGreaterThan(50_000)
    expect(sources).toEqual(expect.arrayContaining(['src/web/client/main.ts', 'src/web/client/chart.ts', 'src/web/series-frame.ts', 'src/series/smooth.ts']))
    expect(APP_SOURCES_HASH, 'src/web/assets.generated.ts is stale: run `node packages/viz/src/web/build.mjs` and commit it').toBe(sourcesHash)
  }, 60_000)
})
