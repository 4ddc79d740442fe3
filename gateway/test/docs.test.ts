// The OpenAPI document and the docs page: generated from the same protos as the routes, and
// browsable without internet (Swagger UI assets served locally).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingInvoker, startGateway, type RunningGateway } from './support/harness.ts';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; parameters: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, { type?: string; enum?: string[] }> }> };
}

describe('docs', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({ invoker: recordingInvoker() });
  });
  after(() => gateway.close());

  it('when /docs/openapi.json is fetched, then every route is an operation with its success status', async () => {
    const res = await fetch(`${gateway.base}/docs/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as OpenApi;
    assert.match(doc.openapi, /^3\./);
    for (const route of gateway.routes) {
      const operation = doc.paths[route.template]?.[route.verb.toLowerCase()];
      assert.ok(operation, `${route.verb} ${route.template} missing`);
      assert.ok(operation.responses[String(route.successStatus)], `${route.template} lacks ${route.successStatus}`);
    }
    const search = doc.paths['/api/search/posts']?.['get'];
    assert.deepEqual(search?.parameters.filter((p) => p.in !== undefined).map((p) => `${p.in}:${p.name}`), ['query:keyword', 'query:page', 'query:size']);
    assert.ok(doc.paths['/api/images/upload/profile']?.['post']?.requestBody?.content['multipart/form-data']);
  });

  it('when schemas are read, then they describe the edge JSON: camelCase, integer ids, enums without prefix, no tokens', async () => {
    const doc = (await (await fetch(`${gateway.base}/docs/openapi.json`)).json()) as OpenApi;
    const profile = doc.components.schemas['dailyfeed.member.v1.MemberProfile']?.properties ?? {};
    assert.equal(profile['memberId']?.type, 'integer');
    assert.deepEqual(profile['gender']?.enum, ['MALE', 'FEMALE', 'OTHER', 'PREFER_NOT_TO_SAY']);
    assert.equal(doc.components.schemas['dailyfeed.member.v1.IssuedTokens'], undefined, 'IssuedTokens never appears in a body schema');
    for (const [name, schema] of Object.entries(doc.components.schemas)) assert.ok(!('tokens' in (schema.properties ?? {})), `${name} exposes tokens`);
  });

  it('when /docs is opened, then the page loads Swagger UI from the edge itself', async () => {
    const page = await fetch(`${gateway.base}/docs`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\//, 'no external asset');
    for (const asset of ['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui-standalone-preset.js', '/docs/init.js']) {
      assert.ok(html.includes(asset), asset);
      const res = await fetch(`${gateway.base}${asset}`);
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers.get('etag'), null, 'no conditional requests, so never a 304');
      assert.ok((await res.text()).length > 100, asset);
    }
    assert.equal((await fetch(`${gateway.base}/docs/`)).status, 200);
  });
});
