// The log worker as the platform uses it: request logs and domain events arrive over NATS, are stored
// in batches, and are served to admins only, tied together by correlation id; secrets are redacted,
// redeliveries are stored once, and old rows are swept away.
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { OrderPlaced, PasswordResetRequested, createEnvelope, subjects, type PayloadOf } from '@desk/shared';
import { eventually } from '@desk/shared/testing';
import { AUDIT_DURABLE } from '../src/ingest.consumers';
import { admin, agent, code, customer, drained, publishRequestLogs, requestLog, startHarness, type Harness } from './harness';

let h: Harness;
// A short sweep interval so that the retention test does not wait an hour.
beforeAll(async () => { h = await startHarness({ LOG_RETENTION_DAYS: '30', LOG_RETENTION_SWEEP_MS: '200' }); });
afterAll(() => h?.stop());

const count = async (sql: string, params: unknown[] = []) => Number((await h.sql<{ n: string }>(sql, params))[0].n);

function orderPlaced(customerId: string): PayloadOf<typeof OrderPlaced> {
  return {
    orderId: randomUUID(), customerId, totalCents: 1_000, currency: 'BRL',
    items: [{ productId: randomUUID(), name: 'Tea', quantity: 1, unitPriceCents: 1_000 }], placedAt: new Date().toISOString(),
  };
}

const REQUESTS = `query($f: RequestLogFilter, $first: Int, $after: String) {
  requestLogs(filter: $f, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { id operationName operationType durationMs outcome errorCodes userId clientName clientVersion correlationId clientCorrelationId at } }
  }
}`;
const EVENTS = `query($f: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $f, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id type occurredAt actorId correlationId causationId payload } }
  }
}`;

describe('when the gateway logs a request and the request causes events', () => {
  test('then an admin finds the request and its events by the correlation id', async () => {
    const buyer = randomUUID();
    const correlationId = randomUUID();
    const log = requestLog({ operationName: 'PlaceOrder', operationType: 'mutation', userId: buyer, correlationId, clientCorrelationId: 'shop-request-77', durationMs: 42.25 });
    await publishRequestLogs(h.nats, [log, requestLog()]);
    const placed = await h.publish(OrderPlaced, orderPlaced(buyer), { correlationId, actorId: buyer });
    const caused = await h.publish(PasswordResetRequested, {
      userId: buyer, email: 'buyer@example.com', resetToken: 'r'.repeat(40), expiresAt: new Date().toISOString(),
    }, { correlationId, causationId: placed.id });
    await h.publish(OrderPlaced, orderPlaced(randomUUID()));

    const requests = await eventually(async () => {
      const r = await h.gql(REQUESTS, { f: { correlationId } }, admin());
      return r.data?.requestLogs.totalCount === 1 ? r.data.requestLogs : undefined;
    }, 10_000, 'the request log');
    expect(requests.edges[0].node).toEqual({
      id: log.id, operationName: 'PlaceOrder', operationType: 'MUTATION', durationMs: 42.25, outcome: 'SUCCESS', errorCodes: [],
      userId: buyer, clientName: 'web-app', clientVersion: '1.0.0', correlationId, clientCorrelationId: 'shop-request-77', at: new Date(log.at).toISOString(),
    });

    const events = await eventually(async () => {
      const r = await h.gql(EVENTS, { f: { correlationId } }, admin());
      return r.data?.auditEvents.totalCount === 2 ? r.data.auditEvents : undefined;
    }, 10_000, 'the two events of the request');
    const byId = new Map(events.edges.map((e: { node: { id: string } }) => [e.node.id, e.node]));
    expect(byId.get(placed.id)).toEqual({
      id: placed.id, type: 'order.placed', occurredAt: placed.occurredAt, actorId: buyer, correlationId, causationId: null, payload: placed.payload,
    });
    expect(byId.get(caused.id)).toMatchObject({ type: 'auth.password-reset-requested', causationId: placed.id, payload: { resetToken: '[redacted]', email: 'buyer@example.com' } });
  });

  test('then many messages are stored with a few multi-row inserts, not one insert each', async () => {
    const correlationId = randomUUID();
    h.queries.length = 0;
    await publishRequestLogs(h.nats, Array.from({ length: 200 }, () => requestLog({ correlationId })));
    await eventually(async () => (await count('SELECT count(*) AS n FROM logs.request_logs WHERE correlation_id = $1', [correlationId])) === 200, 10_000, '200 logs');
    const inserts = h.queries.filter((q) => q.includes('INSERT INTO request_logs'));
    expect(inserts.length).toBeGreaterThan(0);
    expect(inserts.length).toBeLessThanOrEqual(10);
  });
});

