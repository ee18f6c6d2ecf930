// What `npm start` runs and with which settings, worked out from supergraph.yaml and the environment.
// Pure apart from reading files, so that tests can check it without starting anything.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const ROOT = path.resolve(__dirname, '..');
export const SUPERGRAPH_CONFIG = path.join(ROOT, 'supergraph.yaml');
export const DEFAULT_GATEWAY_PORT = 4000;
/** Workers that serve no subgraph get ports from here on, in the order of their names. */
export const FIRST_WORKER_PORT = 4010;

export interface SubgraphConfig {
  name: string;
  routingUrl: string;
  /** Absolute path of the subgraph's schema.graphql. */
  schemaFile: string;
}

export interface SupergraphConfig {
  federationVersion: string;
  subgraphs: SubgraphConfig[];
}

/** Reads the rover-format config; `file` paths are relative to the config's directory. */
export function readSupergraphConfig(configPath = SUPERGRAPH_CONFIG): SupergraphConfig {
  return parseSupergraphConfig(readFileSync(configPath, 'utf8'), path.dirname(configPath));
}

export function parseSupergraphConfig(text: string, baseDir: string): SupergraphConfig {
  const doc = parseYaml(text) as { federation_version?: unknown; subgraphs?: Record<string, { routing_url?: unknown; schema?: { file?: unknown } }> } | null;
  if (!doc || typeof doc !== 'object') throw new Error('supergraph.yaml is empty');
  if (!doc.subgraphs || typeof doc.subgraphs !== 'object') throw new Error('supergraph.yaml has no subgraphs');
  const subgraphs: SubgraphConfig[] = [];
  for (const [name, entry] of Object.entries(doc.subgraphs)) {
    const routingUrl = entry?.routing_url;
    const file = entry?.schema?.file;
    if (typeof routingUrl !== 'string') throw new Error(`supergraph.yaml: subgraph ${name} has no routing_url`);
    if (typeof file !== 'string') throw new Error(`supergraph.yaml: subgraph ${name} has no schema.file (only local files are supported)`);
    subgraphs.push({ name, routingUrl, schemaFile: path.resolve(baseDir, file) });
  }
  return { federationVersion: String(doc.federation_version ?? '2'), subgraphs };
}

export type ServiceKind = 'subgraph' | 'gateway' | 'worker';

export interface ServiceSpec {
  name: string;
  kind: ServiceKind;
  /** Directory relative to the repository root, e.g. `subgraphs/auth`. */
  dir: string;
  /** Entry point relative to the repository root. */
  main: string;
  /** The port it listens on, PORT_OFFSET applied. */
  port: number;
  /** For subgraphs: the URL the gateway routes to. */
  url?: string;
}

export interface PlanOptions {
  root?: string;
  config?: SupergraphConfig;
  /** Added to every port (supergraph.yaml's, the gateway's and the workers'), so that a second copy can run. */
  portOffset?: number;
  gatewayPort?: number;
}

function shiftedUrl(url: string, offset: number): { url: string; port: number } {
  const parsed = new URL(url);
  const base = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  parsed.port = String(base + offset);
  return { url: parsed.toString(), port: base + offset };
}

/** Every process of the platform: the subgraphs (in supergraph.yaml's order), the gateway, then the workers. */
export function planServices(options: PlanOptions = {}): ServiceSpec[] {
  const root = options.root ?? ROOT;
  const config = options.config ?? readSupergraphConfig(path.join(root, 'supergraph.yaml'));
  const offset = options.portOffset ?? 0;
  const services: ServiceSpec[] = [];
  for (const subgraph of config.subgraphs) {
    const dir = path.relative(root, path.dirname(subgraph.schemaFile)).split(path.sep).join('/');
    const { url, port } = shiftedUrl(subgraph.routingUrl, offset);
    services.push({ name: subgraph.name, kind: 'subgraph', dir, main: `${dir}/src/main.ts`, port, url });
  }
  services.push({ name: 'gateway', kind: 'gateway', dir: 'gateway', main: 'gateway/src/main.ts', port: (options.gatewayPort ?? DEFAULT_GATEWAY_PORT) + offset });
  const taken = new Set(services.map((s) => s.dir));
  const workersDir = path.join(root, 'workers');
  const workers = existsSync(workersDir) ? readdirSync(workersDir).sort() : [];
  let nextPort = FIRST_WORKER_PORT;
  for (const name of workers) {
    const dir = `workers/${name}`;
    if (taken.has(dir) || !existsSync(path.join(root, dir, 'src', 'main.ts'))) continue;
    const usedNames = new Set(services.map((s) => s.name));
    services.push({ name: usedNames.has(name) ? `${name}-worker` : name, kind: 'worker', dir, main: `${dir}/src/main.ts`, port: nextPort + offset });
    nextPort += 1;
  }
  return services;
}

