// What each gateway request carries: the verified viewer and the internal tokens made for it.
import type { Viewer } from '@desk/shared';

export interface GatewayContext {
  viewer: Viewer;
  clientName: string | null;
  clientVersion: string | null;
  /** One internal token per subgraph per request, signed on first use. */
  internalTokens: Map<string, Promise<string>>;
  /** Set when the gateway resolves a subscription's event: not a client request of its own. */
  live?: boolean;
}
