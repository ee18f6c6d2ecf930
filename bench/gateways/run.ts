// The gateway benchmark: our gateway (protections on and off), Hive Gateway (--jit and not, in-flight
// deduplication off) and the limit (a replay of the plan's subgraph calls), side by side on the real
// platform with seeded data. Each gateway runs as one process pinned to the same CPU; wrk and the
// subgraphs share the other. Every answer is checked equal to ours before timing; then rounds run each
// query against every gateway in turn (the order rotating per round, its direction alternating), each
// request with an access token of its own. Every round starts every gateway afresh and warms it up.
//   npm run bench   (BENCH_ROUNDS=3 BENCH_SECONDS=10 BENCH_WARMUP_SECONDS=5 BENCH_CONNECTIONS=16
//                    BENCH_TOKENS=20000 BENCH_QUERIES=light,deep,list BENCH_CONTENDERS=ours,hive-jit,...
//                    BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/results/profiles"
//                    BENCH_BASELINE=<another checkout>: its gateway joins as "baseline", to measure a change)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { decodeJwt } from 'jose';
import { testPort } from '@desk/shared/testing';
import { postGraphQL, spawnGateway, startExtraGateway, startPlatform, type Platform } from '../../test/support/platform';
import { pin, load, type Sample } from './measure';
import { compile, planFor, startRecorder } from './limit/record';
import { projectionOf } from './limit/program';
import type { LimitPrograms } from './limit/server';
import { QUERIES, type BenchQuery } from './queries';
import { CONTENDERS, LABELS, chart, figuresTable, ratioTable, type Contender, type Samples } from './report';
import { seed, writeTokenPool, type Seeded } from './seed';

const ROOT = path.resolve(__dirname, '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const CHARTS = path.join(ROOT, 'bench', 'charts');
/** A run with every standard contender draws the charts BENCHMARKS.md shows; any other run, its own. */
const PUBLISHED: Contender[] = ['ours', 'ours-unprotected', 'hive-jit', 'hive', 'limit'];
const DEFAULT_CONNECTIONS = 16;
const LOAD_CPU = 0;
const GATEWAY_CPU = 1;

const settings = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 5),
  connections: Number(process.env.BENCH_CONNECTIONS ?? DEFAULT_CONNECTIONS),
  tokens: Number(process.env.BENCH_TOKENS ?? 20_000),
  queries: QUERIES.filter((q) => !process.env.BENCH_QUERIES || process.env.BENCH_QUERIES.split(',').includes(q.name)),
  contenders: CONTENDERS.filter((c) => (c !== 'baseline' || process.env.BENCH_BASELINE) && (!process.env.BENCH_CONTENDERS || process.env.BENCH_CONTENDERS.split(',').includes(c))),
};

interface Running { url: string; pid: number; stop(): Promise<void> }

function ensureTools(): void {
  try {
    execFileSync('wrk', ['-v'], { stdio: 'ignore' });
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is a problem.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (process.getuid?.() !== 0) throw new Error('wrk is missing: install it (Debian: apt-get install wrk)');
      console.log('installing wrk (apt-get install wrk)');
      execFileSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'inherit' });
    }
  }
  if (settings.contenders.some((c) => c.startsWith('hive')) && !existsSync(path.join(ROOT, 'bench', 'node_modules', '@graphql-hive', 'gateway'))) {
    console.log('installing the benchmark\'s own packages (npm ci in bench/)');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: path.join(ROOT, 'bench'), stdio: 'inherit' });
  }
}

