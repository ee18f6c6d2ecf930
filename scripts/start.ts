// `npm start`: the whole platform on one machine. Finds (or starts) Postgres and NATS, makes the
// development keys and admin once, runs every subgraph of supergraph.yaml, then the gateway, then the
// workers, each as its own process with its log lines prefixed by its name. A process that dies is
// restarted with backoff; Ctrl-C or SIGTERM stops everything (and whatever Postgres/NATS it started).
// npm runs it as `node --import tsx`, not through the tsx command: that one relays Ctrl-C to this
// script and SIGKILLs it when no acknowledgement comes back within 30 ms, which a busy machine can
// miss, leaving the services running without it.
//
// Environment (all optional):
//   DATABASE_URL     Postgres to use (default: 127.0.0.1:5432 if it answers, else a private cluster in .data/postgres)
//   NATS_URL         NATS to use (default: 127.0.0.1:4222 if it answers, else nats-server from the PATH, which
//                    then runs with one user per service: see shared/src/nats-permissions.ts)
//   PORT_OFFSET      added to every port (supergraph.yaml's, the gateway's 4000, the workers'), to run a second copy
//   GATEWAY_PORT     the gateway's port before the offset (default 4000)
//   DATA_DIR         where keys, the admin password and private Postgres/NATS data live (default .data)
//   START_TIMEOUT_SECONDS  how long to wait for every service to be ready (default 180)
//   and whatever the services read (NODE_ENV, LOG_LEVEL, NATS_PREFIX, ADMIN_EMAIL, ADMIN_PASSWORD, …): values already set win.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { ensureDatabase } from '../shared/src/db/data-source';
import { serviceRoleUrls, setUpServiceRoles } from '../shared/src/db/service-roles';
import { connectNats, ensureStreams } from '../shared/src/nats';
import { NATS_CLIENTS, type NatsClientName } from '../shared/src/nats-permissions';
import { ensureInternalKeys } from './generate-keys';
import { generateNatsPasswords, natsCredentialsFor, natsServerConfig, type NatsPasswords } from './nats-config';
import { planServices, prefixer, restartDelay, ROOT, serviceEnv, type Infrastructure, type ServiceSpec } from './platform';

const STOP_GRACE_MS = 10_000;
/** A process that ran this long before dying starts its backoff again from the beginning. */
const STABLE_AFTER_MS = 30_000;

const colour = (process.stdout.isTTY && !process.env.NO_COLOR) || Boolean(process.env.FORCE_COLOR);
let label: (name: string) => string = (name) => `${name} | `;
const say = (message: string) => process.stdout.write(`${label('start')}${message}\n`);
const warn = (message: string) => process.stderr.write(`${label('start')}${message}\n`);

class StartError extends Error {}

// ---------------------------------------------------------------------------------------------
// Small helpers

function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function which(command: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs].filter(Boolean);
  return dirs.map((dir) => path.join(dir, command)).find((candidate) => existsSync(candidate));
}

function shortPath(file: string): string {
  const relative = path.relative(ROOT, file);
  return relative && !relative.startsWith('..') ? relative : file;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream, prefix: string, keep: (line: string) => boolean = () => true): void {
  if (!stream) return;
  readline.createInterface({ input: stream }).on('line', (line) => { if (keep(line)) out.write(`${prefix}${line}\n`); });
}

