// What each gateway request carries: the verified viewer and the client it came from.
import type { Viewer } from '@desk/shared';

export interface GatewayContext {
  viewer: Viewer;
  clientName: string | null;
  clientVersion: string | null;
  /** The client's own `x-correlation-id`, logged beside the gateway's (viewer.correlationId). */
  clientCorrelationId: string | null;
  /** Set when the gateway resolves a subscription's event: not a client request of its own. */
  live?: boolean;
}
