import { describe, expect, it } from 'vitest'
import { APP_CSS, APP_JS } from '../src/web/assets.generated.js'
import { buildBrowserBundle } from '../src/web/build.mjs'

// The handler serves the committed bundle (src/web/assets.generated.ts). It must be what the
// sources build to today: after changing src/web/client/ (or core, drift and monitor, which the
// page bundles), run `node packages/viz/src/web/build.mjs` and commit the generated file with them.
describe('committed browser bundle', () => {
  it('is what src/web/build.mjs builds from the current sources', async () => {
    const { js, css } = await buildBrowserBundle()
    expect(APP_CSS === css, 'assets.generated.ts is stale (style): run `node packages/viz/src/web/build.mjs`').toBe(true)
    expect(APP_JS === js, 'assets.generated.ts is stale (script): run `node packages/viz/src/web/build.mjs`').toBe(true)
  }, 60_000)
})
