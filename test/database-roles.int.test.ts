// Least privilege in Postgres: every service connects as its own role, which owns its schema and
// nothing else; it can neither read nor change another service's tables nor create anything elsewhere.
import { Client } from 'pg';
import { databaseName } from '@desk/shared';
import { SERVICES, startPlatform, type Platform } from './support/platform';

let platform: Platform;
beforeAll(async () => { platform = await startPlatform(); });
afterAll(() => platform?.stop());

/** Runs `work` connected as `url`'s role. */
async function as<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try { return await work(client); } finally { await client.end(); }
}

/** The SQLSTATE a statement fails with, or 'ok'. */
const outcome = (client: Client, sql: string): Promise<string> =>
  client.query(sql).then(() => 'ok', (error: { code?: string }) => error.code ?? String(error));

const PERMISSION_DENIED = '42501';

describe('when the platform runs', () => {
  test('then each service is connected as a role of its own, none of them privileged', async () => {
    const database = databaseName(platform.db.url);
    const roles = SERVICES.map((name) => decodeURIComponent(new URL(platform.databaseUrls[name]).username));
    expect(new Set(roles).size).toBe(SERVICES.length);
    const seen = await as(platform.db.url, async (admin) => (await admin.query<{ usename: string }>(
      'SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY usename', [database],
    )).rows.map((row) => row.usename));
    expect(seen).toEqual([...roles].sort());
    const privileged = await as(platform.db.url, async (admin) => (await admin.query(
      'SELECT rolname FROM pg_roles WHERE rolname = ANY($1) AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolbypassrls OR rolreplication)', [roles],
    )).rows);
    expect(privileged).toEqual([]);
  });
});

describe('when a service\'s role reaches for another service\'s data', () => {
  test('then the ticket role may neither read nor change the auth schema\'s accounts and refresh tokens', async () => {
    await as(platform.databaseUrls.ticket, async (ticket) => {
      expect(await outcome(ticket, 'SELECT * FROM auth.accounts')).toBe(PERMISSION_DENIED);
      expect(await outcome(ticket, 'SELECT * FROM auth.refresh_tokens')).toBe(PERMISSION_DENIED);
      expect(await outcome(ticket, 'DELETE FROM auth.refresh_tokens')).toBe(PERMISSION_DENIED);
      expect(await outcome(ticket, "UPDATE auth.accounts SET email = 'me@example.com'")).toBe(PERMISSION_DENIED);
      expect(await outcome(ticket, 'SELECT * FROM users.users')).toBe(PERMISSION_DENIED);
      // Its own tables it reads as usual.
      expect(await outcome(ticket, 'SELECT count(*) FROM tickets.tickets')).toBe('ok');
    });
  });

  test('then the auth role may not read the log worker\'s trail', async () => {
    await as(platform.databaseUrls.auth, async (auth) => {
      expect(await outcome(auth, 'SELECT * FROM logs.request_logs')).toBe(PERMISSION_DENIED);
    });
  });

  test('then a role creates nothing outside its schema: not in public, not in another schema, no schema of its own', async () => {
    await as(platform.databaseUrls.ticket, async (ticket) => {
      expect(await outcome(ticket, 'CREATE TABLE public.stolen (secret text)')).toBe(PERMISSION_DENIED);
      expect(await outcome(ticket, 'CREATE TABLE auth.stolen (secret text)')).toBe(PERMISSION_DENIED);
      expect(await outcome(ticket, 'CREATE SCHEMA stolen')).toBe(PERMISSION_DENIED);
      expect(await outcome(ticket, 'CREATE ROLE stolen')).toBe(PERMISSION_DENIED);
      // In its own schema it may, as its migrations do (undone here).
      await ticket.query('BEGIN');
      expect(await outcome(ticket, 'CREATE TABLE tickets.scratch (id int)')).toBe('ok');
      await ticket.query('ROLLBACK');
    });
  });
});
