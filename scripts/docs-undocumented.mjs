// Drops from typedoc.undocumented.json the names TypeDoc reports as documented now (run after documenting):
//   npx typedoc --out /tmp/api 2>&1 | node scripts/docs-undocumented.mjs
import { readFileSync, writeFileSync } from 'node:fs'

const log = readFileSync(0, 'utf8').replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
const at = log.indexOf('marked as intentionally not documented')
const done = new Set(at < 0 ? [] : log.slice(at).split('\n').slice(1).filter((l) => l.startsWith('\t')).map((l) => l.trim()))
const list = JSON.parse(readFileSync('typedoc.undocumented.json', 'utf8'))
const kept = list.filter((n) => !done.has(n))
writeFileSync('typedoc.undocumented.json', `${JSON.stringify(kept, null, 2)}\n`)
console.log(`${list.length - kept.length} documented, ${kept.length} still owed`)
