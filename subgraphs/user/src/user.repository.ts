// Storage of users in Postgres (schema `users`), through TypeORM with an EntitySchema. Everything it
// returns is a plain UserRecord; write methods take the caller's transaction.
import { Where, keysetPage, newestFirstOrder, returnedRows, type Page, type PageRequest, type Role, type TimePosition } from '@desk/shared';
import { EntitySchema, type DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type { Locale, UserRecord } from './domain/user';

export const UserEntity = new EntitySchema<UserRecord>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'uuid', primary: true },
    email: { type: 'text', nullable: true },
    name: { type: 'text' },
    roles: { type: 'text', array: true },
    document: { type: 'text', nullable: true },
    phone: { type: 'text', nullable: true },
    locale: { type: 'text' },
    guest: { type: 'boolean' },
    createdAt: { type: 'timestamptz', name: 'created_at', precision: 3 },
    updatedAt: { type: 'timestamptz', name: 'updated_at', precision: 3 },
  },
});

export interface UserFilterQuery {
  /** Already lower-cased and trimmed; matched anywhere in email or name. */
  search: string | null;
}

export interface NewUser {
  id: string;
  email: string | null;
  name: string;
  roles: Role[];
  guest: boolean;
  locale: Locale;
  createdAt: Date;
}

// Raw SQL for the by-id loads, the hottest read, and for pages: TypeORM's query building and
// hydration cost more than the query, and a page and its total are one statement. Aliased to the
// record's names so that `toRecord` serves every path.
const USER_COLUMNS = 'id, email, name, roles, document, phone, locale, guest, created_at AS "createdAt", updated_at AS "updatedAt"';

export type ProfileColumns = Partial<Pick<UserRecord, 'name' | 'document' | 'phone' | 'locale'>>;

/** The only columns a profile change writes; their names are put into SQL as they are. */
const PROFILE_COLUMNS = ['name', 'document', 'phone', 'locale'] as const;

const toRecord = (row: UserRecord): UserRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  roles: [...row.roles],
  document: row.document,
  phone: row.phone,
  locale: row.locale,
  guest: row.guest,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** `%`, `_` and the escape character itself are literal in a user's search text. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  private query(manager: EntityManager = this.dataSource.manager): SelectQueryBuilder<UserRecord> {
    return manager.getRepository(UserEntity).createQueryBuilder('u');
  }

  /** One `WHERE id = ANY($1)` query, whatever the number of ids; unknown ids are simply absent. */
  async findByIds(ids: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    const rows: UserRecord[] = await this.dataSource.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1)`, [[...ids]]);
    return rows.map(toRecord);
  }

  /** Newest first, the id breaking ties; `limit + 1` rows when there are more, and the total when asked for. */
  page(query: UserFilterQuery, request: PageRequest<TimePosition>): Promise<Page<UserRecord>> {
    const where = new Where();
    if (query.search) where.add((p) => `(lower(email) LIKE ${p} OR lower(name) LIKE ${p})`, likePattern(query.search));
    return keysetPage(this.dataSource, { table: 'users', columns: USER_COLUMNS, where, order: newestFirstOrder('created_at') }, request, toRecord);
  }

  /** Inserts a user first seen in a registration; a second delivery of the same one changes nothing. */
  async insertIfAbsent(manager: EntityManager, user: NewUser): Promise<void> {
    await manager.query(
      `INSERT INTO users (id, email, name, roles, guest, locale, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING`,
      [user.id, user.email, user.name, user.roles, user.guest, user.locale, user.createdAt],
    );
  }

  /** Reads a user and locks the row until the transaction ends. */
  async findForUpdate(manager: EntityManager, id: string): Promise<UserRecord | null> {
    const row = await this.query(manager).setLock('pessimistic_write').where('u.id = :id', { id }).getOne();
    return row ? toRecord(row) : null;
  }

  /** Writes the changed fields; returns the profile's new version (the caller holds the row's lock). */
  async updateProfile(manager: EntityManager, id: string, changes: ProfileColumns, at: Date): Promise<number> {
    const columns = PROFILE_COLUMNS.filter((column) => changes[column] !== undefined);
    const set = columns.map((column, i) => `${column} = $${i + 3}, `).join('');
    const rows = returnedRows<{ profile_version: number }>(await manager.query(
      `UPDATE users SET ${set}updated_at = $2, profile_version = profile_version + 1 WHERE id = $1 RETURNING profile_version`,
      [id, at, ...columns.map((column) => changes[column])],
    ));
    return rows[0].profile_version;
  }

  /** Writes the roles; returns their new version (the caller holds the row's lock). */
  async updateRoles(manager: EntityManager, id: string, roles: Role[], at: Date): Promise<number> {
    const rows = returnedRows<{ roles_version: number }>(await manager.query(
      'UPDATE users SET roles = $2, updated_at = $3, roles_version = roles_version + 1 WHERE id = $1 RETURNING roles_version',
      [id, roles, at],
    ));
    return rows[0].roles_version;
  }

  /**
   * Serializes role changes until the transaction ends, so that two admins demoting each other at
   * once cannot both see the other as the remaining admin.
   */
  async lockRoleChanges(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['users:roles']);
  }

  async countAdmins(manager: EntityManager): Promise<number> {
    return this.query(manager).where(':admin = ANY(u.roles)', { admin: 'ADMIN' }).getCount();
  }
}
