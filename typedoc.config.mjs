// The API reference: one module per public entry point of every published package, taken from each
// package's `exports` (so a new subpath export is documented, and validated, without editing this file).
// `npm run docs` writes Markdown to docs/api/ (not committed); `npm run docs -- --out <dir>` elsewhere.
import { readdirSync, readFileSync } from 'node:fs'

// Exported members whose documentation is still owed, by full name. The list only shrinks: TypeDoc fails the
// build when a name in it is documented (remove it) and when an export outside it is not documented.
const undocumented = JSON.parse(readFileSync('typedoc.undocumented.json', 'utf8'))

const entryPoints = []
const packageNames = []
for (const dir of readdirSync('packages').sort()) {
  const pkg = JSON.parse(readFileSync(`packages/${dir}/package.json`, 'utf8'))
  if (pkg.private) continue
  packageNames.push(pkg.name)
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (subpath === './package.json') continue
    const js = typeof target === 'string' ? target : target.import
    // ./dist/conformance/index.js is built from ./src/conformance/index.ts (tsup, one entry per export).
    entryPoints.push(`packages/${dir}/${js.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')}`)
  }
}

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  entryPoints,
  entryPointStrategy: 'resolve',
  tsconfig: 'tsconfig.docs.json',
  plugin: ['typedoc-plugin-markdown', './scripts/typedoc-same-declaration.mjs'],
  out: 'docs/api',
  cleanOutputDir: true,
  name: 'Entrenar API reference',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  githubPages: false,
  disableSources: true,
  gitRevision: 'main',
  // The build fails on any of these: an export that is not documented, a type that is used by the public API
  // but not exported from an entry point, a {@link} that resolves to nothing.
  packagesRequiringDocumentation: packageNames,
  intentionallyNotDocumented: undocumented,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  // Markdown output (typedoc-plugin-markdown): a page per module listing its members, a page per member.
  outputFileStrategy: 'members',
  hidePageHeader: true,
  hideBreadcrumbs: true,
  useCodeBlocks: true,
  expandObjects: false,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  sanitizeComments: true,
}
