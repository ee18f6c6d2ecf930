// How the gateway calls a subgraph: never with the client's headers, always with an internal token
// (signed by the gateway, audience = that subgraph) carrying the verified viewer, and the correlation id.
// A data source of our own over undici: the stock RemoteGraphQLDataSource builds node-fetch Headers and
// Request objects for every call and its fetcher captures a stack trace per request, which together
// cost more CPU than everything else the gateway does for a subgraph call (see BENCHMARKS.md). An
// entity fetch asks for each distinct entity once (./representations).
import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { Agent } from 'undici';
import { INTERNAL_TOKEN_HEADER, type InternalTokenSigner } from '@desk/shared';
import type { GatewayContext } from './context';
import { distinctRepresentations, spreadEntities, type DistinctRepresentations } from './representations';

/**
 * Connections to subgraphs stay open between requests, and the gateway closes idle ones after 30 s,
 * well before a subgraph would (65 s, see the subgraph server): a request sent on a connection the
 * other side is closing at that moment would fail with "socket hang up".
 */
type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

const subgraphs = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 30_000 });

export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly origin: string;
  private readonly path: string;

  constructor(private readonly subgraph: string, private readonly url: string, private readonly tokens: InternalTokenSigner) {
    const parsed = new URL(url);
    this.origin = parsed.origin;
    this.path = `${parsed.pathname}${parsed.search}`;
  }

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // The gateway's own requests (health checks, schema loads) come with an empty context.
    const viewer = (context as Partial<GatewayContext>).viewer;
    if (viewer) {
      headers[INTERNAL_TOKEN_HEADER] = await this.tokens.tokenFor(viewer, this.subgraph);
      headers['x-correlation-id'] = viewer.correlationId;
    }
    const { query, operationName, extensions } = request;
    let { variables } = request;
    let distinct: DistinctRepresentations | null = null;
    if (Array.isArray(variables?.representations)) {
      distinct = distinctRepresentations(variables.representations);
      if (distinct) variables = { ...variables, representations: distinct.representations };
    }
    const response = await subgraphs.request({
      origin: this.origin,
      path: this.path,
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables, operationName, extensions }),
    });
    const text = await response.body.text();
    const json = response.headers['content-type']?.toString().startsWith('application/') ? safeParse(text) : undefined;
    if (response.statusCode < 200 || response.statusCode > 299) {
      const statusText = STATUS_CODES[response.statusCode] ?? '';
      const code = response.statusCode === 401 ? 'UNAUTHENTICATED' : response.statusCode === 403 ? 'FORBIDDEN' : undefined;
      throw new GraphQLError(`${response.statusCode}: ${statusText}`, {
        extensions: { ...(code ? { code } : {}), response: { url: this.url, status: response.statusCode, statusText, body: json ?? text } },
      });
    }
    if (json === null || typeof json !== 'object') throw new Error(`Expected JSON response body, but received: ${text.slice(0, 200)}`);
    return distinct ? spreadEntities(json as SubgraphResponse, distinct) : json as SubgraphResponse;
  }
}

function safeParse(text: string): unknown {
  try { return JSON.parse(text); } catch { return undefined; }
}
