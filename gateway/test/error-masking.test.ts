import { createLogger } from '@desk/shared';
import { gatewayFormatError } from '../src/plugins/error-masking';

const log = createLogger('test', 'silent');
const internal = { message: 'connect ECONNREFUSED 10.0.0.5:4002', path: ['me'], extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'user', stacktrace: ['Error: at x'] } };
const coded = { message: 'You must be signed in', path: ['users'], extensions: { code: 'UNAUTHENTICATED', serviceName: 'user', stacktrace: ['at y'] } };

describe('error masking', () => {
  test('in production an unexpected error becomes a generic one', () => {
    expect(gatewayFormatError(log, true)(internal, new Error('x'))).toEqual({ message: 'Internal server error', path: ['me'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
  test('an error without a code is unexpected too', () => {
    expect(gatewayFormatError(log, true)({ message: 'boom' }, new Error('boom')).message).toBe('Internal server error');
  });
  test('in production a coded error keeps its message but loses stack and subgraph name', () => {
    expect(gatewayFormatError(log, true)(coded, null)).toEqual({ message: 'You must be signed in', path: ['users'], extensions: { code: 'UNAUTHENTICATED' } });
  });
  test('in development errors pass as they are', () => {
    expect(gatewayFormatError(log, false)(internal, new Error('x'))).toBe(internal);
  });
});
