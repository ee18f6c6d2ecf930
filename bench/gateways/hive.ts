// Starts Hive Gateway for the gateway benchmark: its CLI in one Node process (no worker forks) pinned
// to one CPU, configured by hive/gateway.config.ts, and returns once it answers GraphQL.
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface GatewayUnderTest { name: string; url: string; pid: number; stop(): Promise<void> }

export interface HiveGatewayOptions {
  /** Hive's --jit: GraphQL documents compiled to JavaScript functions. */
  jit: boolean;
  cpu: number;
  port: number;
  supergraphPath: string;
  /** Subgraph name (as in supergraph.yaml) → URL, in place of the supergraph's routing URLs. */
  subgraphUrls: Record<string, string>;
  jwksUrl: string;
  issuer: string;
  audience: string;
  internalPrivateKeyPem: string;
}

const BENCH = path.resolve(__dirname, '..');
const CLI = path.join(BENCH, 'node_modules/@graphql-hive/gateway/dist/bin.js');
const CONFIG = path.join(__dirname, 'hive/gateway.config.ts');
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export async function startHiveGateway(options: HiveGatewayOptions): Promise<GatewayUnderTest> {
  const name = options.jit ? 'hive-jit' : 'hive';
  const url = `http://127.0.0.1:${options.port}/graphql`;
  // taskset execs node, so the child's pid is the gateway's own; --fork 1 keeps it to that one process.
  const child = spawn('taskset', [
    '-c', String(options.cpu),
    process.execPath, CLI, 'supergraph', path.resolve(options.supergraphPath),
    '--config-path', CONFIG,
    '--host', '127.0.0.1',
    '--port', String(options.port),
    '--fork', '1',
    ...(options.jit ? ['--jit'] : []),
  ], {
    cwd: BENCH,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      SUBGRAPH_URLS: JSON.stringify(options.subgraphUrls),
      AUTH_JWKS_URL: options.jwksUrl,
      JWT_ISSUER: options.issuer,
      JWT_AUDIENCE: options.audience,
      INTERNAL_JWT_PRIVATE_KEY: options.internalPrivateKeyPem,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
  let failure: Error | null = null;
  child.on('error', (error) => { failure = error; });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (failure || child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited before answering (${failure ?? child.exitCode ?? child.signalCode}):\n${stderr}`);
    }
    if (await answers(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not answer within ${STARTUP_TIMEOUT_MS / 1000} s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { name, url, pid: child.pid!, stop };
}

/** Whether the gateway serves its supergraph yet: `{ __typename }` needs no subgraph. */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const body = await response.json() as { data?: { __typename?: string } };
    return body.data?.__typename === 'Query';
  } catch {
    return false;
  }
}
