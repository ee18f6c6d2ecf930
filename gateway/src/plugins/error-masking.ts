// What clients see of errors. Coded errors keep their message; anything else is logged in full and, in
// production, reaches the client as a generic error. In production no stack, no subgraph name.
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, isClientSafe, type Logger } from '@desk/shared';

const PUBLIC_EXTENSIONS = new Set(['code', 'field', 'retryAfterSeconds']);

export function gatewayFormatError(log: Logger, production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const safe = isClientSafe(code);
    if (!safe) {
      log.error({ err: (error as { originalError?: unknown })?.originalError ?? error, extensions: formatted.extensions, path: formatted.path }, 'operation failed');
    }
    if (!production) return formatted;
    if (!safe) return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
    const extensions = Object.fromEntries(Object.entries(formatted.extensions ?? {}).filter(([key]) => PUBLIC_EXTENSIONS.has(key)));
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
  };
}
