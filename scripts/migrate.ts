// `npm run migrate`: applies every service's pending migrations (each service owns its schema).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// content before timeline: timeline's migration grants its read-only role access to content's schema.
for (const service of ['member', 'content', 'timeline', 'image', 'search', 'activity']) {
  const result = spawnSync(process.execPath, [join(root, 'services', service, 'src/main.ts'), 'migrate'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
