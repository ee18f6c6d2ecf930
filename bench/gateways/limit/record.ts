// Records the subgraph calls our gateway makes for one request (through a recording proxy in front of
// each subgraph) and turns them, with the query plan, into a replay program for the limit server.
import http from 'node:http';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode } from '@apollo/query-planner';
import { parse } from 'graphql';
import { listenOnTestPort } from '@desk/shared/testing';
import { collect, deepMerge, type Step } from './program';

interface Recorded { service: string; body: string; answer: string; used?: boolean }

export interface Recorder {
  /** Each subgraph's URL through the recorder. */
  urls: Record<string, string>;
  /** The calls made since the last take. */
  take(): Recorded[];
  close(): Promise<void>;
}

export async function startRecorder(targets: Record<string, string>): Promise<Recorder> {
  let calls: Recorded[] = [];
  const servers: http.Server[] = [];
  const urls: Record<string, string> = {};
  for (const [service, target] of Object.entries(targets)) {
    const server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString();
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'content-length')) as Record<string, string>;
      const response = await fetch(target, { method: 'POST', headers, body });
      const answer = await response.text();
      calls.push({ service, body, answer });
      res.writeHead(response.status, { 'content-type': 'application/json' }).end(answer);
    });
    urls[service] = `${await listenOnTestPort(server)}/graphql`;
    servers.push(server);
  }
  return {
    urls,
    take() { const taken = calls; calls = []; return taken; },
    async close() {
      for (const server of servers) { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)); }
    },
  };
}

export function planFor(supergraphSdl: string, query: string): PlanNode {
  const supergraph = Supergraph.build(supergraphSdl);
  const operation = operationFromDocument(supergraph.apiSchema(), parse(query));
  const plan = new QueryPlanner(supergraph).buildQueryPlan(operation);
  if (!plan.node || plan.node.kind === 'Subscription') throw new Error('expected the plan of a query');
  return plan.node;
}

const matches = (representation: Record<string, unknown>, target: Record<string, unknown>): boolean =>
  Object.entries(representation).every(([key, value]) => JSON.stringify(target[key]) === JSON.stringify(value));

/** The replay program of one request: the plan's structure with the recorded calls in its fetches. */
export function compile(node: PlanNode, calls: Recorded[]): Step {
  const root: Record<string, any> = {};
  const fetchOf = (service: string, operation: string): Recorded => {
    const call = calls.find((c) => !c.used && c.service === service && JSON.parse(c.body).query === operation);
    if (!call) throw new Error(`the gateway made no call to ${service} for: ${operation}`);
    call.used = true;
    return call;
  };
  const walk = (plan: PlanNode): Step => {
    switch (plan.kind) {
      case 'Sequence':
      case 'Parallel':
        return { kind: plan.kind === 'Sequence' ? 'sequence' : 'parallel', steps: plan.nodes.map(walk) };
      case 'Fetch': {
        const call = fetchOf(plan.serviceName, plan.operation);
        deepMerge(root, JSON.parse(call.answer).data);
        return { kind: 'fetch', service: call.service, body: call.body, path: null, entityIndex: null };
      }
      case 'Flatten': {
        if (plan.node.kind !== 'Fetch') throw new Error(`unsupported flatten of ${plan.node.kind}`);
        const path = plan.path.map(String);
        if (path.some((segment) => segment.includes('|'))) throw new Error('type-conditioned paths are not supported');
        const call = fetchOf(plan.node.serviceName, plan.node.operation);
        const representations = JSON.parse(call.body).variables.representations as Record<string, unknown>[];
        const entities = JSON.parse(call.answer).data._entities;
        const targets = collect(root, path);
        const entityIndex = targets.map((target) => representations.findIndex((r) => matches(r, target)));
        targets.forEach((target, k) => { if (entityIndex[k] >= 0) deepMerge(target, entities[entityIndex[k]]); });
        return { kind: 'fetch', service: call.service, body: call.body, path, entityIndex };
      }
      default:
        throw new Error(`unsupported plan node ${plan.kind}`);
    }
  };
  const step = walk(node);
  const unused = calls.filter((c) => !c.used);
  if (unused.length > 0) throw new Error(`the plan does not account for ${unused.length} call(s) to ${unused.map((c) => c.service).join(', ')}`);
  return step;
}
