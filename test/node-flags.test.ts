// The node flags of the images (scripts/node-flags.ts) are the one set every way of starting a
// process uses: npm start and bench/mixed read them from the Dockerfiles, and each package's own
// `start` script must spell the same flags (nothing reads those scripts, so only this keeps them
// from drifting).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dockerfileOf, imageNodeFlags } from '../scripts/node-flags.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['services/member', 'services/content', 'services/timeline', 'services/image', 'services/search', 'services/activity', 'gateway'];

describe('node flags of the images', () => {
  it('when the Dockerfiles are read, then both images run node with one V8 helper thread', () => {
    assert.deepEqual(imageNodeFlags(ROOT, 'services/Dockerfile'), ['--v8-pool-size=1']);
    assert.deepEqual(imageNodeFlags(ROOT, 'gateway/Dockerfile'), ['--v8-pool-size=1']);
  });

  it("when a package's start script is read, then it starts node with its image's flags before the tracing bootstrap", () => {
    for (const dir of PACKAGES) {
      const { scripts } = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { scripts: { start: string } };
      const flags = imageNodeFlags(ROOT, dockerfileOf(dir));
      assert.equal(scripts.start, ['node', ...flags, '--import ./src/tracing.ts src/main.ts'].join(' '), dir);
    }
  });

  it('when an ENTRYPOINT does not run node with --import, then reading its flags fails instead of guessing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'node-flags-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM node:24\nENTRYPOINT ["node", "src/main.ts"]\n');
    assert.throws(() => imageNodeFlags(dir, 'Dockerfile'), /expected ENTRYPOINT/);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM node:24\n');
    assert.throws(() => imageNodeFlags(dir, 'Dockerfile'), /expected ENTRYPOINT/);
  });
});
