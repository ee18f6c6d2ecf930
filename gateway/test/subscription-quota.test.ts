// What one account or address may hold open for live results, as the live query service counts it:
// its subscriptions and the distinct groups they make the gateway resolve. Every way a subscription
// ends (the client leaves, the stream completes, it is refused, subscribing throws) gives its places
// back exactly once, so that the caps never drift, up or down.
import { randomUUID } from 'node:crypto';
import { OrderStatusChanged, type Logger, type Role, type Viewer } from '@desk/shared';
import type { FormattedExecutionResult } from 'graphql';
import { composeSupergraph } from '../../scripts/compose';
import type { EventHub } from '../src/subscriptions/event-hub';
import { LiveQueryService, type LiveExecutor, type PreparedLive } from '../src/subscriptions/live-query.service';
import type { Mailbox } from '../src/subscriptions/mailbox';
import { SubscriptionQuota, type QuotaLimits } from '../src/subscriptions/subscription-quota';

const schema = composeSupergraph().apiSchema!;
const log = { error: () => undefined } as unknown as Logger;

const viewer = (userId: string | null, ip: string, options: { roles?: Role[]; guest?: boolean } = {}): Viewer =>
  ({ userId, roles: options.roles ?? ['CUSTOMER'], sessionId: `${userId}-1`, guest: options.guest ?? false, ip, correlationId: 'test' });

/** An event source whose listeners the test calls by hand. */
function handHub() {
  const listeners = new Map<string, (event: any) => void>();
  const hub = { listen: (type: string, listener: (event: any) => void) => { listeners.set(type, listener); return () => listeners.delete(type); } } as unknown as EventHub;
  return { hub, listeners };
}

const LIMITS: QuotaLimits = { subscriptionsPerUser: 2, subscriptionsPerAddress: 3, connectionsPerAddress: 1, connectionsPerUser: 1, groupsPerUser: 2 };

function setup(execute: LiveExecutor = async () => ({ data: { entity: { __typename: 'Order' } } }), limits: Partial<QuotaLimits> = {}) {
  const quota = new SubscriptionQuota({ ...LIMITS, ...limits });
  const { hub, listeners } = handHub();
  const live = new LiveQueryService(hub, execute, { queueCapacity: 10, validationRules: [], parseOptions: {}, hideSuggestions: false, quota }, log);
  const prepare = (query: string, variables: Record<string, unknown> = {}): PreparedLive => {
    const prepared = live.prepare(schema, { query, variables });
    if (prepared === null || 'length' in prepared) throw new Error(`not a valid subscription: ${JSON.stringify(prepared)}`);
    return prepared;
  };
  /** The code of a refusal, or 'open' for a stream. */
  const outcome = (result: Mailbox | readonly { extensions: Record<string, unknown> }[]) =>
    ('length' in result ? `${String(result[0].extensions.code)} ${String(result[0].extensions.limit ?? '')}`.trim() : 'open');
  return { quota, live, listeners, prepare, outcome };
}

const ALL = 'subscription { orderStatusChanged { id } }';
const ALL_WITH_STATUS = 'subscription { orderStatusChanged { id status } }';
const ALL_WITH_TOTAL = 'subscription { orderStatusChanged { id totalCents } }';
const ONE = 'subscription($o: ID) { orderStatusChanged(orderId: $o) { id status } }';

