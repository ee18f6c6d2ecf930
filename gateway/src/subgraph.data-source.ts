// How the gateway calls a subgraph: never with the client's headers, always with an internal token
// (signed by the gateway, audience = that subgraph) carrying the verified viewer, and the correlation id.
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { CryptoKey } from 'jose';
import makeFetchHappen from 'make-fetch-happen';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '@desk/shared';
import type { GatewayContext } from './context';

/**
 * Connections to subgraphs stay open between requests, and the gateway closes idle ones after 30 s,
 * well before a subgraph would (65 s, see the subgraph server): a request sent on a connection the
 * other side is closing at that moment would fail with "socket hang up".
 */
const fetcher = makeFetchHappen.defaults({ maxSockets: Infinity, retry: false, timeouts: { idle: 30_000 } });

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly subgraph: string, url: string, private readonly internalKey: CryptoKey) {
    super({ url, fetcher });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // The gateway's own requests (health checks, schema loads) come with an empty context.
    const viewer = (context as Partial<GatewayContext>).viewer;
    if (!viewer || !request.http) return;
    const tokens = (context as GatewayContext).internalTokens;
    let token = tokens.get(this.subgraph);
    if (!token) {
      token = signInternalToken(this.internalKey, viewer, this.subgraph);
      tokens.set(this.subgraph, token);
    }
    request.http.headers.set(INTERNAL_TOKEN_HEADER, await token);
    request.http.headers.set('x-correlation-id', viewer.correlationId);
  }
}
