/**
 * `npm run contract`: writes `worker/contract.schema.json` (JSON Schema draft 2020-12) from the zod schemas in
 * src/domain/worker-contract.ts, so the Python worker validates against the panel's own contract.
 * `npm run contract -- --check` exits 1 when the checked-in file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { contractJsonSchemaText } from '../src/domain/worker-contract.ts'

const target = fileURLToPath(new URL('../worker/contract.schema.json', import.meta.url))
const text = contractJsonSchemaText()
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '')
  if (current !== text) {
    console.error(`${target} is stale: run \`npm run contract\` and commit it.`)
    process.exit(1)
  }
  console.log(`${target} is current.`)
} else {
  await writeFile(target, text)
  console.log(`Wrote ${target}`)
}
