// `npm start`: which processes it runs with which settings (from supergraph.yaml and the environment),
// and a real run: the whole platform up on shifted ports, its own database and NATS prefix, then
// Ctrl-C stops every process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { connectNats, deleteStreams } from '@desk/shared';
import { dropDatabase } from '@desk/shared/src/db/data-source';
import { TEST_NATS, TEST_POSTGRES, testPorts, uniqueName } from '@desk/shared/testing';
import { ensureInternalKeys } from '../scripts/generate-keys';
import { parseSupergraphConfig, planServices, restartDelay, ROOT, serviceEnv, type Infrastructure } from '../scripts/platform';

const CONFIG = `
federation_version: =2.14.4
subgraphs:
  auth: { routing_url: http://127.0.0.1:4001/graphql, schema: { file: ./subgraphs/auth/schema.graphql } }
  user: { routing_url: http://127.0.0.1:4002/graphql, schema: { file: ./subgraphs/user/schema.graphql } }
  log:  { routing_url: http://127.0.0.1:4006/graphql, schema: { file: ./workers/log/schema.graphql } }
`;

function fakeRepository(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'desk-plan-'));
  for (const dir of ['workers/log/src', 'workers/email/src', 'workers/notes']) mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, 'workers/log/src/main.ts'), '');
  writeFileSync(path.join(root, 'workers/email/src/main.ts'), '');
  return root;
}

const infra: Infrastructure = {
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/desk',
  natsUrl: 'nats://127.0.0.1:4222',
  publicKey: 'file:/keys/internal.pub.pem',
  privateKey: 'file:/keys/internal.key.pem',
  adminEmail: 'admin@desk.local',
  adminPassword: 'generated',
};