function run(command: string, args: string[], options: { asPostgres?: boolean } = {}): void {
  const [cmd, argv] = options.asPostgres ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new StartError(`${[cmd, ...argv].join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr || result.stdout}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Postgres and NATS

interface Resource {
  url: string;
  description: string;
  stop?: () => Promise<void>;
  /** Set when the server has one user per service: each one's password. */
  natsPasswords?: NatsPasswords;
}

function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = path.join(base, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  const initdb = which('initdb');
  return initdb && existsSync(path.join(path.dirname(initdb), 'pg_ctl')) ? path.dirname(initdb) : undefined;
}

export async function privatePostgres(dataDir: string): Promise<Resource | undefined> {
  const bin = postgresBinDir();
  if (!bin) return undefined;
  const pgdata = path.join(dataDir, 'postgres');
  // initdb refuses to run as root, so as root the cluster belongs to the postgres user.
  const asPostgres = process.getuid?.() === 0;
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    say(`creating a private Postgres cluster in ${shortPath(pgdata)}`);
    mkdirSync(pgdata, { recursive: true, mode: 0o700 });
    if (asPostgres) run('chown', ['postgres:postgres', pgdata]);
    run(path.join(bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions'], { asPostgres });
  }
  const port = await freePort();
  const pgCtl = path.join(bin, 'pg_ctl');
  run(pgCtl, ['-D', pgdata, '-l', path.join(pgdata, 'server.log'), '-w', '-t', '60',
    '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${pgdata}`, 'start'], { asPostgres });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/desk`,
    description: `private cluster in ${shortPath(pgdata)} (stopped on exit)`,
    stop: async () => {
      say('stopping the private Postgres');
      try { run(pgCtl, ['-D', pgdata, '-m', 'fast', '-w', 'stop'], { asPostgres }); } catch (error) { warn(String((error as Error).message)); }
    },
  };
}

async function resolvePostgres(dataDir: string): Promise<Resource> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, description: 'from DATABASE_URL' };
  if (await canConnect('127.0.0.1', 5432)) return { url: 'postgres://postgres@127.0.0.1:5432/desk', description: 'the server on 127.0.0.1:5432' };
  const own = await privatePostgres(dataDir);
  if (own) return own;
  throw new StartError([
    'No Postgres: DATABASE_URL is not set, nothing answers on 127.0.0.1:5432, and no initdb/pg_ctl was found',
    'under /usr/lib/postgresql/*/bin or on the PATH. Either:',
    '  - install PostgreSQL 15 or newer (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@15), or',
    '  - point at one: DATABASE_URL=postgres://user:password@host:5432/desk npm start',
  ].join('\n'));
}

/**
 * The database setup, as `npm run db:setup` does it: each service its own role (fresh passwords each
 * start). A Postgres user that may not make roles keeps every service on its own URL, with a warning.
 */
async function serviceDatabaseUrls(adminUrl: string): Promise<Record<string, string> | undefined> {
  const urls = serviceRoleUrls(adminUrl);
  try {
    await setUpServiceRoles(adminUrl, urls);
    return urls;
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    warn(`every service shares ${redact(adminUrl)}: its user may not create roles (${(error as Error).message})`);
    return undefined;
  }
}

export async function resolveNats(dataDir: string): Promise<Resource> {
  if (process.env.NATS_URL) return { url: process.env.NATS_URL, description: 'from NATS_URL' };
  if (await canConnect('127.0.0.1', 4222)) return { url: 'nats://127.0.0.1:4222', description: 'the server on 127.0.0.1:4222' };
  const own = await privateNats(dataDir);
  if (!own) {
    throw new StartError([
      'No NATS: NATS_URL is not set, nothing answers on 127.0.0.1:4222, and nats-server is not on the PATH. Either:',
      '  - install nats-server 2.9 or newer (Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server;',
      '    or a release from https://github.com/nats-io/nats-server/releases), or',
      '  - point at one with JetStream on: NATS_URL=nats://host:4222 npm start',
    ].join('\n'));
  }
  return own;
}

export async function privateNats(dataDir: string): Promise<Resource | undefined> {
  const bin = which('nats-server', ['/usr/sbin', '/usr/local/sbin']);
  if (!bin) return undefined;
  const storeDir = path.join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  const port = await freePort();
  // One user per service, as in production: the passwords are made once and kept with the data.
  const passwords = natsPasswords(dataDir);
  const config = path.join(dataDir, 'nats.conf');
  writeFileSync(config, natsServerConfig({ host: '127.0.0.1', port, storeDir, prefix: process.env.NATS_PREFIX || 'desk', passwords }), { mode: 0o600 });
  const child = spawn(bin, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Its start-up banner is long; warnings and errors are what matter here. The passwords are in plain
  // text on purpose: the file is private to this machine, as the other development secrets are.
  const notable = (line: string) => !line.includes('[INF]') && !line.includes('Plaintext passwords detected');
  pipeLines(child.stdout, process.stdout, label('nats'), notable);
  pipeLines(child.stderr, process.stdout, label('nats'), notable);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  while (!(await canConnect('127.0.0.1', port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new StartError(`${bin} did not start on 127.0.0.1:${port}`);
    }
    await sleep(100);
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    description: `${bin} with JetStream in ${shortPath(storeDir)}, one user per service (stopped on exit)`,
    natsPasswords: passwords,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!killed) { child.kill('SIGKILL'); await exited; }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Development secrets

/** A secret made once and kept in the data directory, so that restarts keep it. */
function developmentSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(18).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/** The private NATS server's password of every service, made once and kept in the data directory. */
function natsPasswords(dataDir: string): NatsPasswords {
  const file = path.join(dataDir, 'nats-passwords.json');
  const kept = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Partial<NatsPasswords> : {};
  const passwords = { ...generateNatsPasswords(), ...kept };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return passwords;
}

/** The streams, made by the one NATS user allowed to; the services only check them. */
async function prepareStreamsAsOwner(url: string, prefix: string, passwords: NatsPasswords): Promise<void> {
  const nc = await connectNats(url, 'start-streams', { user: 'streams', password: passwords.streams });
  try { await ensureStreams(nc, prefix); } finally { await nc.close(); }
}

// ---------------------------------------------------------------------------------------------
// Supervised processes

class Supervised {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private attempts = 0;
  private startedAt = 0;
  private restartTimer?: NodeJS.Timeout;
  private stopping = false;

  constructor(readonly spec: ServiceSpec, private readonly env: Record<string, string>) {}

  start(): void {
    if (this.stopping) return;
    this.startedAt = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', this.spec.main], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C reaches only this script, which stops the children in order.
      detached: true,
    });
    this.child = child;
    const prefix = label(this.spec.name);
    pipeLines(child.stdout, process.stdout, prefix);
    pipeLines(child.stderr, process.stderr, prefix);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => { warn(`${this.spec.name} could not be started: ${error.message}`); });
      child.once('exit', (code, signal) => {
        resolve();
        if (this.stopping) return;
        if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.attempts = 0;
        const delay = restartDelay(this.attempts++);
        warn(`${this.spec.name} exited (${signal ? `signal ${signal}` : `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s`);
        this.restartTimer = setTimeout(() => this.start(), delay);
      });
    });
  }

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (!pid) return;
    try { process.kill(-pid, signal); } catch { try { this.child?.kill(signal); } catch { /* already gone */ } }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (!this.pid) return;
    this.signal('SIGTERM');
    const stopped = await Promise.race([this.exited!.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!stopped) {
      warn(`${this.spec.name} did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  /** Last resort when this script exits unexpectedly. */
  kill(): void { this.signal('SIGKILL'); }
}

async function waitReady(service: ServiceSpec, deadline: number, cancelled: () => boolean): Promise<void> {
  const url = `http://127.0.0.1:${service.port}/ready`;
  let lastNotice = Date.now();
  for (;;) {
    if (cancelled()) throw new StartError('stopped while starting');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new StartError(`${service.name} was not ready at ${url} in time`);
    if (Date.now() - lastNotice > 15_000) {
      say(`still waiting for ${service.name} (${url})`);
      lastNotice = Date.now();
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(ROOT, '.data'));
  const portOffset = Number(process.env.PORT_OFFSET ?? 0);
  if (!Number.isInteger(portOffset) || portOffset < 0) throw new StartError(`PORT_OFFSET must be a whole number >= 0, not ${process.env.PORT_OFFSET}`);
  const gatewayPort = process.env.GATEWAY_PORT ? Number(process.env.GATEWAY_PORT) : undefined;
  const services = planServices({ portOffset, gatewayPort });
  label = prefixer(['start', 'nats', ...services.map((s) => s.name)], colour);

  const missing = services.filter((s) => !existsSync(path.join(ROOT, s.main)));
  if (missing.length) throw new StartError(`missing entry points: ${missing.map((s) => s.main).join(', ')}`);
  const busy = [];
  for (const s of services) if (!(await portIsFree(s.port))) busy.push(`${s.port} (${s.name})`);
  if (busy.length) throw new StartError(`ports in use: ${busy.join(', ')}. Stop what uses them, or shift every port with PORT_OFFSET=<n>.`);

  const supervised: Supervised[] = [];
  const resources: Resource[] = [];
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      say('stopping');
      // The gateway and workers first, so that nothing calls a subgraph that is already gone.
      await Promise.all(supervised.filter((s) => s.spec.kind !== 'subgraph').map((s) => s.stop()));
      await Promise.all(supervised.filter((s) => s.spec.kind === 'subgraph').map((s) => s.stop()));
      for (const resource of resources.reverse()) await resource.stop?.();
      say('stopped');
    })();
    return shuttingDown;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) return; // Ctrl-C through npm can arrive more than once; the first one is in hand.
    say(`${signal} received`);
    shutdown().then(() => process.exit(0), (error) => { warn(String(error)); process.exit(1); });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => { for (const s of supervised) s.kill(); });

  try {
    const postgres = await resolvePostgres(dataDir);
    if (postgres.stop) resources.push(postgres);
    await ensureDatabase(postgres.url);
    const databaseUrls = await serviceDatabaseUrls(postgres.url);
    const nats = await resolveNats(dataDir);
    if (nats.stop) resources.push(nats);
    if (shuttingDown) return;

    const keys = ensureInternalKeys(path.join(dataDir, 'keys'));
    const nodeEnv = process.env.NODE_ENV || 'development';
    const development = nodeEnv === 'development';
    const infra: Infrastructure = {
      databaseUrl: postgres.url,
      databaseUrls,
      natsUrl: nats.url,
      publicKey: `file:${keys.publicKeyPath}`,
      privateKey: `file:${keys.privateKeyPath}`,
      ...(development ? {
        adminEmail: 'admin@desk.local',
        adminPassword: process.env.ADMIN_PASSWORD || developmentSecret(dataDir, 'admin-password'),
        sandboxWebhookSecret: process.env.SANDBOX_WEBHOOK_SECRET || developmentSecret(dataDir, 'sandbox-webhook-secret'),
      } : {}),
    };
    const natsCredentials = (s: ServiceSpec): Record<string, string> => {
      if (!nats.natsPasswords) return {};
      if (!(s.name in NATS_CLIENTS)) throw new StartError(`${s.name} has no NATS user: add it to shared/src/nats-permissions.ts`);
      return { NATS_CREDENTIALS: natsCredentialsFor(nats.natsPasswords, s.name as NatsClientName) };
    };
    const envOf = (s: ServiceSpec) => ({ ...serviceEnv(s, services, infra), ...natsCredentials(s) });
    if (nats.natsPasswords) await prepareStreamsAsOwner(nats.url, envOf(services[0]).NATS_PREFIX, nats.natsPasswords);
    const deadline = Date.now() + Number(process.env.START_TIMEOUT_SECONDS ?? 180) * 1000;
    const cancelled = () => Boolean(shuttingDown);
    const launch = (list: ServiceSpec[]) => list.map((spec) => {
      const s = new Supervised(spec, envOf(spec));
      supervised.push(s);
      s.start();
      return spec;
    });

    const subgraphs = launch(services.filter((s) => s.kind === 'subgraph'));
    await Promise.all(subgraphs.map((s) => waitReady(s, deadline, cancelled)));
    const gateway = launch(services.filter((s) => s.kind === 'gateway'));
    await Promise.all(gateway.map((s) => waitReady(s, deadline, cancelled)));
    const workers = launch(services.filter((s) => s.kind === 'worker'));
    await Promise.all(workers.map((s) => waitReady(s, deadline, cancelled)));

    const gatewayEnv = envOf(gateway[0]);
    const admin = { email: process.env.ADMIN_EMAIL || infra.adminEmail, password: process.env.ADMIN_PASSWORD || infra.adminPassword };
    const lines = [
      '',
      `Desk is ready (${nodeEnv})`,
      `  GraphQL API  http://127.0.0.1:${gateway[0].port}/graphql${development ? '  (open it in a browser for Apollo Sandbox)' : ''}`,
      ...subgraphs.map((s) => `  subgraph     ${s.name.padEnd(8)} ${s.url}`),
      ...workers.map((s) => `  worker       ${s.name.padEnd(8)} http://127.0.0.1:${s.port}/health`),
      ...(workers.some((s) => s.name === 'email') && !process.env.SMTP_URL
        ? [`  mails        http://127.0.0.1:${workers.find((s) => s.name === 'email')!.port}/mails  (no SMTP_URL: sent mails are kept here; npm run mails -w @desk/email-worker)`]
        : []),
      `  Postgres     ${redact(postgres.url)}  (${postgres.description})`,
      `  NATS         ${nats.url}  (${nats.description}), prefix ${gatewayEnv.NATS_PREFIX}`,
      ...(admin.email ? [`  admin        ${admin.email} / ${admin.password ?? '(ADMIN_PASSWORD is not set)'}  (set when the database had no admin yet)`] : []),
      ...(infra.sandboxWebhookSecret ? ['  payments     SANDBOX provider; settle one with: npm run sandbox:settle -- <paymentId>'] : []),
      'Press Ctrl-C to stop.',
      '',
    ];
    if (!shuttingDown) process.stdout.write(lines.join('\n'));
  } catch (error) {
    if (shuttingDown) return;
    await shutdown();
    throw error;
  }
}

if (require.main === module) {
  main().catch((error) => {
    warn(error instanceof StartError ? error.message : (error as Error)?.stack ?? String(error));
    process.exit(1);
  });
}