async function startOurs(platform: Platform, protections: 'on' | 'off', checkout?: string): Promise<Running> {
  // BENCH_NODE_ARGS reaches our gateway only (not the baseline's), e.g. "--cpu-prof --cpu-prof-dir=bench/results/profiles".
  const nodeArgs = checkout ? [] : process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const gateway = await spawnGateway(platform, { env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', PROTECTIONS: protections }, nodeArgs, checkout });
  return { url: gateway.url, pid: gateway.child.pid!, stop: gateway.stop };
}

async function startHive(platform: Platform, jit: boolean): Promise<Running> {
  const { startHiveGateway } = await import('./hive');
  return startHiveGateway({
    jit, cpu: GATEWAY_CPU, port: await testPort(),
    supergraphPath: path.join(ROOT, 'supergraph.graphql'), subgraphUrls: platform.urls,
    jwksUrl: `${new URL(platform.authUrl).origin}/.well-known/jwks.json`, issuer: 'https://auth.desk.test', audience: 'desk-api',
    internalPrivateKeyPem: platform.internalKeys.privateKey,
  });
}

/** Records, through our gateway, the subgraph calls of every query for every user, as replay programs. */
async function recordPrograms(platform: Platform, seeded: Seeded): Promise<LimitPrograms> {
  const recorder = await startRecorder(platform.urls);
  const gateway = await startExtraGateway(platform, { SUBGRAPH_URLS: JSON.stringify(recorder.urls) });
  const supergraph = readFileSync(path.join(ROOT, 'supergraph.graphql'), 'utf8');
  const programs: LimitPrograms = { services: platform.urls, users: {}, queries: [] };
  try {
    for (const q of settings.queries) {
      const plan = planFor(supergraph, q.query);
      const entry: LimitPrograms['queries'][number] = { query: q.query, projection: projectionOf(q.query), programs: {} };
      for (const user of seeded[q.as]) {
        const claims = decodeJwt(user.accessToken);
        programs.users[user.id] = { userId: user.id, roles: claims.roles as never, sessionId: claims.sid as string, guest: false, ip: '127.0.0.1', correlationId: `bench-${user.id}` };
        recorder.take();
        const answer = await postGraphQL(gateway.url, q.query, undefined, { token: user.accessToken });
        if (answer.errors) throw new Error(`${q.name}: ${JSON.stringify(answer.errors)}`);
        entry.programs[user.id] = compile(plan, recorder.take());
      }
      programs.queries.push(entry);
    }
  } finally {
    await gateway.stop();
    await recorder.close();
  }
  return programs;
}

async function startLimit(platform: Platform, programsFile: string): Promise<Running> {
  const port = await testPort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'limit', 'server.ts'), programsFile], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '', PORT: String(port), INTERNAL_JWT_PRIVATE_KEY: platform.internalKeys.privateKey },
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the limit server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`, pid: child.pid!,
    stop: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}

/** Every gateway must give our gateway's answer, for every user of every query, before anything is timed. */
async function checkAnswers(gateways: Map<Contender, Running>, seeded: Seeded): Promise<void> {
  for (const q of settings.queries) {
    for (const user of seeded[q.as]) {
      const expected = await postGraphQL(gateways.get('ours')!.url, q.query, undefined, { token: user.accessToken });
      if (expected.errors || !expected.data) throw new Error(`${q.name}: our gateway answered ${JSON.stringify(expected.errors)}`);
      for (const [name, gateway] of gateways) {
        const answer = await postGraphQL(gateway.url, q.query, undefined, { token: user.accessToken });
        if (answer.status !== 200 || answer.errors || !isDeepStrictEqual(answer.data, expected.data)) {
          throw new Error(`${name} answers ${q.name} differently for ${user.id}:\n${JSON.stringify(answer.errors ?? answer.data).slice(0, 2000)}\nexpected:\n${JSON.stringify(expected.data).slice(0, 2000)}`);
        }
      }
    }
    console.log(`  ${q.name}: the same answer from ${[...gateways.keys()].join(', ')} for each of ${seeded[q.as].length} users`);
  }
}

async function main(): Promise<void> {
  ensureTools();
  pin(process.pid, LOAD_CPU);
  mkdirSync(RESULTS, { recursive: true });
  const charts = PUBLISHED.every((c) => settings.contenders.includes(c)) && !settings.contenders.includes('baseline')
    ? CHARTS : path.join(RESULTS, 'charts');
  mkdirSync(charts, { recursive: true });
  console.log(`gateways on CPU ${GATEWAY_CPU}; wrk and the subgraphs on CPU ${LOAD_CPU}`);
  const platform = await startPlatform();
  const gateways = new Map<Contender, Running>();
  const stopAll = async () => {
    for (const gateway of gateways.values()) await gateway.stop().catch(() => undefined);
    gateways.clear();
  };
  try {
    console.log('seeding…');
    const seeded = await seed(platform);
    const programsFile = path.join(RESULTS, 'limit-programs.json');
    if (settings.contenders.includes('limit')) writeFileSync(programsFile, JSON.stringify(await recordPrograms(platform, seeded)));
    const starters: Record<Contender, () => Promise<Running>> = {
      ours: () => startOurs(platform, 'on'),
      'ours-unprotected': () => startOurs(platform, 'off'),
      baseline: () => startOurs(platform, 'on', process.env.BENCH_BASELINE),
      'hive-jit': () => startHive(platform, true),
      hive: () => startHive(platform, false),
      limit: () => startLimit(platform, programsFile),
    };
    if (!settings.contenders.includes('ours')) throw new Error('BENCH_CONTENDERS must include ours: every answer is checked against it');
    // A process keeps what it happened to get at its start for as long as it runs (what its JIT made of
    // the hot paths, where its heap lies): fresh processes each round turn that into the rounds'
    // spread, where a process kept for the whole run would carry it into every round alike.
    const startAll = async () => {
      for (const name of settings.contenders) {
        const gateway = await starters[name]();
        pin(gateway.pid, GATEWAY_CPU);
        gateways.set(name, gateway);
      }
    };
    await startAll();
    console.log('checking answers…');
    await checkAnswers(gateways, seeded);

    const bodies = Object.fromEntries(settings.queries.map((q) => {
      const file = path.join(RESULTS, `body-${q.name}.json`);
      writeFileSync(file, JSON.stringify({ query: q.query }));
      return [q.name, file];
    }));
    const pools = { customers: path.join(RESULTS, 'tokens-customers.txt'), agents: path.join(RESULTS, 'tokens-agents.txt') };
    const mintTokens = async () => {
      for (const group of ['customers', 'agents'] as const) await writeTokenPool(platform, seeded[group], settings.tokens, pools[group]);
    };
    const once = (q: BenchQuery, name: Contender, seconds: number): Promise<Sample> => load({
      url: gateways.get(name)!.url, pid: gateways.get(name)!.pid, tokensFile: pools[q.as], bodyFile: bodies[q.name],
      seconds, connections: settings.connections, loadCpu: LOAD_CPU,
    });

    const samples: Samples = Object.fromEntries(settings.queries.map((q) => [q.name, {}]));
    for (let round = 0; round < settings.rounds; round++) {
      if (round > 0) {
        await stopAll();
        await startAll();
      }
      // A fresh pool per round keeps every token well inside its 15-minute life.
      await mintTokens();
      console.log(`round ${round + 1}: every gateway started afresh; warming up (${settings.warmupSeconds} s each)…`);
      for (const q of settings.queries) for (const name of settings.contenders) await once(q, name, settings.warmupSeconds);
      for (const q of settings.queries) {
        // Round r starts with the r-th gateway and goes forwards, or backwards every other round: the
        // gateways take turns at running first, and each follows both its neighbours, so that what a run
        // leaves behind (the subgraphs' heap, Postgres's and NATS's backlogs) does not fall on one alone.
        const n = settings.contenders.length;
        const step = round % 2 === 0 ? 1 : -1;
        const order = settings.contenders.map((_, i) => settings.contenders[(((round + step * i) % n) + n) % n]);
        for (const name of order) {
          const sample = await once(q, name, settings.seconds);
          (samples[q.name][name] ??= []).push(sample);
          console.log(`  round ${round + 1} ${q.name.padEnd(5)} ${LABELS[name].padEnd(24)} ${sample.rps.toFixed(0).padStart(6)} req/s  p50 ${sample.p50Ms.toFixed(1)} ms  p99 ${sample.p99Ms.toFixed(1)} ms  ${sample.cpuMsPerRequest.toFixed(2)} CPU ms/req  ${sample.peakRssMiB.toFixed(0)} MiB  subgraphs ${sample.subgraphCpuMsPerRequest.toFixed(2)} CPU ms/req`);
        }
      }
    }

    const titles = Object.fromEntries(QUERIES.map((q) => [q.name, q.title]));
    const stamp = new Date().toISOString();
    writeFileSync(path.join(RESULTS, `gateways-${stamp.replace(/[:.]/g, '-')}.json`), JSON.stringify({ stamp, settings: { ...settings, queries: settings.queries.map((q) => q.name) }, samples }, null, 2));
    // A run at another concurrency keeps its own charts: deep.svg, deep-64-connections.svg.
    const otherConcurrency = settings.connections !== DEFAULT_CONNECTIONS;
    const chartFile = (q: BenchQuery) => path.join(charts, `${q.name}${otherConcurrency ? `-${settings.connections}-connections` : ''}.svg`);
    const chartTitle = (q: BenchQuery) => `${q.title}${otherConcurrency ? `, ${settings.connections} connections` : ''}`;
    for (const q of settings.queries) writeFileSync(chartFile(q), chart(chartTitle(q), samples[q.name]));
    console.log(`\n${figuresTable(samples, titles)}`);
    console.log(`charts: ${settings.queries.map((q) => path.relative(ROOT, chartFile(q))).join(', ')}\n`);
    console.log(ratioTable(samples));
  } finally {
    await stopAll();
    await platform.stop();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
