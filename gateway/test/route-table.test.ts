// The route table against the real protos: every RPC with a google.api.http binding is served
// at its path and verb and reaches its own RPC; RPCs without a binding are never served; literal
// path segments win over variables.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Method, Service } from 'protobufjs';
import { isAnnotated, servicesOf } from '../src/domain/route-table.ts';
import { recordingInvoker, startGateway, type RecordingInvoker, type RunningGateway } from './support/harness.ts';

interface Binding {
  readonly method: Method;
  readonly service: Service;
  readonly verb: string;
  readonly template: string;
}

/** Read straight from the descriptors, independently of buildRouteTable. */
function annotatedBindings(services: Service[]): Binding[] {
  const out: Binding[] = [];
  for (const service of services) {
    for (const method of service.methodsArray) {
      for (const options of method.parsedOptions ?? []) {
        const rule = (options as Record<string, Record<string, string> | undefined>)['(google.api.http)'];
        if (rule === undefined) continue;
        const verb = ['get', 'post', 'put', 'delete', 'patch'].find((v) => rule[v] !== undefined) ?? '';
        out.push({ method, service, verb: verb.toUpperCase(), template: rule[verb] ?? '' });
      }
    }
  }
  return out;
}

/** A concrete URL for a template: numeric ids, a handle for member_ref, a word otherwise. */
function sampleUrl(template: string): string {
  return template.replace(/\{([^}=]+)[^}]*\}/g, (_m, name: string) => (name === 'member_ref' ? '@alice' : name.endsWith('_id') && name !== 'image_id' ? '42' : 'abc123'));
}

describe('route table from the google.api.http bindings', () => {
  let gateway: RunningGateway;
  let invoker: RecordingInvoker;
  before(async () => {
    invoker = recordingInvoker();
    gateway = await startGateway({ invoker });
  });
  after(() => gateway.close());

  it('when the protos are loaded, then there is exactly one route per binding', () => {
    const bindings = annotatedBindings(servicesOf(gateway.root));
    assert.ok(bindings.length >= 60, `expected every service's bindings, got ${bindings.length}`);
    assert.equal(gateway.routes.length, bindings.length);
  });

  it('when each annotated RPC is called over HTTP at its path and verb, then that RPC is the one invoked', async () => {
    const bindings = annotatedBindings(servicesOf(gateway.root));
    for (const binding of bindings) {
      const grpcPath = `/${binding.service.fullName.slice(1)}/${binding.method.name}`;
      const before = invoker.calls.length;
      const res = await fetch(`${gateway.base}${sampleUrl(binding.template)}`, { method: binding.verb, ...(binding.verb === 'GET' || binding.verb === 'DELETE' ? {} : { body: '{}' }) });
      await res.arrayBuffer();
      assert.ok(res.status === 200 || res.status === 201, `${binding.verb} ${binding.template} answered ${res.status}`);
      assert.equal(invoker.calls.length, before + 1, `${binding.verb} ${binding.template} made no backend call`);
      assert.equal(invoker.calls.at(-1)?.grpcPath, grpcPath, `${binding.verb} ${binding.template} reached the wrong RPC`);
    }
  });

  it('when an RPC has no binding, then no route serves it', () => {
    const unannotated = servicesOf(gateway.root).flatMap((s) => s.methodsArray.filter((m) => !isAnnotated(m)).map((m) => `/${s.fullName.slice(1)}/${m.name}`));
    assert.ok(unannotated.includes('/dailyfeed.member.v1.MemberService/Authenticate'));
    const routed = new Set(gateway.routes.map((r) => r.grpcPath));
    for (const path of unannotated) assert.ok(!routed.has(path), `${path} must not be routed`);
  });

  it('when a literal segment and a variable compete, then the literal wins and the variable still works', async () => {
    const cases: [string, string, string][] = [
      ['/api/timeline/posts/followings', 'TimelineService/ListFollowingPosts', ''],
      ['/api/timeline/posts/7', 'TimelineService/GetPost', '7'],
      ['/api/members/profile', 'MemberService/GetMyProfile', ''],
      ['/api/members/7', 'MemberService/GetMember', '7'],
      ['/api/members/profile/@alice', 'MemberService/GetMemberProfile', '@alice'],
      ['/api/members/profile/12', 'MemberService/GetMemberProfile', '12'],
      ['/api/members/follow/recommend/newbie', 'MemberService/RecommendNewbies', ''],
    ];
    for (const [url, rpc, variable] of cases) {
      const res = await fetch(`${gateway.base}${url}`);
      await res.arrayBuffer();
      assert.equal(res.status, 200, url);
      const call = invoker.calls.at(-1);
      assert.ok(call);
      assert.ok(call.grpcPath.endsWith(rpc), `${url} reached ${call.grpcPath}`);
      if (variable !== '') {
        const type = gateway.routes.find((r) => r.grpcPath === call.grpcPath)?.requestType;
        const decoded = type?.toObject(type.decode(call.request), { longs: String });
        assert.ok(Object.values(decoded ?? {}).includes(variable), `${url} lost its path variable: ${JSON.stringify(decoded)}`);
      }
    }
  });

  it('when routes are listed, then each backend is named after its proto package', () => {
    const backends = new Set(gateway.routes.map((r) => r.backend));
    assert.deepEqual([...backends].sort(), ['activity', 'content', 'image', 'member', 'search', 'timeline']);
    const signup = gateway.routes.find((r) => r.rpc === 'Signup');
    assert.equal(signup?.successStatus, 201);
    assert.equal(signup?.responseBody, 'member');
  });
});
