import { createEnvelope, parseEnvelope } from '../src/events/define-event';
import { SessionRevoked, UserRegistered } from '../src/events/auth.events';

const cause = { correlationId: 'req-1', actorId: null };
const registered = {
  userId: '6f1c7c1e-6a43-4a55-9a7e-0d8a3f3c2b11', email: 'a@example.com', name: 'Ana', roles: ['CUSTOMER' as const],
  guest: false, locale: 'pt-BR' as const, registeredAt: new Date().toISOString(),
};

describe('event contracts', () => {
  test('an envelope carries id, time, type, version and cause, and parses back', () => {
    const envelope = createEnvelope(UserRegistered, registered, cause);
    expect(envelope).toMatchObject({ type: 'auth.user-registered', version: 1, correlationId: 'req-1', causationId: null, payload: registered });
    expect(parseEnvelope(UserRegistered, JSON.parse(JSON.stringify(envelope))).payload).toEqual(registered);
  });

  test('a publisher cannot write a payload that breaks the contract', () => {
    expect(() => createEnvelope(UserRegistered, { ...registered, email: 'nope' }, cause)).toThrow();
    expect(() => createEnvelope(UserRegistered, { ...registered, roles: [] }, cause)).toThrow();
  });

  test('a consumer refuses another type, another version, or a bad payload', () => {
    const envelope = createEnvelope(UserRegistered, registered, cause);
    expect(() => parseEnvelope(SessionRevoked, envelope)).toThrow(/expected event/);
    expect(() => parseEnvelope(UserRegistered, { ...envelope, version: 2 })).toThrow(/version/);
    expect(() => parseEnvelope(UserRegistered, { ...envelope, payload: { ...registered, userId: 'x' } })).toThrow();
    expect(() => parseEnvelope(UserRegistered, { ...envelope, id: 'not-a-uuid' })).toThrow();
  });
});
