// Which subscribers share one resolution per event: staff of the same roles do, unless the selection
// reaches, anywhere (fragments, inline fragments, any depth), a field whose answer depends on who asks;
// then each user, or each session, is resolved alone. Checked against the API schema clients see.
import type { Logger, Role, Viewer } from '@desk/shared';
import { isObjectType } from 'graphql';
import { composeSupergraph } from '../../scripts/compose';
import type { EventHub } from '../src/subscriptions/event-hub';
import { VIEWER_DEPENDENT_FIELDS } from '../src/subscriptions/live-fields';
import { LiveQueryService } from '../src/subscriptions/live-query.service';

const schema = composeSupergraph().apiSchema!;
const hub = { listen: () => () => undefined } as unknown as EventHub;
const log = { error: () => undefined } as unknown as Logger;

const viewer = (userId: string, roles: Role[], sessionId = `${userId}-1`): Viewer =>
  ({ userId, roles, sessionId, guest: false, ip: null, correlationId: 'test' });
const agentA = viewer('a', ['AGENT']);
const agentB = viewer('b', ['AGENT']);
const agentAElsewhere = viewer('a', ['AGENT'], 'a-2');

/** How many groups the gateway resolves for these subscribers of `query` (no entity id: no access check). */
async function groupsFor(query: string, viewers: Viewer[]): Promise<number> {
  const live = new LiveQueryService(hub, async () => ({ data: null }), { queueCapacity: 10, validationRules: [], parseOptions: {}, hideSuggestions: false }, log);
  const prepared = live.prepare(schema, { query });
  if (prepared === null || 'length' in prepared) throw new Error(`not a valid subscription: ${JSON.stringify(prepared)}`);
  for (const who of viewers) await live.subscribe(prepared, who);
  const groups = live.groupCount;
  live.close();
  return groups;
}

describe('live subscription sharing', () => {
  test('every field declared to depend on who asks exists in the API schema', () => {
    for (const coordinate of Object.keys(VIEWER_DEPENDENT_FIELDS)) {
      const [typeName, fieldName] = coordinate.split('.');
      const type = schema.getType(typeName);
      expect(isObjectType(type) && type.getFields()[fieldName] !== undefined ? coordinate : `${coordinate} is missing`).toBe(coordinate);
    }
  });

  test.each([
    ['fields every agent sees alike', 1, 'subscription { ticketStatusChanged { id assignee { name email tickets { totalCount } orders { totalCount } } order { tickets { id } payments { id } } } }'],
    ['a user\'s sessions', 2, 'subscription { ticketStatusChanged { id assignee { sessions { id } } } }'],
    ['sessions deep inside another live field', 2, 'subscription { orderStatusChanged { tickets { comments { author { sessions { id } } } } } }'],
    ['sessions in a fragment spread inside a fragment', 2, 'subscription { ticketStatusChanged { ...T } } fragment T on Ticket { order { customer { ...U } } } fragment U on User { sessions { id } }'],
    ['sessions in an inline fragment', 2, 'subscription { ticketStatusChanged { requester { ... on User { sessions { id } } } } }'],
    ['sessions under @skip', 2, 'subscription($s: Boolean = true) { ticketStatusChanged { requester { sessions @skip(if: $s) { id } } } }'],
  ])('when two agents subscribe to %s, then %i group(s) resolve each event', async (_case, groups, query) => {
    expect(await groupsFor(query, [agentA, agentB])).toBe(groups);
  });

  test('when one user subscribes from two sessions, then they share unless the current session is selected', async () => {
    expect(await groupsFor('subscription { ticketStatusChanged { assignee { sessions { id } } } }', [agentA, agentAElsewhere])).toBe(1);
    expect(await groupsFor('subscription { ticketStatusChanged { ...S } } fragment S on Ticket { assignee { sessions { current } } }', [agentA, agentAElsewhere])).toBe(2);
  });

  test('when customers subscribe, then each is resolved alone; staff of other roles too', async () => {
    expect(await groupsFor('subscription { orderStatusChanged { id } }', [viewer('c', ['CUSTOMER']), viewer('d', ['CUSTOMER'])])).toBe(2);
    expect(await groupsFor('subscription { orderStatusChanged { id } }', [agentA, viewer('e', ['ADMIN'])])).toBe(2);
  });
});