describe('subscription quota', () => {
  test('when an account reaches its cap from one address, then it is refused more, while another account there is not', async () => {
    const { live, prepare, outcome } = setup();
    const results = [];
    for (const who of ['u1', 'u1', 'u1', 'u2']) results.push(outcome(await live.subscribe(prepare(ALL), viewer(who, '203.0.113.7'))));
    expect(results).toEqual(['open', 'open', 'TOO_MANY_SUBSCRIPTIONS subscriptionsPerUser', 'open']);
  });

  test('when several accounts share an address, then the address has its own cap; guests count by address only', async () => {
    const { live, prepare, outcome } = setup();
    const results = [];
    for (const who of [viewer('u1', '2001:db8::1'), viewer('u2', '2001:db8::2'), viewer('g1', '2001:db8::3', { guest: true }), viewer('g2', '2001:db8:0:0:ffff::4', { guest: true })]) {
      results.push(outcome(await live.subscribe(prepare(ALL), who)));
    }
    // One IPv6 /64: four addresses, one client.
    expect(results).toEqual(['open', 'open', 'open', 'TOO_MANY_SUBSCRIPTIONS subscriptionsPerAddress']);
    expect(outcome(await live.subscribe(prepare(ALL), viewer('g2', '2001:db8:1::4', { guest: true })))).toBe('open');
  });

  test('when an account\'s subscriptions would make one group more than its cap, then that one is refused; joining one it holds is not', async () => {
    const { quota, live, prepare, outcome } = setup(undefined, { subscriptionsPerUser: 10 });
    const agent = viewer('agent', '198.51.100.1', { roles: ['AGENT'] });
    const results = [];
    for (const query of [ALL, ALL_WITH_STATUS, ALL_WITH_TOTAL, ALL]) results.push(outcome(await live.subscribe(prepare(query), agent)));
    expect(results).toEqual(['open', 'open', 'TOO_MANY_SUBSCRIPTIONS groupsPerUser', 'open']);
    expect(quota.usage.groups).toBe(2);
    // Another agent of the same roles shares those groups: the gateway resolves no more, yet they count for it too.
    const other = viewer('other', '198.51.100.2', { roles: ['AGENT'] });
    expect(outcome(await live.subscribe(prepare(ALL_WITH_TOTAL), other))).toBe('open');
    expect(live.groupCount).toBe(3);
  });

  test('when the variables name another entity, then it is another group', async () => {
    const { live, prepare, outcome } = setup(undefined, { subscriptionsPerUser: 10 });
    const results = [];
    for (const o of ['o1', 'o2', 'o3', 'o1']) results.push(outcome(await live.subscribe(prepare(ONE, { o }), viewer('u1', '192.0.2.1'))));
    expect(results).toEqual(['open', 'open', 'TOO_MANY_SUBSCRIPTIONS groupsPerUser', 'open']);
  });

  describe('every way a subscription ends gives its places back once', () => {
    const empty = { subscriptions: 0, accountSubscriptions: 0, connections: 0, accountConnections: 0, groups: 0 };

    test('when the client leaves, even twice, then the next may open', async () => {
      const { quota, live, prepare, outcome } = setup();
      const kept = await live.subscribe(prepare(ALL), viewer('u1', '192.0.2.1')) as Mailbox;
      const left = await live.subscribe(prepare(ALL_WITH_STATUS), viewer('u1', '192.0.2.1')) as Mailbox;
      await left.return();
      await left.return();
      left.finish();
      expect(quota.usage).toEqual({ ...empty, subscriptions: 1, accountSubscriptions: 1, groups: 1 });
      expect(outcome(await live.subscribe(prepare(ALL_WITH_TOTAL), viewer('u1', '192.0.2.1')))).toBe('open');
      await kept.return();
    });

    test('when the stream completes (the entity is no longer visible), then its places are given back', async () => {
      let visible = true;
      const { quota, live, listeners, prepare } = setup(async (query): Promise<FormattedExecutionResult> => {
        if (query.includes('LiveAccess') || visible) return { data: { entity: { __typename: 'Order' }, order: { id: 'o1', status: 'PAID' } } };
        return { errors: [{ message: 'No', extensions: { code: 'FORBIDDEN' } }] };
      });
      const customer = viewer(randomUUID(), '192.0.2.1');
      const orderId = randomUUID();
      const mailbox = await live.subscribe(prepare(ONE, { o: orderId }), customer) as Mailbox;
      visible = false;
      listeners.get(OrderStatusChanged.type)!({
        id: randomUUID(), type: OrderStatusChanged.type, correlationId: 'c',
        payload: { __typename: 'Order', id: orderId, customerId: customer.userId, from: 'PAID', to: 'CANCELLED', totalCents: 900, currency: 'BRL', refundDue: true, changedAt: new Date().toISOString() },
      });
      await expect(mailbox.next()).resolves.toMatchObject({ done: false, value: { errors: [{ extensions: { code: 'FORBIDDEN' } }] } });
      expect(mailbox.closed).toBe(true);
      expect(quota.usage).toEqual(empty);
      await mailbox.return();
      expect(quota.usage).toEqual(empty);
    });

    test('when the subscription is refused, then nothing stays counted', async () => {
      const { quota, live, prepare, outcome } = setup(async () => ({ errors: [{ message: 'No', extensions: { code: 'FORBIDDEN' } }] }));
      for (let i = 0; i < 3; i++) expect(outcome(await live.subscribe(prepare(ONE, { o: 'o1' }), viewer('u1', '192.0.2.1')))).toBe('FORBIDDEN');
      expect(quota.usage).toEqual(empty);
    });

    test('when subscribing throws, then nothing stays counted', async () => {
      const { quota, live, prepare } = setup(async () => { throw new Error('the subgraph is down'); });
      for (let i = 0; i < 3; i++) await expect(live.subscribe(prepare(ONE, { o: 'o1' }), viewer('u1', '192.0.2.1'))).rejects.toThrow('the subgraph is down');
      expect(quota.usage).toEqual(empty);
    });

    test('when the gateway stops, then every subscription gives its places back', async () => {
      const { quota, live, prepare } = setup();
      await live.subscribe(prepare(ALL), viewer('u1', '192.0.2.1'));
      await live.subscribe(prepare(ONE, { o: 'o1' }), viewer('u2', '192.0.2.2'));
      live.close();
      expect(quota.usage).toEqual(empty);
    });
  });

  test('when a connection slot is given back twice, then another holder keeps its count', () => {
    const quota = new SubscriptionQuota({ ...LIMITS, connectionsPerAddress: 2 });
    const first = quota.openConnection('192.0.2.1');
    const second = quota.openConnection('192.0.2.1');
    expect(quota.openConnection('192.0.2.1')).toMatchObject({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'connectionsPerAddress' } });
    if (!('release' in first) || !('release' in second)) throw new Error('expected two slots');
    first.release();
    first.release();
    expect(quota.usage.connections).toBe(1);
    expect('release' in quota.openConnection('192.0.2.1')).toBe(true);
    expect(quota.openConnection('192.0.2.1')).toMatchObject({ extensions: { limit: 'connectionsPerAddress' } });
  });
});
