// Component test: with Redis unreachable, member-svc stays live and ready (its readiness is what the
// RPCs need, src/app.ts: not Redis, the blacklist falls back to PostgreSQL), and signup and login
// work. The boot checks every service shares are in the root test/boot.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { credentials, Metadata, type CallOptions, type ServiceError } from '@grpc/grpc-js';
import { pino } from 'pino';
import { CountryCode, Gender, MemberServiceClient, SignupRequest } from '@dailyfeed/gen/member/v1/member';
import { HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { healthStatus, waitForHealth } from '../../../test/support/grpc.ts';
import { startService } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { connectPostgres, migrate } from '../src/adapters/postgres.ts';
import { SERVICE_NAME } from '../src/server.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test';
const log = pino({ level: 'silent' });

before(async () => {
  const pg = await connectPostgres(DATABASE_URL, 2);
  await migrate(pg).finally(() => pg.close());
});

describe('member-svc health with a dependency down', () => {
  it('when Redis does not answer, then member-svc stays live and ready, and signup and login work', async () => {
    const service = await startService(loadConfig({ GRPC_PORT: '0', METRICS_PORT: '0', DATABASE_URL, REDIS_URL: 'redis://127.0.0.1:1', PASSWORD_SCRYPT_LOG_N: '14', LOG_LEVEL: 'silent', HEALTH_INTERVAL_MS: '200' }), log);
    const client = new MemberServiceClient(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure());
    try {
      assert.equal(await healthStatus(service.grpcPort), Serving.SERVING);
      assert.equal(await waitForHealth(service.grpcPort, Serving.SERVING, 5000, SERVICE_NAME), Serving.SERVING);
      const email = `redis-down-${randomUUID().slice(0, 8)}@member-test.example`;
      const password = 'Passw0rd!x';
      const handle = `redisdown_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
      await call(client.signup.bind(client), SignupRequest.fromPartial({ email, password, memberName: 'Redis Down', handle, gender: Gender.GENDER_OTHER, countryCode: CountryCode.COUNTRY_CODE_KR }));
      const login = await call(client.login.bind(client), { email, password, client: { deviceInfo: 'member-test', ipAddress: '127.0.0.1' } });
      assert.ok(login.tokens?.accessToken);
    } finally {
      client.close();
      await service.stop();
    }
  });
});

function call<Req, Res>(fn: (req: Req, md: Metadata, options: Partial<CallOptions>, cb: (err: ServiceError | null, res: Res) => void) => unknown, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(request, new Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}
