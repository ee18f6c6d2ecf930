// A connection's page and its totalCount are read from one snapshot: a request log stored while an
// admin reads the list is in both or in neither. The worker's SQL is watched, and a row is stored
// just before the statement that counts, where a page read apart from its count would miss it.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseEnv } from '@desk/shared';
import { startSubgraphHarness, type SubgraphHarness } from '@desk/shared/testing';
import { startLogWorker, type RunningLogWorker } from '../src/app';
import { logEnvSchema } from '../src/env';
import { admin } from './harness';

let h: SubgraphHarness<RunningLogWorker>;
/** Runs before each statement the worker sends, in the worker's own process. */
let beforeStatement: (sql: string) => void = () => {};
beforeAll(async () => {
  h = await startSubgraphHarness('log', (env, onQuery) => startLogWorker(parseEnv(logEnvSchema, env), {
    onQuery: (sql) => { onQuery(sql); beforeStatement(sql); },
  }));
});
afterAll(() => h?.stop());

const INSERT = `INSERT INTO logs.request_logs (id, duration_ms, outcome, error_codes, correlation_id, at) VALUES ($1, 1, 'success', '{}', $2, $3)`;

async function storeLog(correlationId: string, at = new Date()): Promise<void> {
  await h.sql(INSERT, [randomUUID(), correlationId, at.toISOString()]);
}

/**
 * Stores a log and returns only once it is committed. The hook that calls it is synchronous and the
 * statement it precedes is sent right after it, so the row is written from a process of its own.
 */
function storeLogNow(correlationId: string): void {
  const script = `const { Client } = require('pg');
    const [url, sql, ...params] = process.argv.slice(1);
    const client = new Client({ connectionString: url });
    client.connect().then(() => client.query(sql, params)).then(() => client.end()).catch((e) => { console.error(e); process.exit(1); });`;
  const done = spawnSync(process.execPath, ['-e', script, h.db.url, INSERT, randomUUID(), correlationId, new Date().toISOString()], { cwd: __dirname, encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`storing a log failed: ${done.stderr}`);
}

const LIST = `query($f: RequestLogFilter, $first: Int, $after: String) {
  requestLogs(filter: $f, first: $first, after: $after) { totalCount edges { node { id } } pageInfo { endCursor } }
}`;

const listStatements = () => h.queries.filter((sql) => /^\s*SELECT/i.test(sql) && sql.includes('request_logs'));

describe('when a request log is stored while an admin reads the list with its totalCount', () => {
  afterEach(() => { beforeStatement = () => {}; });

  test('then the total counts exactly the logs on the page', async () => {
    const correlationId = randomUUID();
    await storeLog(correlationId);
    let stored = false;
    beforeStatement = (sql) => {
      if (!stored && /count\(/i.test(sql) && sql.includes('request_logs')) { stored = true; storeLogNow(correlationId); }
    };

    const r = await h.gql(LIST, { f: { correlationId }, first: 100 }, admin());

    expect(r.errors).toBeUndefined();
    expect(stored).toBe(true);
    const { totalCount, edges } = r.data!.requestLogs;
    expect({ totalCount, edges: edges.length }).toEqual({ totalCount: edges.length, edges: edges.length });
  });
});

describe('when an admin reads a page of request logs', () => {
  test('then the page and its totalCount take one statement, and the page alone takes one that counts nothing', async () => {
    const correlationId = randomUUID();
    for (let i = 0; i < 3; i++) await storeLog(correlationId, new Date(Date.now() - i * 1_000));

    h.queries.length = 0;
    const counted = await h.gql(LIST, { f: { correlationId }, first: 2 }, admin());
    expect(counted.data?.requestLogs).toMatchObject({ totalCount: 3, edges: [{}, {}] });
    expect(listStatements()).toHaveLength(1);

    h.queries.length = 0;
    const uncounted = await h.gql('query($f: RequestLogFilter) { requestLogs(filter: $f, first: 2) { edges { node { id } } } }', { f: { correlationId } }, admin());
    expect(uncounted.data?.requestLogs.edges).toHaveLength(2);
    expect(listStatements()).toHaveLength(1);
    expect(listStatements().filter((sql) => /count\(/i.test(sql))).toEqual([]);
  });

  test('then a page past the last log is empty and still has the total', async () => {
    const correlationId = randomUUID();
    await storeLog(correlationId);
    const first = await h.gql(LIST, { f: { correlationId }, first: 1 }, admin());
    const past = await h.gql(LIST, { f: { correlationId }, first: 1, after: first.data!.requestLogs.pageInfo.endCursor }, admin());
    expect(past.errors).toBeUndefined();
    expect(past.data?.requestLogs).toMatchObject({ totalCount: 1, edges: [] });
  });

  test('then totalCount asked for through fragments is counted too', async () => {
    const correlationId = randomUUID();
    await storeLog(correlationId);
    await storeLog(correlationId);
    const query = `query($f: RequestLogFilter) {
      requestLogs(filter: $f) { ...Counted ... on RequestLogConnection { edges { node { id } } } }
    }
    fragment Counted on RequestLogConnection { ... on RequestLogConnection { n: totalCount } }`;
    const r = await h.gql(query, { f: { correlationId } }, admin());
    expect(r.errors).toBeUndefined();
    expect(r.data?.requestLogs).toMatchObject({ n: 2, edges: [{}, {}] });
  });
});
