// Keeps the auth subgraph's copy of each user's name, locale and roles in step with the user
// subgraph, which owns them. A change of roles also ends the access tokens that carry the old ones
// (refresh tokens keep working, so the client simply gets a token with the new roles).
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
        const { userId, roles } = event.payload;
        await handleOnce(deps.dataSource.manager, PROJECTION_CONSUMER, event.id, async (tx) => {
          const rolesVersion = await deps.accounts.updateRoles(tx, userId, roles);
          if (rolesVersion === null) return;
          await appendEvent(tx, SessionRevoked, { userId, sessionId: null, reason: 'roles-changed', revokedAt: new Date().toISOString(), rolesVersion }, {
            correlationId: event.correlationId, causationId: event.id, actorId: event.actorId,
          });
        });
        deps.relay.kick();
        child.info({ userId, roles }, 'roles updated; older access tokens revoked');
      }),
      on(UserProfileUpdated, async (event) => {
        const { userId, name, locale } = event.payload;
        await handleOnce(deps.dataSource.manager, PROJECTION_CONSUMER, event.id, (tx) => deps.accounts.updateProfile(tx, userId, { name, locale }));
      }),
    ],
  }, log);
}
