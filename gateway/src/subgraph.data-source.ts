// How the gateway calls a subgraph: never with the client's headers, always with an internal token
// (signed by the gateway, audience = that subgraph) carrying the verified viewer, and the correlation id.
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { CryptoKey } from 'jose';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '@desk/shared';
import type { GatewayContext } from './context';

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly subgraph: string, url: string, private readonly internalKey: CryptoKey) {
    super({ url });
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