/** Where the platform's Postgres, NATS and keys are; filled in by the start script. */
export interface Infrastructure {
  databaseUrl: string;
  /** Each service's own URL (its role, made by the database setup); a service without one gets databaseUrl. */
  databaseUrls?: Record<string, string>;
  natsUrl: string;
  publicKey: string;
  privateKey: string;
  adminEmail?: string;
  adminPassword?: string;
  /** Signs the SANDBOX payment provider's webhooks (development). */
  sandboxWebhookSecret?: string;
}

type Env = Record<string, string | undefined>;

/**
 * The environment of one service: the caller's environment (so anything set by hand wins where it is
 * meaningful), plus where Postgres, NATS and the keys are, plus the service's own port. PORT is always
 * the service's: one PORT in the caller's environment cannot be right for every process.
 */
export function serviceEnv(service: ServiceSpec, services: ServiceSpec[], infra: Infrastructure, source: Env = process.env): Record<string, string> {
  const pick = (key: string, fallback: string): string => (source[key] !== undefined && source[key] !== '' ? source[key]! : fallback);
  const env: Env = {
    ...source,
    NODE_ENV: pick('NODE_ENV', 'development'),
    LOG_LEVEL: pick('LOG_LEVEL', 'info'),
    HOST: pick('HOST', '127.0.0.1'),
    PORT: String(service.port),
    DATABASE_URL: infra.databaseUrls?.[service.name] ?? infra.databaseUrl,
    NATS_URL: infra.natsUrl,
    NATS_PREFIX: pick('NATS_PREFIX', 'desk'),
    INTERNAL_JWT_PUBLIC_KEY: pick('INTERNAL_JWT_PUBLIC_KEY', infra.publicKey),
  };
  const auth = services.find((s) => s.kind === 'subgraph' && s.name === 'auth');
  const authOrigin = auth ? `http://127.0.0.1:${auth.port}` : undefined;
  if (service.kind === 'subgraph' && service.name === 'auth') {
    env.JWT_ISSUER = pick('JWT_ISSUER', authOrigin!);
    env.JWT_AUDIENCE = pick('JWT_AUDIENCE', 'desk-api');
    if (infra.adminEmail !== undefined) env.ADMIN_EMAIL = pick('ADMIN_EMAIL', infra.adminEmail);
    if (infra.adminPassword !== undefined) env.ADMIN_PASSWORD = pick('ADMIN_PASSWORD', infra.adminPassword);
  }
  if (service.kind === 'subgraph' && service.name === 'payment' && infra.sandboxWebhookSecret !== undefined) {
    env.SANDBOX_WEBHOOK_SECRET = pick('SANDBOX_WEBHOOK_SECRET', infra.sandboxWebhookSecret);
  }
  if (service.kind === 'gateway') {
    env.GATEWAY_PORT = String(service.port);
    env.INTERNAL_JWT_PRIVATE_KEY = pick('INTERNAL_JWT_PRIVATE_KEY', infra.privateKey);
    if (authOrigin) {
      env.AUTH_JWKS_URL = pick('AUTH_JWKS_URL', `${authOrigin}/.well-known/jwks.json`);
      env.JWT_ISSUER = pick('JWT_ISSUER', authOrigin);
    }
    env.JWT_AUDIENCE = pick('JWT_AUDIENCE', 'desk-api');
    // The committed supergraph names supergraph.yaml's URLs; these also hold when PORT_OFFSET moves them.
    env.SUBGRAPH_URLS = JSON.stringify(Object.fromEntries(services.filter((s) => s.kind === 'subgraph').map((s) => [s.name, s.url!])));
  } else {
    delete env.GATEWAY_PORT;
  }
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A database URL with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Delay before the n-th restart (n from 0) of a process that keeps dying: 0.5 s doubling up to 30 s. */
export function restartDelay(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, attempt));
}

/** Pads and colours service names so that interleaved log lines line up. */
export function prefixer(names: string[], colour: boolean): (name: string) => string {
  const width = Math.max(...names.map((n) => n.length), 7);
  const palette = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94];
  const codes = new Map(names.map((n, i) => [n, palette[i % palette.length]]));
  return (name) => {
    const label = name.padEnd(width);
    const code = codes.get(name) ?? 37;
    return colour ? `\u001b[${code}m${label}\u001b[0m | ` : `${label} | `;
  };
}
