// Test support: a real member-svc, run as its own process (test/support/spawn-service.ts), and
// fresh members on it (unique emails and handles, so reruns never collide).
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { CountryCode, Gender, MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { spawnService, type SpawnedService } from '../../../../test/support/spawn-service.ts';

export interface MemberSvc {
  readonly address: string;
  /** Signs up (with `extra` signup fields, e.g. an avatar and its claim) and logs in. */
  newMember(extra?: Record<string, string>): Promise<TestMember>;
  stop(): Promise<void>;
}

export interface TestMember {
  readonly id: string;
  readonly accessToken: string;
  /** `authorization: Bearer <token>` metadata. */
  auth(extra?: Record<string, string>): Metadata;
}

type Callback<Res> = (err: ServiceError | null, res: Res) => void;
const promised = <Res>(invoke: (cb: Callback<Res>) => unknown): Promise<Res> =>
  new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res))));

export async function startMemberSvc(env: Record<string, string> = {}): Promise<MemberSvc> {
  // A lower scrypt cost keeps signup fast; nothing here depends on it.
  const spawned: SpawnedService = await spawnService('member', { PASSWORD_SCRYPT_LOG_N: '14', IMAGE_ADDR: '127.0.0.1:1', ...env });
  const client = new MemberServiceClient(spawned.address, credentials.createInsecure());
  const deadline = () => ({ deadline: Date.now() + 20_000 });
  return {
    address: spawned.address,
    async newMember(extra = {}) {
      const s = randomBytes(5).toString('hex');
      const email = `img_${s}@example.test`;
      const password = 'Passw0rd!';
      const signup = await promised<{ member?: { id: string } }>((cb) =>
        client.signup(
          { email, password, memberName: `Image ${s}`, handle: `img_${s}`, displayName: `Image ${s}`, gender: Gender.GENDER_OTHER,
            countryCode: CountryCode.COUNTRY_CODE_KR, languageCode: 'ko', verificationStatus: 0, privacyLevel: 0, ...extra },
          new Metadata(),
          deadline(),
          cb,
        ),
      );
      const login = await promised<{ tokens?: { accessToken: string } }>((cb) =>
        client.login({ email, password, client: { deviceInfo: 'image-svc test', ipAddress: '127.0.0.1' } }, new Metadata(), deadline(), cb),
      );
      const accessToken = login.tokens?.accessToken ?? '';
      if (!signup.member?.id || !accessToken) throw new Error('member-svc did not sign up and log in a member');
      return {
        id: signup.member.id,
        accessToken,
        auth(extra = {}) {
          const md = new Metadata();
          md.set('authorization', `Bearer ${accessToken}`);
          for (const [key, value] of Object.entries(extra)) md.set(key, value);
          return md;
        },
      };
    },
    async stop() {
      client.close();
      await spawned.stop();
    },
  };
}
