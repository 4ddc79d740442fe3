// The edge's view of a backend call: bytes in, bytes or a failure out. Handlers depend on this
// interface only, so transport (grpc-js) stays in adapters/ and tests can record calls.
import type { RpcFailure } from './rpc-failure.ts';

export interface RpcCall {
  /** Backend key from the proto package: member, content, timeline, image, search, activity. */
  readonly backend: string;
  /** /dailyfeed.member.v1.MemberService/Login */
  readonly grpcPath: string;
  readonly request: Uint8Array;
  /** ASCII metadata to send (authorization, x-request-id, idempotency-key, ...). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly deadlineMs: number;
}

export type RpcOutcome =
  | { readonly ok: true; readonly response: Uint8Array; readonly headers: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly failure: RpcFailure; readonly headers: Readonly<Record<string, string>> };

export interface RpcInvoker {
  unary(call: RpcCall): Promise<RpcOutcome>;
  close(): void;
}
