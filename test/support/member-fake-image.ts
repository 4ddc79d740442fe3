// Test support: a stand-in image-svc for member-svc tests. DeleteImages records what it received
// (URLs and forwarded authorization) and then answers as told: OK, UNIMPLEMENTED (what the real
// image-svc skeleton answers today) or never (to exercise the client deadline).
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ImageServiceService, type DeleteImagesRequest, type DeleteImagesResponse } from '@dailyfeed/gen/image/v1/image';

export type FakeBehaviour = 'ok' | 'unimplemented' | 'hang';

export interface FakeImageService {
  readonly address: string;
  readonly received: { urls: string[]; authorization: string | undefined }[];
  behaviour: FakeBehaviour;
  /** Resolves once `count` DeleteImages calls have arrived (or rejects after timeoutMs). */
  waitForCalls(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeImageService(behaviour: FakeBehaviour): Promise<FakeImageService> {
  const server = new Server();
  const fake: FakeImageService = {
    address: '',
    received: [],
    behaviour,
    async waitForCalls(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (fake.received.length < count) {
        if (Date.now() > deadline) throw new Error(`image-svc got ${fake.received.length} calls, expected ${count}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  const implementation: UntypedServiceImplementation = {};
  for (const name of Object.keys(ImageServiceService)) {
    implementation[name] = (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => cb({ code: status.UNIMPLEMENTED, details: 'fake' });
  }
  implementation.deleteImages = (call: ServerUnaryCall<DeleteImagesRequest, DeleteImagesResponse>, cb: sendUnaryData<DeleteImagesResponse>) => {
    const auth = call.metadata.get('authorization')[0];
    fake.received.push({ urls: call.request.imageUrls, authorization: typeof auth === 'string' ? auth : undefined });
    if (fake.behaviour === 'ok') cb(null, { value: true, deletedCount: call.request.imageUrls.length, skippedCount: 0 });
    else if (fake.behaviour === 'unimplemented') cb({ code: status.UNIMPLEMENTED, details: 'not implemented yet' });
  };
  server.addService(ImageServiceService, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return Object.assign(fake, { address: `127.0.0.1:${port}` });
}
