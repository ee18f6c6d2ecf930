// docker-compose.yml cannot be run here, so its shape is checked: every subgraph of supergraph.yaml
// and every worker runs with its port, a readiness check and the infrastructure it needs; the gateway, Postgres, NATS
// with JetStream and a mail catcher are there; the image is built from a pinned Node 20.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { planServices, ROOT } from '../scripts/platform';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }> | string[];
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const subgraphs = planServices().filter((s) => s.kind === 'subgraph');
const text = (value: unknown) => (Array.isArray(value) ? value.join(' ') : String(value ?? ''));

describe('docker-compose.yml', () => {
  it('lists subgraphs to check', () => {
    expect(subgraphs.length).toBeGreaterThan(0);
  });

  it.each(subgraphs.map((s) => [s.name, s] as const))('runs the %s subgraph on its port, checked on /ready, after its infrastructure', (name, subgraph) => {
    const service = services[name];
    expect(service).toBeDefined();
    expect(text(service.command)).toContain(subgraph.main);
    expect(service.environment?.PORT).toBe(String(subgraph.port));
    expect(service.environment?.HOST).toBe('0.0.0.0');
    expect(service.environment?.INTERNAL_JWT_PUBLIC_KEY).toBe('file:/keys/internal.pub.pem');
    expect(service.ports ?? []).toContain(`${subgraph.port}:${subgraph.port}`);
    expect(text(service.healthcheck?.test)).toContain(`${subgraph.port}/ready`);
    expect(service.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      nats: { condition: 'service_healthy' },
      keys: { condition: 'service_completed_successfully' },
    });
  });

  const workers = planServices().filter((s) => s.kind === 'worker');
  it.each(workers.map((w) => [w.name, w] as const))('runs the %s worker, checked on /ready, after its infrastructure', (name, worker) => {
    const service = services[name];
    expect(service).toBeDefined();
    expect(text(service.command)).toContain(worker.main);
    expect(service.environment?.PORT).toBe(String(worker.port));
    expect(text(service.healthcheck?.test)).toContain(`${worker.port}/ready`);
    expect(service.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, nats: { condition: 'service_healthy' } });
  });

  it('sends the email worker\'s mail to the mail catcher', () => {
    expect(services.email?.environment?.SMTP_URL).toBe('smtp://mailpit:1025');
  });

  it('runs the gateway on 4000, routed to the subgraphs by service name', () => {
    const gateway = services.gateway;
    expect(gateway).toBeDefined();
    expect(text(gateway.command)).toContain('gateway/src/main.ts');
    expect(gateway.ports ?? []).toContain('4000:4000');
    expect(gateway.environment?.HOST).toBe('0.0.0.0');
    expect(gateway.environment?.INTERNAL_JWT_PRIVATE_KEY).toMatch(/^file:\/keys\//);
    expect(gateway.environment?.AUTH_JWKS_URL).toBe('http://auth:4001/.well-known/jwks.json');
    const urls = JSON.parse(gateway.environment?.SUBGRAPH_URLS ?? '{}');
    expect(urls).toEqual(Object.fromEntries(subgraphs.map((s) => [s.name, `http://${s.name}:${s.port}/graphql`])));
    expect(Object.keys(gateway.depends_on ?? {})).toEqual(expect.arrayContaining(subgraphs.map((s) => s.name)));
    expect(text(gateway.healthcheck?.test)).toContain('/ready');
  });

  it('has Postgres 15 with a health check', () => {
    expect(services.postgres?.image).toMatch(/^postgres:15/);
    expect(services.postgres?.healthcheck).toBeDefined();
  });

  it('has a current NATS with JetStream and a health check on its monitoring port', () => {
    expect(services.nats?.image).toMatch(/^nats:2\.(11|12)\b/);
    expect(text(services.nats?.command)).toMatch(/(^|\s)(-js|--jetstream)(\s|$)/);
    expect(text(services.nats?.command)).toMatch(/-m 8222/);
    expect(text(services.nats?.healthcheck?.test)).toContain('8222/healthz');
  });

  it('has a mail catcher', () => {
    expect(services.mailpit?.image).toMatch(/^axllent\/mailpit/);
  });

  it('makes the internal key pair once, with the script npm start uses', () => {
    expect(text(services.keys?.command)).toContain('scripts/generate-keys.ts');
    expect(existsSync(path.join(ROOT, 'scripts', 'generate-keys.ts'))).toBe(true);
  });

  it('builds from a Dockerfile pinned to Node 20, run as an unprivileged user', () => {
    const dockerfile = path.join(ROOT, 'Dockerfile');
    expect(existsSync(dockerfile)).toBe(true);
    const content = readFileSync(dockerfile, 'utf8');
    expect(content).toMatch(/^FROM node:20[-.\w]*\s*$/m);
    expect(content).toMatch(/npm ci/);
    expect(content).toMatch(/^USER (?!root)\S+/m);
  });
});
