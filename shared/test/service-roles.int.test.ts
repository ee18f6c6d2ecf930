// The database setup: a role per service owning its schema, safe to run again or twice at once, taking
// over what an administrator made before, and removed with its database.
import { Client } from 'pg';
import { databaseName, openDataSource, serviceRoleMark } from '../src/db/data-source';
import { DATA_SERVICES, serviceRoleUrls, setUpServiceRoles } from '../src/db/service-roles';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const made: TestDatabase[] = [];
afterAll(async () => { for (const db of made) await db.drop(); });

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase('roles_test');
  made.push(db);
  return db;
}

async function as<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try { return await work(client); } finally { await client.end(); }
}

const roleOf = (url: string) => decodeURIComponent(new URL(url).username);
/** The service roles of `db`, asked through `via` (another database, when `db` is gone). */
const rolesOf = (db: TestDatabase, via: TestDatabase = db) => as(via.url, async (admin) => (await admin.query<{ rolname: string }>(
  `SELECT r.rolname FROM pg_roles r JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass WHERE d.description = $1 ORDER BY 1`,
  [serviceRoleMark(databaseName(db.url))],
)).rows.map((row) => row.rolname));

describe('when the setup runs on a database whose tables an administrator made before', () => {
  test('then the service\'s role owns them afterwards, sequences included, and uses them', async () => {
    const db = await database();
    await as(db.url, async (admin) => {
      await admin.query('CREATE SCHEMA tickets');
      await admin.query('CREATE TABLE tickets.notes (id serial PRIMARY KEY, body text)');
      await admin.query('CREATE SEQUENCE tickets.numbers');
    });
    const urls = serviceRoleUrls(db.url);
    await setUpServiceRoles(db.url, urls);
    const owners = await as(db.url, async (admin) => (await admin.query<{ relname: string; owner: string }>(
      `SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c WHERE c.relnamespace = 'tickets'::regnamespace AND c.relkind IN ('r', 'S') ORDER BY 1`,
    )).rows);
    expect(owners).toEqual([
      { relname: 'notes', owner: roleOf(urls.ticket) },
      { relname: 'notes_id_seq', owner: roleOf(urls.ticket) },
      { relname: 'numbers', owner: roleOf(urls.ticket) },
    ]);
    await as(urls.ticket, async (ticket) => {
      await ticket.query("INSERT INTO notes (body) VALUES ('hello')");
      expect((await ticket.query("SELECT nextval('numbers')::int AS n")).rows).toEqual([{ n: 1 }]);
    });
  });
});

describe('when setups of one database run together, and again', () => {
  test('then each succeeds and every service has one role', async () => {
    const db = await database();
    const urls = serviceRoleUrls(db.url);
    await Promise.all([setUpServiceRoles(db.url, urls), setUpServiceRoles(db.url, urls)]);
    await setUpServiceRoles(db.url, serviceRoleUrls(db.url));
    expect(await rolesOf(db)).toEqual(DATA_SERVICES.map((service) => roleOf(urls[service])).sort());
  });
});

describe('when a database is dropped', () => {
  test('then its roles go with it, and another database\'s stay', async () => {
    const [gone, kept] = [await database(), await database()];
    await setUpServiceRoles(gone.url, serviceRoleUrls(gone.url));
    await setUpServiceRoles(kept.url, serviceRoleUrls(kept.url));
    await gone.drop();
    expect(await rolesOf(gone, kept)).toEqual([]);
    expect(await rolesOf(kept)).toHaveLength(DATA_SERVICES.length);
  });
});

describe('when a service starts as a role the setup has not given its schema', () => {
  test('then it refuses, saying to run the setup', async () => {
    const db = await database();
    const role = `${databaseName(db.url)}_stranger`;
    await as(db.url, async (admin) => {
      await admin.query(`CREATE ROLE "${role}" LOGIN`);
      // Marked as a service role of the database, so that it goes with it.
      await admin.query(`COMMENT ON ROLE "${role}" IS '${serviceRoleMark(databaseName(db.url))}'`);
    });
    const url = new URL(db.url);
    url.username = role;
    await expect(openDataSource({ url: url.toString(), schema: 'tickets', entities: [], migrations: [] })).rejects.toThrow(/npm run db:setup/);
  });
});
