// When a post read counts as a view: when the reader is not its author. Ids are compared as
// integers (sameId), not as boxed objects as the original did.
import { sameId } from './ids.ts';

export type ViewOutcome = 'counted' | 'own-post';

export function viewOutcome(readerId: string, authorId: string): ViewOutcome {
  return sameId(readerId, authorId) ? 'own-post' : 'counted';
}
