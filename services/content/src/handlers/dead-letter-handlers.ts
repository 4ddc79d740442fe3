// Operator RPCs over the publisher-side dead letters, i.e. the outbox rows. No caller check here:
// these RPCs have no REST binding, and the mesh only lets in-cluster operator tools reach them.
import { DeadLetterState, type DeadLetter } from '@dailyfeed/gen/common/v1/common';
import type { ContentServiceServer } from '@dailyfeed/gen/content/v1/content';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { countByState, listPage, missingIds, replayParked, type OutboxRow, type OutboxState } from '../adapters/outbox-repo.ts';
import { transaction } from '../adapters/sql.ts';
import { deadLetterNotFound, pageOrThrow, validateReplayIds } from '../domain/dead-letter-rules.ts';
import type { HandlerDeps } from './deps.ts';

type DeadLetterHandlers = Pick<HandlersOf<ContentServiceServer>, 'listPublisherDeadLetters' | 'countPublisherDeadLetters' | 'replayPublisherDeadLetters'>;

const STATE_OF: Record<OutboxState, DeadLetterState> = {
  PENDING: DeadLetterState.DEAD_LETTER_STATE_PENDING,
  COMPLETED: DeadLetterState.DEAD_LETTER_STATE_COMPLETED,
  PARKED: DeadLetterState.DEAD_LETTER_STATE_PARKED,
};

function rowState(state: DeadLetterState): OutboxState | undefined {
  return (Object.keys(STATE_OF) as OutboxState[]).find((s) => STATE_OF[s] === state);
}

function toDeadLetter(row: OutboxRow): DeadLetter {
  return {
    id: row.id,
    state: STATE_OF[row.state],
    messageKey: row.key,
    topic: row.topic,
    partition: 0,
    offset: '0',
    attempts: row.attempts,
    lastError: row.lastError ?? '',
    nextAttemptAt: row.nextAttemptAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    payload: row.payload,
  };
}

export function createDeadLetterHandlers(deps: HandlerDeps): DeadLetterHandlers {
  return {
    async listPublisherDeadLetters(request) {
      const { page, size } = pageOrThrow(request.page, request.size);
      const { rows, hasNext } = await listPage(deps.db, rowState(request.state), page, size);
      return { content: rows.map(toDeadLetter), page, size, hasNext };
    },

    async countPublisherDeadLetters() {
      const counts = await countByState(deps.db);
      return { counts: { pending: String(counts.PENDING), completed: String(counts.COMPLETED), parked: String(counts.PARKED) } };
    },

    async replayPublisherDeadLetters(request) {
      validateReplayIds(request.ids);
      const replayed = await transaction(deps.db, async (trx) => {
        if (request.ids.length === 0) return replayParked(trx, undefined);
        const missing = await missingIds(trx, request.ids);
        if (missing.length > 0) throw deadLetterNotFound(missing);
        return replayParked(trx, request.ids);
      });
      return { replayed: String(replayed) };
    },
  };
}