describe('the start plan', () => {
  const root = fakeRepository();
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const config = parseSupergraphConfig(CONFIG, root);

  it('runs every subgraph of supergraph.yaml from its schema folder and port, then the gateway, then the other workers', () => {
    const services = planServices({ root, config });
    expect(services.map((s) => [s.name, s.kind, s.main, s.port])).toEqual([
      ['auth', 'subgraph', 'subgraphs/auth/src/main.ts', 4001],
      ['user', 'subgraph', 'subgraphs/user/src/main.ts', 4002],
      ['log', 'subgraph', 'workers/log/src/main.ts', 4006],
      ['gateway', 'gateway', 'gateway/src/main.ts', 4000],
      ['email', 'worker', 'workers/email/src/main.ts', 4010],
    ]);
  });

  it('shifts every port by PORT_OFFSET, routing URLs included', () => {
    const services = planServices({ root, config, portOffset: 20000 });
    expect(services.map((s) => s.port)).toEqual([24001, 24002, 24006, 24000, 24010]);
    expect(services[0].url).toBe('http://127.0.0.1:24001/graphql');
  });

  it('reads the repository supergraph.yaml', () => {
    const services = planServices();
    expect(services.filter((s) => s.kind === 'subgraph').map((s) => s.name)).toEqual(expect.arrayContaining(['auth', 'user']));
    expect(services.find((s) => s.name === 'auth')?.port).toBe(4001);
    expect(services.find((s) => s.kind === 'gateway')?.port).toBe(4000);
  });

  it('gives each service its port and the shared infrastructure, and the gateway the subgraph URLs and its key', () => {
    const services = planServices({ root, config, portOffset: 100 });
    const [auth, user, , gateway] = services;
    const authEnv = serviceEnv(auth, services, infra, { PORT: '9999', PATH: '/bin' });
    expect(authEnv).toMatchObject({
      PORT: '4101', HOST: '127.0.0.1', NODE_ENV: 'development', PATH: '/bin',
      DATABASE_URL: infra.databaseUrl, NATS_URL: infra.natsUrl, NATS_PREFIX: 'desk',
      INTERNAL_JWT_PUBLIC_KEY: infra.publicKey,
      JWT_ISSUER: 'http://127.0.0.1:4101', JWT_AUDIENCE: 'desk-api',
      ADMIN_EMAIL: 'admin@desk.local', ADMIN_PASSWORD: 'generated',
    });
    expect(authEnv.INTERNAL_JWT_PRIVATE_KEY).toBeUndefined();
    const userEnv = serviceEnv(user, services, infra, {});
    expect(userEnv.PORT).toBe('4102');
    expect(userEnv.ADMIN_PASSWORD).toBeUndefined();
    const gatewayEnv = serviceEnv(gateway, services, infra, {});
    expect(gatewayEnv).toMatchObject({
      GATEWAY_PORT: '4100',
      INTERNAL_JWT_PRIVATE_KEY: infra.privateKey,
      AUTH_JWKS_URL: 'http://127.0.0.1:4101/.well-known/jwks.json',
      JWT_ISSUER: 'http://127.0.0.1:4101',
    });
    expect(JSON.parse(gatewayEnv.SUBGRAPH_URLS)).toEqual({
      auth: 'http://127.0.0.1:4101/graphql', user: 'http://127.0.0.1:4102/graphql', log: 'http://127.0.0.1:4106/graphql',
    });
  });

  it('gives each service with a role of its own that role\'s database URL, and the others the shared one', () => {
    const services = planServices({ root, config });
    const [auth, user, , gateway] = services;
    const withRoles = { ...infra, databaseUrls: { auth: 'postgres://desk_auth:a@127.0.0.1:5432/desk' } };
    expect(serviceEnv(auth, services, withRoles, {}).DATABASE_URL).toBe('postgres://desk_auth:a@127.0.0.1:5432/desk');
    expect(serviceEnv(user, services, withRoles, {}).DATABASE_URL).toBe(infra.databaseUrl);
    expect(serviceEnv(gateway, services, withRoles, {}).DATABASE_URL).toBe(infra.databaseUrl);
  });

  it('keeps what the environment already says', () => {
    const services = planServices({ root, config });
    const given = { NODE_ENV: 'production', NATS_PREFIX: 'staging', ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'from-env', JWT_ISSUER: 'https://auth.example.com', INTERNAL_JWT_PUBLIC_KEY: 'PEM' };
    expect(serviceEnv(services[0], services, infra, given)).toMatchObject(given);
    expect(serviceEnv(services[3], services, infra, { GATEWAY_PORT: '1' }).GATEWAY_PORT).toBe('4000');
    expect(serviceEnv(services[1], services, infra, { GATEWAY_PORT: '1' }).GATEWAY_PORT).toBeUndefined();
  });

  it('backs off restarts from half a second to at most 30 seconds', () => {
    expect([0, 1, 2, 3].map(restartDelay)).toEqual([500, 1000, 2000, 4000]);
    expect(restartDelay(20)).toBe(30_000);
  });

  it('makes the internal key pair once, readable by its owner only', () => {
    const dir = path.join(root, 'keys');
    const first = ensureInternalKeys(dir);
    const second = ensureInternalKeys(dir);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(readFileSync(second.privateKeyPath, 'utf8')).toBe(readFileSync(first.privateKeyPath, 'utf8'));
    expect(readFileSync(first.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(first.publicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(statSync(first.privateKeyPath).mode & 0o777).toBe(0o600);
  });
});

// ---------------------------------------------------------------------------------------------

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** A PORT_OFFSET that puts every service's port on a free test port, below the ephemeral range. */
async function freeOffset(): Promise<number> {
  const ports = planServices({ portOffset: 0 }).map((s) => s.port);
  const lowest = Math.min(...ports);
  return await testPorts(Math.max(...ports) - lowest + 1) - lowest;
}

/** Processes whose environment carries `marker` (this run's NATS prefix): what the run started. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`NATS_PREFIX=${marker}`)) pids.push(Number(entry));
    } catch { /* gone, or not ours to read */ }
  }
  return pids;
}

function commandLine(pid: number): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return ''; }
}

async function status(url: string): Promise<number> {
  try { return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status; } catch { return 0; }
}

