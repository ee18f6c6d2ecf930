// Keeps the auth subgraph's copy of each user's name, locale and roles in step with the user
// subgraph, which owns them. A change of roles also ends the access tokens that carry the old ones
// (refresh tokens keep working, so the client simply gets a token with the new roles). Each fact is
// applied only when its version is newer than the one stored: events are handled many at a time and a
// retried one comes late, and an older set of roles must never come back.
import {
  SessionRevoked, UserProfileUpdated, UserRolesChanged, appendEvent, handleOnce, on, startConsumer, subjects,
  type Logger, type NatsConnection, type OutboxRelay, type RunningConsumer,
} from '@desk/shared';
import type { DataSource } from 'typeorm';
import type { AccountRepository } from './account.repository';

export const PROJECTION_CONSUMER = 'auth-user-projection';

export interface ProjectionDeps {
  dataSource: DataSource;
  accounts: AccountRepository;
  relay: OutboxRelay;
}

export function startAccountProjection(nc: NatsConnection, prefix: string, deps: ProjectionDeps, log: Logger): Promise<RunningConsumer> {
  return startConsumer(nc, prefix, {
    durable: PROJECTION_CONSUMER,
    filterSubject: subjects(prefix).event('user.>'),
    handlers: [
      on(UserRolesChanged, async (event, child) => {
        const { userId, roles, version } = event.payload;
        let applied = false;
        const fresh = await handleOnce(deps.dataSource.manager, PROJECTION_CONSUMER, event.id, async (tx) => {
          const rolesVersion = await deps.accounts.updateRoles(tx, userId, roles, version);
          if (rolesVersion === null) return;
          applied = true;
          await appendEvent(tx, SessionRevoked, { userId, sessionId: null, reason: 'roles-changed', revokedAt: new Date().toISOString(), rolesVersion }, {
            correlationId: event.correlationId, causationId: event.id, actorId: event.actorId,
          });
        });
        if (!applied) {
          child.info({ userId, version }, fresh ? 'roles change skipped: a newer one is applied already, or the account is unknown' : 'roles change already handled');
          return;
        }
        deps.relay.kick();
        child.info({ userId, roles, version }, 'roles updated; older access tokens revoked');
      }),
      on(UserProfileUpdated, async (event, child) => {
        const { userId, name, locale, version } = event.payload;
        await handleOnce(deps.dataSource.manager, PROJECTION_CONSUMER, event.id, async (tx) => {
          if (!await deps.accounts.updateProfile(tx, userId, { name, locale }, version)) {
            child.info({ userId, version }, 'profile change skipped: a newer one is applied already, or the account is unknown');
          }
        });
      }),
    ],
  }, log);
}
