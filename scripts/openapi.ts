// `npm run openapi`: writes the REST edge's OpenAPI document, built from proto/ exactly as the
// edge builds the one it serves, to gateway/openapi.json (committed, so API clients can be
// generated without starting anything). `npm run openapi -- --check` fails when the committed
// file differs from what proto/ gives (CI's drift check, like gen/).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadProtoRoot } from '../gateway/src/adapters/proto-loader.ts';
import { buildOpenApi, OPENAPI_INFO } from '../gateway/src/domain/openapi.ts';
import { buildRouteTable } from '../gateway/src/domain/route-table.ts';

const target = fileURLToPath(new URL('../gateway/openapi.json', import.meta.url));
const root = await loadProtoRoot(fileURLToPath(new URL('../proto', import.meta.url)));
const doc = buildOpenApi(root, buildRouteTable(root), { ...OPENAPI_INFO, serverUrl: 'http://localhost:8080' });
const text = `${JSON.stringify(doc, null, 2)}\n`;
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing: reported below as drift
  }
  if (committed !== text) {
    process.stderr.write('gateway/openapi.json is not what proto/ gives: run `npm run openapi` and commit it\n');
    process.exit(1);
  }
  process.stdout.write('gateway/openapi.json is up to date\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
