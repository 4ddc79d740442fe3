// The replay job: takes due PENDING listener dead letters (locked, so replicas and the
// `replay-dead-letters` command can run at the same time), stores each one's activity with the
// same ON CONFLICT guard as the listener, and marks it COMPLETED — in one transaction, so a
// letter is COMPLETED exactly when its activity is stored. A failure costs an attempt and pushes
// next_attempt_at out exponentially; after the last attempt the letter is PARKED.
import { parseActivityEvent } from '../domain/activity-event.ts';
import { afterFailure, afterPoison, type ReplayPolicy } from '../domain/dead-letter-rules.ts';
import type { ActivityStore } from '../adapters/activity-store.ts';
import type { DeadLetterStore } from '../adapters/dead-letter-store.ts';
import { errorText, isConnectionError } from '../adapters/pg-errors.ts';

export interface ReplayDeps {
  readonly activities: ActivityStore;
  readonly deadLetters: DeadLetterStore;
  readonly policy: ReplayPolicy;
  readonly batchSize: number;
  readonly now?: () => Date;
}

export interface ReplayRound {
  readonly claimed: number;
  readonly completed: number;
  readonly retryLater: number;
  readonly parked: number;
}

export interface DeadLetterReplay {
  /** One round over at most batchSize due letters. */
  replayDue(): Promise<ReplayRound>;
  /** Rounds until no due letter is left (the `replay-dead-letters` command). */
  replayAllDue(): Promise<ReplayRound>;
}

export function createDeadLetterReplay(deps: ReplayDeps): DeadLetterReplay {
  const now = deps.now ?? (() => new Date());
  const replayDue = (): Promise<ReplayRound> =>
    deps.deadLetters.withDue(deps.batchSize, async (tx, letters) => {
      const round = { claimed: letters.length, completed: 0, retryLater: 0, parked: 0 };
      for (const letter of letters) {
        const attempts = letter.attempts + 1;
        const parsed = parseActivityEvent(letter.payload, letter.messageKey ?? undefined, letter.createdAt);
        if (parsed.kind === 'poison') {
          await deps.deadLetters.markFailed(tx, letter.id, afterPoison(attempts, now()), parsed.error);
          round.parked += 1;
          continue;
        }
        try {
          // A savepoint: a failing insert rolls back alone and the letter's failure is recorded.
          await tx.tx((inner) => deps.activities.insertMany(inner, [parsed.record]));
          await deps.deadLetters.markCompleted(tx, letter.id, attempts);
          round.completed += 1;
        } catch (err: unknown) {
          if (isConnectionError(err)) throw err;
          const next = afterFailure(attempts, deps.policy, now());
          await deps.deadLetters.markFailed(tx, letter.id, next, errorText(err));
          if (next.state === 'PARKED') round.parked += 1;
          else round.retryLater += 1;
        }
      }
      return round;
    });

  return {
    replayDue,
    async replayAllDue() {
      const total = { claimed: 0, completed: 0, retryLater: 0, parked: 0 };
      for (;;) {
        const round = await replayDue();
        total.claimed += round.claimed;
        total.completed += round.completed;
        total.retryLater += round.retryLater;
        total.parked += round.parked;
        if (round.claimed < deps.batchSize) return total;
      }
    },
  };
}
