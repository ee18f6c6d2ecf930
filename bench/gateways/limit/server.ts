// The limit: a server that answers each benchmark request by replaying exactly the subgraph calls our
// gateway's plan makes for it (recorded per user), with keep-alive connections, merging the answers
// and keeping the client's selection. Internal identity tokens are signed ahead, every 30 s, so no
// cryptography runs per request; the caller is picked from the token's subject without verifying it.
//   node --import tsx bench/gateways/limit/server.ts <programs.json>   (PORT, INTERNAL_JWT_PRIVATE_KEY)
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { importInternalPrivateKey, signInternalToken, type Viewer } from '@desk/shared';
import { project, run, type Call, type Projection, type Step } from './program';

export interface LimitPrograms {
  services: Record<string, string>;
  users: Record<string, Viewer>;
  queries: { query: string; projection: Projection; programs: Record<string, Step> }[];
}

async function main(): Promise<void> {
  const programs = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LimitPrograms;
  const key = await importInternalPrivateKey(process.env.INTERNAL_JWT_PRIVATE_KEY!);
  const byQuery = new Map(programs.queries.map((q) => [q.query, q]));
  // Idle connections close after 30 s, before the subgraphs would close them (65 s): a request written on a
  // connection the other side is closing at that moment fails with ECONNRESET.
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, timeout: 30_000 });
  const targets = Object.fromEntries(Object.entries(programs.services).map(([name, url]) => [name, new URL(url)]));

  const tokens = new Map<string, string>();
  const signAll = async () => {
    for (const [userId, viewer] of Object.entries(programs.users)) {
      for (const service of Object.keys(programs.services)) tokens.set(`${userId}:${service}`, await signInternalToken(key, viewer, service));
    }
  };
  await signAll();
  setInterval(() => { void signAll(); }, 30_000).unref();

  const post = (service: string, headers: http.OutgoingHttpHeaders, body: string) => new Promise<string>((resolve, reject) => {
    const url = targets[service];
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });

  const server = http.createServer(async (req, res) => {
    let text = '';
    req.setEncoding('utf8');
    for await (const chunk of req) text += chunk;
    const entry = byQuery.get(JSON.parse(text).query);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const userId = token ? JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub as string : '';
    const step = entry?.programs[userId];
    if (!entry || !step) { res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"not recorded"}]}'); return; }
    const viewer = programs.users[userId];
    const call: Call = async (service, body) => JSON.parse(await post(service, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-internal-identity': tokens.get(`${userId}:${service}`),
      'x-correlation-id': viewer.correlationId,
    }, body));
    const root = {};
    const errors: unknown[] = [];
    try {
      await run(step, root, call, errors);
    } catch (error) {
      // A failed call is a failed request (the load run counts it), not the end of the server.
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error) }] }));
      return;
    }
    const answer = errors.length > 0 ? { errors, data: project(root, entry.projection) } : { data: project(root, entry.projection) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
  process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
}

void main();
