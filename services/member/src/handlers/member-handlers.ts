// MemberService handlers: proto message -> domain call -> proto message. Methods not listed here
// answer UNIMPLEMENTED (see adapters/grpc-handlers.ts) until their issue implements them.
import type { MemberServiceServer } from '@dailyfeed/gen/member/v1/member';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';

export function createMemberHandlers(): Partial<HandlersOf<MemberServiceServer>> {
  return {};
}
