// `npm run env:docs`: writes docs/configuration.md, the table of every environment variable of
// every service and the edge, from each one's config schema (the same zod schema that validates
// the variables at boot: key, description, default). `-- --check` fails when the committed file
// differs (CI's drift check), so the table cannot fall behind the code.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as gateway from '../gateway/src/config.ts';
import * as activity from '../services/activity/src/config.ts';
import * as content from '../services/content/src/config.ts';
import * as image from '../services/image/src/config.ts';
import * as member from '../services/member/src/config.ts';
import * as search from '../services/search/src/config.ts';
import * as timeline from '../services/timeline/src/config.ts';

interface ConfigModule {
  loadConfig(env: Readonly<Record<string, string | undefined>>): object;
  /** The zod object schema: each key's `.describe()` text is its meaning. */
  configSchema: { shape: Record<string, { description?: string | undefined }> };
}

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}docs/configuration.md`;
const COMPONENTS: [string, string, ConfigModule][] = [
  ['member-svc', 'services/member', member],
  ['content-svc', 'services/content', content],
  ['timeline-svc', 'services/timeline', timeline],
  ['image-svc', 'services/image', image],
  ['search-svc', 'services/search', search],
  ['activity-svc', 'services/activity', activity],
  ['gateway', 'gateway', gateway],
];

/** A default as it would be written in the environment; paths inside the checkout made relative. */
function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = Array.isArray(value) ? value.join(',') : typeof value === 'object' && value !== null ? JSON.stringify(value) : `${value as string | number | boolean}`;
  return text.split(root).join('./').replace(/\|/g, '\\|');
}

const cell = (text: string): string => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

const lines = [
  '# Configuration',
  '',
  'Every setting is an environment variable, validated at boot (a bad value stops the process, naming',
  "each variable and its rule). This file is generated from each component's `src/config.ts` by",
  '`npm run env:docs` and checked for drift in CI: edit the schema, not this file.',
  '',
];
for (const [name, dir, config] of COMPONENTS) {
  const defaults = config.loadConfig({}) as Record<string, unknown>;
  lines.push(`## ${name} (\`${dir}/src/config.ts\`)`, '', '| variable | default | meaning |', '|---|---|---|');
  for (const [key, field] of Object.entries(config.configSchema.shape)) lines.push(`| \`${key}\` | \`${shown(defaults[key])}\` | ${cell(field.description ?? '')} |`);
  lines.push('');
}
const text = lines.join('\n');
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing: reported below
  }
  if (committed !== text) {
    process.stderr.write('docs/configuration.md is not what the config schemas give: run `npm run env:docs` and commit it\n');
    process.exit(1);
  }
  process.stdout.write('docs/configuration.md is up to date\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
