// What the public scanner graphql-cop (github.com/dolevf/graphql-cop) probes, sent the way it sends
// it to a gateway in production: each of its checks must come back with nothing to report.
import { startExtraGateway, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let gateway: { url: string; stop: () => Promise<void> };
beforeAll(async () => {
  platform = await startPlatform();
  gateway = await startExtraGateway(platform, { NODE_ENV: 'production' });
});
afterAll(async () => {
  await gateway?.stop();
  await platform?.stop();
});

interface Answer { status: number; text: string; json: any }

/** As the scanner posts: a JSON body naming the operation `cop`. */
async function post(body: unknown): Promise<Answer> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return read(response);
}

async function get(query: string, headers: Record<string, string> = {}): Promise<Answer> {
  return read(await fetch(`${gateway.url}?${new URLSearchParams({ query })}`, { headers }));
}

async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not JSON: nothing a check below can read */ }
  return { status: response.status, text, json };
}

const query = (document: string) => post({ query: document, operationName: 'cop' });

describe('when graphql-cop scans a production gateway', () => {
  test('then field suggestions: no error says "Did you mean"', async () => {
    const answer = await query('query cop { __schema { directive } }');
    expect(answer.json.errors?.[0]?.message ?? '').not.toMatch(/Did you mean/);
  });

  test('then introspection: the schema\'s types are not listed', async () => {
    const answer = await query('query cop { __schema { types { name fields { name } } } }');
    expect(answer.json.data?.__schema?.types).toBeUndefined();
  });

  test('then circular introspection: refused', async () => {
    const answer = await query('query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }');
    expect(answer.json.data?.__schema?.types).toBeUndefined();
  });

  test('then GraphiQL: no explorer page is served', async () => {
    const answer = await read(await fetch(gateway.url, { headers: { accept: 'text/html' } }));
    for (const word of ['graphiql.min.css', 'GraphQL Playground', 'GraphiQL', 'graphql-playground']) expect(answer.text).not.toContain(word);
  });

  test('then GET method support: a query in the URL is not answered', async () => {
    const answer = await get('query cop {__typename}');
    expect(answer.json?.data?.__typename).toBeUndefined();
  });

  test('then GET-based mutation: not run', async () => {
    const answer = await get('mutation cop {__typename}');
    expect(answer.json?.data?.__typename).toBeUndefined();
  });

  test('then POST-based CSRF: a form-encoded query is not answered', async () => {
    const response = await fetch(gateway.url, { method: 'POST', body: new URLSearchParams({ query: 'query cop { __typename }' }) });
    expect((await read(response)).json?.data?.__typename).toBeUndefined();
  });

  test('then alias overloading: 101 aliases are refused', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `alias${i}:__typename`).join('\n');
    const answer = await query(`query cop { ${aliases} }`);
    expect(answer.json.data?.alias100).toBeUndefined();
  });

  test('then batch queries: an array of ten operations gets no ten answers', async () => {
    const answer = await post(Array.from({ length: 10 }, () => ({ query: 'query cop { __typename }' })));
    expect(Array.isArray(answer.json) ? answer.json.length : 0).toBeLessThan(10);
  });

  test('then directive overloading: ten unknown directives do not make ten errors', async () => {
    const answer = await query(`query cop { __typename ${'@aa'.repeat(10)} }`);
    expect(answer.json.errors?.length).toBeLessThan(10);
  });

  test('then trace mode: no tracing in the answer', async () => {
    const answer = await query('query cop { __typename }');
    expect(answer.text.toLowerCase()).not.toContain('tracing');
  });

  test('then unhandled errors: no exception details in a broken request\'s answer', async () => {
    const answer = await query('qwerty cop { abc }');
    expect(answer.json.errors?.length).toBeGreaterThan(0);
    expect(answer.json.errors[0].extensions?.exception).toBeUndefined();
    expect(answer.text.toLowerCase()).not.toMatch(/stacktrace|"exception"/);
  });
});
