// One tsup configuration for every package: ESM only, .d.ts beside the JS, Node 20 target.
// Declarations are built against the dist/ of sibling packages (tsconfig.build.json drops the
// source `paths`), so a package's .d.ts never inlines another package's types.
import { defineConfig } from 'tsup'

/** @param {{ entry: Record<string, string> | string[], platform?: 'node' | 'neutral' | 'browser', external?: string[] }} options */
export function entrenarTsup(options) {
  return defineConfig({
    entry: options.entry,
    format: ['esm'],
    platform: options.platform ?? 'node',
    target: 'node20',
    dts: { compilerOptions: { paths: {}, noEmit: false } },
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    external: options.external ?? [],
  })
}
