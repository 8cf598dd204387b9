// The console's API types, generated from the server's OpenAPI document
// (src/generated/openapi.json, which `cargo test -p yiwang-tests --test console openapi` keeps equal
// to the server's) by openapi-typescript: `npm run gen:api` writes src/generated/api.ts,
// `npm run check:api` fails when the checked-in file is not what the document produces.
import { readFile, writeFile } from 'node:fs/promises'
import openapiTS, { astToString } from 'openapi-typescript'

const here = new URL('../src/generated/', import.meta.url)
const doc = JSON.parse(await readFile(new URL('openapi.json', here), 'utf8'))
const header =
  '// Generated from src/generated/openapi.json (the server\'s OpenAPI document) by `npm run gen:api`\n' +
  '// (openapi-typescript). Do not edit.\n'
const text = header + astToString(await openapiTS(doc, { alphabetize: true }))
const target = new URL('api.ts', here)
if (process.argv.includes('--check')) {
  const found = await readFile(target, 'utf8').catch(() => '')
  if (found !== text) {
    console.error('src/generated/api.ts is stale: run `npm run gen:api` (after blessing openapi.json)')
    process.exit(1)
  }
  console.log('src/generated/api.ts matches the OpenAPI document')
} else {
  await writeFile(target, text)
  console.log(`wrote src/generated/api.ts (${text.length} bytes)`)
}
