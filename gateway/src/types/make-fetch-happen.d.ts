// The part of make-fetch-happen (the fetcher @apollo/gateway calls subgraphs with) that the gateway uses.
declare module 'make-fetch-happen' {
  import type { Fetcher } from '@apollo/utils.fetcher';

  interface Defaults {
    maxSockets?: number;
    retry?: boolean;
    /** Per-socket timeouts of its agent; `idle` closes a connection that saw no traffic for that long. */
    timeouts?: { idle?: number; connection?: number; response?: number; transfer?: number };
  }
  const fetch: { defaults(options: Defaults): Fetcher };
  export default fetch;
}