describe('when an admin lists request logs', () => {
  test('then they come newest first, filtered, in pages with cursors that cannot be forged', async () => {
    const userId = randomUUID();
    const base = Date.now() - 60_000;
    const logs = Array.from({ length: 5 }, (_, i) => requestLog({ userId, at: new Date(base + i * 1_000).toISOString(), operationName: `Op${i}` }));
    const failed = requestLog({ userId, at: new Date(base + 10_000).toISOString(), outcome: 'error', errorCodes: ['FORBIDDEN'] });
    await publishRequestLogs(h.nats, [...logs, failed]);
    await eventually(async () => (await count('SELECT count(*) AS n FROM logs.request_logs WHERE user_id = $1', [userId])) === 6, 10_000, 'the logs');

    const first = await h.gql(REQUESTS, { f: { userId, outcome: 'SUCCESS' }, first: 2 }, admin());
    expect(first.data?.requestLogs.totalCount).toBe(5);
    expect(first.data?.requestLogs.edges.map((e: { node: { operationName: string } }) => e.node.operationName)).toEqual(['Op4', 'Op3']);
    expect(first.data?.requestLogs.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await h.gql(REQUESTS, { f: { userId, outcome: 'SUCCESS' }, first: 2, after: first.data!.requestLogs.pageInfo.endCursor }, admin());
    expect(second.data?.requestLogs.edges.map((e: { node: { operationName: string } }) => e.node.operationName)).toEqual(['Op2', 'Op1']);
    const third = await h.gql(REQUESTS, { f: { userId, outcome: 'SUCCESS' }, first: 2, after: second.data!.requestLogs.pageInfo.endCursor }, admin());
    expect(third.data?.requestLogs).toMatchObject({ totalCount: 5, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
    expect(third.data?.requestLogs.edges.map((e: { node: { operationName: string } }) => e.node.operationName)).toEqual(['Op0']);

    const errors = await h.gql(REQUESTS, { f: { userId, outcome: 'ERROR' } }, admin());
    expect(errors.data?.requestLogs.edges.map((e: { node: { id: string; errorCodes: string[] } }) => e.node)).toEqual([expect.objectContaining({ id: failed.id, errorCodes: ['FORBIDDEN'] })]);
    const window = await h.gql(REQUESTS, { f: { userId, from: new Date(base + 1_000).toISOString(), to: new Date(base + 3_000).toISOString() } }, admin());
    expect(window.data?.requestLogs.edges.map((e: { node: { operationName: string } }) => e.node.operationName)).toEqual(['Op2', 'Op1']);
    const named = await h.gql(REQUESTS, { f: { userId, operationName: 'Op3' } }, admin());
    expect(named.data?.requestLogs.totalCount).toBe(1);

    const forged = Buffer.from(JSON.stringify(['x', "1'; DROP TABLE logs.request_logs; --"])).toString('base64url');
    expect(code(await h.gql(REQUESTS, { f: { userId }, after: forged }, admin()))).toBe('BAD_USER_INPUT');
    expect(code(await h.gql(REQUESTS, { first: 1000 }, admin()))).toBe('BAD_USER_INPUT');
  });
});

describe('when an admin lists audit events', () => {
  test('then a type ending with a dot is a prefix, and actor and time filters apply', async () => {
    const actorId = randomUUID();
    const placed = await h.publish(OrderPlaced, orderPlaced(actorId), { actorId });
    const reset = await h.publish(PasswordResetRequested, {
      userId: actorId, email: 'a@example.com', resetToken: 's'.repeat(40), expiresAt: new Date().toISOString(),
    }, { actorId });
    await eventually(async () => (await count('SELECT count(*) AS n FROM logs.audit_events WHERE actor_id = $1', [actorId])) === 2, 10_000, 'the events');

    const ids = async (f: Record<string, unknown>) =>
      (await h.gql(EVENTS, { f }, admin())).data?.auditEvents.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(await ids({ actorId, type: 'order.' })).toEqual([placed.id]);
    expect(await ids({ actorId, type: 'order.placed' })).toEqual([placed.id]);
    expect(await ids({ actorId, type: 'order' })).toEqual([]);
    expect(await ids({ actorId, type: 'auth.' })).toEqual([reset.id]);
    // LIKE's wildcards in the filter match only themselves.
    expect(await ids({ actorId, type: '%.' })).toEqual([]);
    expect(await ids({ actorId, to: placed.occurredAt })).toEqual([]);
    expect(await ids({ actorId, from: placed.occurredAt })).toEqual(expect.arrayContaining([placed.id]));
  });
});

describe('when someone other than an admin asks for the logs', () => {
  test('then agents and customers get FORBIDDEN and anonymous callers UNAUTHENTICATED', async () => {
    for (const viewer of [agent(), customer()]) {
      const r = await h.gql('{ requestLogs { totalCount } }', {}, viewer);
      expect(code(r)).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
      expect(code(await h.gql('{ auditEvents { totalCount } }', {}, viewer))).toBe('FORBIDDEN');
    }
    expect(code(await h.gql('{ requestLogs { totalCount } }'))).toBe('UNAUTHENTICATED');
    expect(code(await h.gql('{ auditEvents { totalCount } }'))).toBe('UNAUTHENTICATED');
  });

  test('then a call without the gateway identity token is refused with 401', async () => {
    const r = await h.gql('{ requestLogs { totalCount } }', {}, null);
    expect(r.status).toBe(401);
    expect(r.data ?? null).toBeNull();
  });
});

describe('when a password reset is requested', () => {
  test('then the reset token never reaches the database, wherever it is nested', async () => {
    const token = `secret-${randomUUID()}-${randomUUID()}`;
    const event = await h.publish(PasswordResetRequested, {
      userId: randomUUID(), email: 'who@example.com', resetToken: token, expiresAt: new Date().toISOString(),
    });
    // An event of another kind carrying sensitive keys deeper down.
    const js = jetstream(h.nats.nc);
    const nested = createEnvelope({ type: 'user.test-imported', version: 1, schema: OrderPlaced.schema.passthrough() } as never, {
      ...orderPlaced(randomUUID()), profile: { password: token, sessions: [{ token, device: 'phone' }] },
    } as never, { correlationId: randomUUID() });
    await js.publish(subjects(h.nats.prefix).event(nested.type), JSON.stringify(nested), { msgID: nested.id });

    await eventually(async () => (await count('SELECT count(*) AS n FROM logs.audit_events WHERE id = ANY($1)', [[event.id, nested.id]])) === 2, 10_000, 'both events');
    expect(await count('SELECT count(*) AS n FROM logs.audit_events WHERE payload::text LIKE $1', [`%${token}%`])).toBe(0);
    const [row] = await h.sql<{ payload: Record<string, unknown> }>('SELECT payload FROM logs.audit_events WHERE id = $1', [event.id]);
    expect(row.payload).toMatchObject({ resetToken: '[redacted]', email: 'who@example.com' });
    const [deep] = await h.sql<{ payload: { profile: unknown } }>('SELECT payload FROM logs.audit_events WHERE id = $1', [nested.id]);
    expect(deep.payload.profile).toEqual({ password: '[redacted]', sessions: [{ token: '[redacted]', device: 'phone' }] });
  });
});

describe('when the same event is delivered twice under different message ids', () => {
  test('then it is stored once, within one batch and across batches', async () => {
    const js = jetstream(h.nats.nc);
    const event = createEnvelope(OrderPlaced, orderPlaced(randomUUID()), { correlationId: randomUUID() });
    const subject = subjects(h.nats.prefix).event(event.type);
    await js.publish(subject, JSON.stringify(event), { msgID: `${event.id}-a` });
    await js.publish(subject, JSON.stringify(event), { msgID: `${event.id}-b` });
    await drained(h.nats);
    await js.publish(subject, JSON.stringify(event), { msgID: `${event.id}-c` });
    await drained(h.nats);
    const stream = await (await jetstreamManager(h.nats.nc)).streams.info(subjects(h.nats.prefix).streams.events);
    expect(stream.state.messages).toBeGreaterThanOrEqual(3);
    expect(await count('SELECT count(*) AS n FROM logs.audit_events WHERE id = $1', [event.id])).toBe(1);

    const log = requestLog();
    const r = subjects(h.nats.prefix).requestLog;
    await js.publish(r, JSON.stringify(log), { msgID: `${log.id}-a` });
    await js.publish(r, JSON.stringify(log), { msgID: `${log.id}-b` });
    await drained(h.nats);
    expect(await count('SELECT count(*) AS n FROM logs.request_logs WHERE id = $1', [log.id])).toBe(1);
  });
});

describe('when a message is not a valid request log or event', () => {
  test('then it goes to the dead-letter subject and the stream moves on', async () => {
    const js = jetstream(h.nats.nc);
    const s = subjects(h.nats.prefix);
    await js.publish(s.event('order.placed'), '{"not":"an envelope"}');
    const after = requestLog();
    await js.publish(s.requestLog, JSON.stringify({ ...requestLog(), outcome: 'maybe' }));
    await publishRequestLogs(h.nats, [after]);
    await eventually(async () => (await count('SELECT count(*) AS n FROM logs.request_logs WHERE id = $1', [after.id])) === 1, 10_000, 'the valid log');
    const jsm = await jetstreamManager(h.nats.nc);
    await eventually(async () => (await jsm.streams.info(s.streams.deadLetters)).state.messages >= 2, 10_000, 'two dead letters');
    const dead = await jsm.streams.getMessage(s.streams.deadLetters, { last_by_subj: s.deadLetter(AUDIT_DURABLE) });
    expect(dead?.json()).toEqual({ not: 'an envelope' });
  });
});

describe('when rows are older than the retention period', () => {
  test('then the periodic sweep deletes them and keeps the rest', async () => {
    const old = new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString();
    const recent = new Date(Date.now() - 29 * 24 * 3600 * 1000).toISOString();
    const [oldLog, recentLog] = [requestLog({ at: old }), requestLog({ at: recent })];
    // Written straight to the table so the sweep, not ingestion, is what removes them.
    for (const l of [oldLog, recentLog]) {
      await h.sql(`INSERT INTO logs.request_logs (id, duration_ms, outcome, error_codes, correlation_id, at) VALUES ($1, 1, 'success', '{}', $2, $3)`, [l.id, l.correlationId, l.at]);
    }
    const [oldEvent, recentEvent] = [randomUUID(), randomUUID()];
    await h.sql(`INSERT INTO logs.audit_events (id, type, version, occurred_at, correlation_id, payload)
      VALUES ($1, 'order.placed', 1, $3, 'c', '{}'), ($2, 'order.placed', 1, $4, 'c', '{}')`, [oldEvent, recentEvent, old, recent]);

    await eventually(async () => (await count('SELECT count(*) AS n FROM logs.request_logs WHERE id = $1', [oldLog.id])) === 0, 5_000, 'the old log to go');
    await eventually(async () => (await count('SELECT count(*) AS n FROM logs.audit_events WHERE id = $1', [oldEvent])) === 0, 5_000, 'the old event to go');
    expect(await count('SELECT count(*) AS n FROM logs.request_logs WHERE id = $1', [recentLog.id])).toBe(1);
    expect(await count('SELECT count(*) AS n FROM logs.audit_events WHERE id = $1', [recentEvent])).toBe(1);
  });
});
