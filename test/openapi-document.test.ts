// The committed OpenAPI document (gateway/openapi.json) as an API client sees it: generated from
// proto/ (drift-checked in CI), with required request fields from (google.api.field_behavior),
// response fields the edge always writes, the bearer scheme on the operations that need a token,
// and one error response per status whose `reason` is the protos' catalogue.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';

const doc = JSON.parse(readFileSync(new URL('../gateway/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, { $ref?: string }>; parameters: { $ref?: string }[] }>>;
  components: { schemas: Record<string, { required?: string[]; properties: Record<string, { enum?: string[] }> }>; securitySchemes: Record<string, { scheme: string }> };
};

describe('the committed OpenAPI document', () => {
  it('when a TypeScript client is generated from it, then required request and response fields are not optional', async () => {
    const source = astToString(await openapiTS(doc as never));
    const block = (name: string): string => {
      const start = source.indexOf(`"${name}": {`);
      assert.ok(start >= 0, `${name} missing from the generated client`);
      return source.slice(start, source.indexOf('\n        };', start));
    };
    const signup = block('dailyfeed.member.v1.SignupRequest');
    for (const field of ['email', 'password', 'memberName', 'handle']) assert.match(signup, new RegExp(`\\b${field}: string;`), `${field} should be required`);
    assert.match(signup, /\bbio\?: string;/, 'optional fields stay optional');
    const post = block('dailyfeed.content.v1.Post');
    assert.match(post, /\bid: number;/);
    assert.match(post, /\bcontent: string;/);
    assert.match(block('dailyfeed.content.v1.CreatePostRequest'), /\bcontent: string;/);
  });

  it('when operations are read, then security follows the access option: public, optional or bearer', () => {
    assert.equal(doc.components.securitySchemes['bearerAuth']?.scheme, 'bearer');
    assert.deepEqual(doc.paths['/api/authentication/login']?.['post']?.security, []);
    assert.deepEqual(doc.paths['/api/posts']?.['post']?.security, [{ bearerAuth: [] }]);
    assert.deepEqual(doc.paths['/api/images/upload']?.['post']?.security, [{}, { bearerAuth: [] }]);
    assert.ok(doc.paths['/api/posts']?.['post']?.parameters.some((p) => p.$ref === '#/components/parameters/IdempotencyKey'));
  });

  it('when errors are read, then each status has a response and reasons are the catalogue', () => {
    const responses = doc.paths['/api/posts/{post_id}']?.['put']?.responses ?? {};
    for (const status of ['400', '401', '403', '404', '409', '429', '500', '503', '504']) assert.equal(responses[status]?.$ref, `#/components/responses/Error${status}`, status);
    const reasons = doc.components.schemas['ErrorBody']?.properties['reason']?.enum ?? [];
    for (const reason of ['VALIDATION_FAILED', 'POST_NOT_FOUND', 'TOO_MANY_REQUEST']) assert.ok(reasons.includes(reason), reason);
    assert.ok(!reasons.some((r) => r.startsWith('REASON_')));
  });
});
