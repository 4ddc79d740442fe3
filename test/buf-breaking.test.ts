// The breaking-change gate bites: in a scratch copy of the contracts, changing a field's type
// makes `buf breaking` (FILE rules, the CI gate) fail, while an untouched copy passes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const buf = join(root, 'node_modules/.bin/buf');

function scratchCopy(into: string): string {
  cpSync(join(root, 'proto'), join(into, 'proto'), { recursive: true });
  cpSync(join(root, 'buf.yaml'), join(into, 'buf.yaml'));
  return into;
}

function breaking(current: string, against: string) {
  return spawnSync(buf, ['breaking', current, '--against', against], { encoding: 'utf8' });
}

describe('buf breaking gate', () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'dailyfeed-breaking-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('when the contracts are unchanged, then the gate passes', () => {
    const base = scratchCopy(join(scratch, 'same-base'));
    const head = scratchCopy(join(scratch, 'same-head'));
    const result = breaking(head, base);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('when a field changes type, then the gate fails naming the field', () => {
    const base = scratchCopy(join(scratch, 'base'));
    const head = scratchCopy(join(scratch, 'head'));
    const file = join(head, 'proto/dailyfeed/member/v1/member.proto');
    const original = readFileSync(file, 'utf8');
    const edited = original.replace(/message SignupRequest \{([\s\S]*?)string email = 1( \[[^\]]*\])?;/, 'message SignupRequest {$1int64 email = 1;');
    assert.notEqual(edited, original, 'the scratch edit must apply');
    writeFileSync(file, edited);
    const result = breaking(head, base);
    assert.notEqual(result.status, 0, 'buf breaking must reject a changed field type');
    assert.match(result.stdout + result.stderr, /"email".*type/i);
  });
});