/** Polls an address until `check` holds: nothing announces that a port has started to answer. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${output().slice(-6000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start', () => {
  const prefix = uniqueName('start');
  const database = uniqueName('desk_start').toLowerCase();
  const databaseUrl = `${TEST_POSTGRES}/${database}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'desk-start-'));
  let child: ChildProcess | undefined;
  let output = '';
  const outputGrew = new EventEmitter();
  /** Resolves once the output holds `text`, looked for each time the output grows. */
  const printed = (text: string, timeoutMs: number, what: string) => new Promise<void>((resolve, reject) => {
    const look = () => {
      if (!output.includes(text)) return;
      clearTimeout(timer);
      outputGrew.off('data', look);
      resolve();
    };
    const timer = setTimeout(() => {
      outputGrew.off('data', look);
      reject(new Error(`timed out waiting for ${what}; output:\n${output.slice(-6000)}`));
    }, timeoutMs);
    outputGrew.on('data', look);
    look();
  });

  afterAll(async () => {
    for (const pid of processesWith(prefix)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    if (child?.pid && child.exitCode === null) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
    await dropDatabase(databaseUrl).catch(() => undefined);
    const nc = await connectNats(TEST_NATS, 'start-test-cleanup');
    await deleteStreams(nc, prefix);
    await nc.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts every service, reports it ready, restarts one that dies, and on Ctrl-C stops them all and exits 0', async () => {
    const offset = await freeOffset();
    const services = planServices({ portOffset: offset });
    const gateway = services.find((s) => s.kind === 'gateway')!;
    const env: Record<string, string | undefined> = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      NATS_URL: TEST_NATS,
      NATS_PREFIX: prefix,
      PORT_OFFSET: String(offset),
      DATA_DIR: dataDir,
    };
    // Only this run's settings: nothing from the caller's shell that npm start would respect.
    for (const key of ['PORT', 'HOST', 'GATEWAY_PORT', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'JWT_ISSUER', 'JWT_AUDIENCE', 'AUTH_JWKS_URL', 'INTERNAL_JWT_PUBLIC_KEY', 'INTERNAL_JWT_PRIVATE_KEY', 'SUBGRAPH_URLS', 'SUPERGRAPH_PATH']) delete env[key];
    child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => { output += chunk; outputGrew.emit('data'); });
    child.stderr!.on('data', (chunk) => { output += chunk; outputGrew.emit('data'); });
    // 'close' comes once every process holding the output pipes (npm, tsx, the start script) has ended.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child!.once('close', (code, signal) => resolve({ code, signal })));

    // The summary comes once every service has said it is ready: from then on each one answers.
    await printed('Press Ctrl-C to stop.', 200_000, 'the summary');
    expect(await status(`http://127.0.0.1:${gateway.port}/health`)).toBe(200);
    expect(await status(`http://127.0.0.1:${gateway.port}/ready`)).toBe(200);
    for (const s of services.filter((x) => x.kind === 'subgraph')) {
      expect(await status(`http://127.0.0.1:${s.port}/ready`)).toBe(200);
      expect(output).toContain(s.url!);
    }
    expect(output).toContain(`http://127.0.0.1:${gateway.port}/graphql`);
    const password = readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim();
    expect(output).toContain(`admin@desk.local / ${password}`);
    expect(statSync(path.join(dataDir, 'keys', 'internal.key.pem')).mode & 0o777).toBe(0o600);
    const pg = new Client({ connectionString: `${TEST_POSTGRES}/postgres` });
    await pg.connect();
    const { rowCount } = await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    // Every service is connected as its own role, none as the administrator npm start was given.
    const connected = (await pg.query<{ usename: string }>('SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 ORDER BY 1', [database])).rows;
    await pg.end();
    expect(rowCount).toBe(1);
    expect(connected.map((row) => row.usename)).toEqual(['auth', 'email', 'log', 'order', 'payment', 'ticket', 'user'].map((service) => `${database}_${service}`));
    const started = processesWith(prefix);
    expect(started.length).toBeGreaterThanOrEqual(services.length);

    // A service that dies is started again.
    const user = services.find((s) => s.name === 'user')!;
    const userProcesses = started.filter((pid) => commandLine(pid).includes('subgraphs/user/src/main.ts'));
    expect(userProcesses.length).toBeGreaterThan(0);
    for (const pid of userProcesses) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    await printed('user exited', 10_000, 'the restart notice');
    await until(async () => (await status(`http://127.0.0.1:${user.port}/ready`)) === 200, 60_000, 'the restarted user subgraph', () => output);

    process.kill(-child.pid!, 'SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([exited, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), 30_000); })]);
    clearTimeout(timer);
    // A terminal's Ctrl-C reaches npm too, which then ends by that signal; the start script itself exits 0.
    const clean = ended !== 'timeout' && (ended.code === 0 || ended.signal === 'SIGINT');
    if (!clean || !/\| stopped$/m.test(output)) throw new Error(`npm start ended with ${JSON.stringify(ended)}; output:\n${output.slice(-6000)}`);
    expect(output).not.toMatch(/did not stop within/);
    expect(processesWith(prefix)).toEqual([]);
    for (const s of services) expect(await portAnswers(s.port)).toBe(false);
  }, 240_000);
});
