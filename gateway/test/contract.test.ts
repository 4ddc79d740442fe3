// Contract tests of every §1 endpoint and the end-to-end flow, over real HTTP through the edge,
// against one real stack of service processes (test/support/stack.ts) shared by all of them.
import { after, before, describe } from 'node:test';
import { activityContract } from './contract/activity.ts';
import { contentTimelineContract } from './contract/content-timeline.ts';
import { endToEndFlow } from './contract/e2e-flow.ts';
import { fuzzContract } from './contract/fuzz.ts';
import { idempotencyContract } from './contract/idempotency.ts';
import { imageContract } from './contract/image.ts';
import { memberContract } from './contract/member.ts';
import { searchContract } from './contract/search.ts';
import { createStack } from './support/stack.ts';

describe('the REST edge in front of the real services', () => {
  const control = createStack();
  before(() => control.start());
  after(() => control.stop());

  memberContract(control.stack);
  endToEndFlow(control.stack);
  contentTimelineContract(control.stack);
  activityContract(control.stack);
  imageContract(control.stack);
  searchContract(control.stack);
  idempotencyContract(control.stack);
  // Last: its generated writes must not disturb the contracts above.
  fuzzContract(control.stack);
});
