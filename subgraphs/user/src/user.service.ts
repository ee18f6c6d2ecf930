// The user subgraph's use cases: reading profiles under the policy, changing a profile or roles with
// the matching event in the same transaction, and recording registrations.
import {
  BadUserInputError, ForbiddenError, NotFoundError, UnauthenticatedError, UserProfileUpdated, UserRolesChanged,
  appendEvent, awaitProjection, handleOnce, isUuid, newestFirst,
  type CountedConnection, type EventEnvelope, type Logger, type OutboxRelay, type PageArgs, type PayloadOf, type Role, type UserRegistered, type Viewer,
} from '@desk/shared';
import type DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { validateProfileInput, type ProfileInput } from './domain/profile';
import { LastAdminError, normalizeRoles } from './domain/roles';
import type { UserRecord } from './domain/user';
import { can } from './policy';
import type { UserRepository } from './user.repository';

export const SEARCH_MAX = 100;

export type PrivateField = 'email' | 'document' | 'phone';

export type UserConnection = CountedConnection<UserRecord>;

/** What the service needs that outlives a request. */
export interface UserServiceDeps {
  dataSource: DataSource;
  repository: UserRepository;
  relay: OutboxRelay;
}

/** One per request: bound to the viewer and the request's user loader. */
export class UserService {
  constructor(
    private readonly deps: UserServiceDeps,
    private readonly viewer: Viewer,
    private readonly loader: DataLoader<string, UserRecord | null>,
    private readonly log: Logger,
  ) {}

  /**
   * The viewer's own profile. A signed-in viewer's account exists, so a missing profile is one whose
   * registration event is still on its way (milliseconds after `register`): wait for it briefly.
   */
  async me(): Promise<UserRecord | null> {
    const userId = this.viewer.userId;
    if (!userId) return null;
    return awaitProjection(async () => {
      const user = await this.loader.load(userId);
      if (!user) this.loader.clear(userId);
      return user;
    });
  }

  async user(id: string): Promise<UserRecord | null> {
    if (!isUuid(id)) throw new BadUserInputError('id is not a valid user id', 'id');
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'user:read', { id })) throw new ForbiddenError('You may only see your own profile');
    return this.loader.load(id);
  }

  /**
   * A reference from another subgraph: the public part of a user is visible to anyone the gateway
   * resolves it for; private fields are guarded field by field.
   */
  async reference(id: string): Promise<UserRecord | null> {
    return isUuid(id) ? this.loader.load(id) : null;
  }

  /** The value of a private field, or null when the viewer may not see it. */
  privateField(user: UserRecord, field: PrivateField): string | null {
    return can(this.viewer, 'user:read-private', user) ? user[field] : null;
  }

  async list(args: PageArgs & { search?: string | null }): Promise<UserConnection> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'user:list')) throw new ForbiddenError('Only staff may list users');
    const request = newestFirst.request(args);
    const search = normalizeSearch(args.search);
    const page = await this.deps.repository.page({ search }, request);
    for (const row of page.rows) this.loader.prime(row.id, row);
    return newestFirst.connection(page, request, (u) => ({ at: u.createdAt, id: u.id }));
  }

  async updateProfile(input: ProfileInput): Promise<UserRecord> {
    const userId = this.viewer.userId;
    if (!userId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'user:update-profile', { id: userId })) throw new ForbiddenError();
    const changes = validateProfileInput(input);
    await this.me(); // a profile registered a moment ago may still be on its way
    const updated = await this.deps.dataSource.transaction(async (tx) => {
      const current = await this.deps.repository.findForUpdate(tx, userId);
      if (!current) throw new NotFoundError('User', userId);
      if (Object.keys(changes).length === 0) return current;
      const next: UserRecord = { ...current, ...changes, updatedAt: new Date() };
      const version = await this.deps.repository.updateProfile(tx, userId, changes, next.updatedAt);
      await appendEvent(tx, UserProfileUpdated, { userId, name: next.name, locale: next.locale, phone: next.phone, version }, this.cause());
      return next;
    });
    this.deps.relay.kick();
    this.loader.clear(userId).prime(userId, updated);
    this.log.info({ userId, fields: Object.keys(changes) }, 'profile updated');
    return updated;
  }

  async setRoles(userId: string, roles: readonly Role[]): Promise<UserRecord> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'user:set-roles', { id: userId })) throw new ForbiddenError('Only admins may change roles');
    if (!isUuid(userId)) throw new BadUserInputError('userId is not a valid user id', 'userId');
    const wanted = normalizeRoles(roles);
    // A user who registered a moment ago may still be on the way here (the registration is an event).
    await awaitProjection(async () => (await this.deps.repository.findByIds([userId]))[0] ?? null);
    const updated = await this.deps.dataSource.transaction(async (tx) => {
      await this.deps.repository.lockRoleChanges(tx);
      const current = await this.deps.repository.findForUpdate(tx, userId);
      if (!current) throw new NotFoundError('User', userId);
      if (current.roles.includes('ADMIN') && !wanted.includes('ADMIN') && await this.deps.repository.countAdmins(tx) <= 1) {
        throw new LastAdminError();
      }
      const next: UserRecord = { ...current, roles: wanted, updatedAt: new Date() };
      const version = await this.deps.repository.updateRoles(tx, userId, wanted, next.updatedAt);
      await appendEvent(tx, UserRolesChanged, { userId, roles: wanted, previousRoles: current.roles, version }, this.cause());
      return next;
    });
    this.deps.relay.kick();
    this.loader.clear(userId).prime(userId, updated);
    this.log.info({ userId, roles: wanted }, 'roles changed');
    return updated;
  }

  private cause() {
    return { correlationId: this.viewer.correlationId, actorId: this.viewer.userId };
  }
}

/** Records a registration as a user, once per event and once per user id. */
export async function recordRegistration(
  deps: Pick<UserServiceDeps, 'dataSource' | 'repository'>,
  consumer: string,
  event: EventEnvelope<PayloadOf<typeof UserRegistered>>,
  log: Logger,
): Promise<void> {
  const p = event.payload;
  const fresh = await handleOnce(deps.dataSource.manager, consumer, event.id, (tx) => deps.repository.insertIfAbsent(tx, {
    id: p.userId, email: p.email, name: p.name, roles: normalizeRoles(p.roles), guest: p.guest, locale: p.locale, createdAt: new Date(p.registeredAt),
  }));
  log.info({ userId: p.userId, repeat: !fresh }, fresh ? 'user recorded' : 'registration already handled');
}

function normalizeSearch(search: string | null | undefined): string | null {
  if (search === null || search === undefined) return null;
  if (search.length > SEARCH_MAX) throw new BadUserInputError(`search must be at most ${SEARCH_MAX} characters`, 'search');
  const text = search.trim().toLowerCase();
  return text === '' ? null : text;
}
