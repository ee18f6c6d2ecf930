// Assembles the auth subgraph: Postgres, NATS, signing keys, the first admin, the profile projection,
// the outbox relay, the GraphQL server and the JWKS / OpenID routes. Tests and main start it the same way.
import path from 'node:path';
import {
  OutboxTables1732000000000, groupLoader, openServiceRuntime, serveSubgraph, startWithRuntime, type RunningService,
} from '@desk/shared';
import { startAccountProjection } from './account-projection.consumer';
import { AccountRepository } from './account.repository';
import { ensureFirstAdmin } from './admin-bootstrap';
import { AuthService, type AuthServiceDeps } from './auth.service';
import type { Context } from './context';
import type { AuthEnv } from './env';
import { AccessTokenIssuer } from './keys/access-token.issuer';
import { ConfiguredKeys, KeyRing, SIGNING_ALG, StoredKeys } from './keys/signing-keys';
import { AuthTables1732000000200 } from './migrations/1732000000200-auth-tables.migration';
import { RolesVersion1732000000201 } from './migrations/1732000000201-roles-version.migration';
import { AppliedFactVersions1732000000210 } from './migrations/1732000000210-applied-fact-versions.migration';
import { resolvers } from './resolvers';
import { SessionService } from './session.service';

export const SERVICE_NAME = 'auth';
export const SCHEMA_PATH = path.join(__dirname, '..', 'schema.graphql');
export const MIGRATIONS = [OutboxTables1732000000000, AuthTables1732000000200, RolesVersion1732000000201, AppliedFactVersions1732000000210];

export interface AuthServiceHooks {
  /** Called with every SQL statement the service runs; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

export type RunningAuthService = RunningService;

export async function startAuthService(env: AuthEnv, hooks: AuthServiceHooks = {}): Promise<RunningAuthService> {
  const runtime = await openServiceRuntime(env, { name: SERVICE_NAME, schema: 'auth', migrations: MIGRATIONS, onQuery: hooks.onQuery });
  const { log, dataSource, nc, relay } = runtime;
  return startWithRuntime(runtime, async () => {
    const keys = new KeyRing(env.AUTH_SIGNING_KEYS ? new ConfiguredKeys(env.AUTH_SIGNING_KEYS) : new StoredKeys(dataSource));
    await keys.start();
    runtime.onStop(() => keys.stop());

    const accounts = new AccountRepository(dataSource);
    if (env.ADMIN_EMAIL && env.ADMIN_PASSWORD) {
      await ensureFirstAdmin({ dataSource, accounts }, { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }, log);
      relay.kick();
    }
    const projection = await startAccountProjection(nc, env.NATS_PREFIX, { dataSource, accounts, relay }, log);
    runtime.onStop(() => projection.stop());

    const throttle = {
      windowSeconds: env.LOGIN_THROTTLE_WINDOW_SECONDS,
      maxPerAccountAndAddress: env.LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
      maxPerAddress: env.LOGIN_MAX_FAILURES_PER_ADDRESS,
    };
    const pruner = setInterval(() => {
      accounts.pruneFailures(new Date(Date.now() - throttle.windowSeconds * 1000)).catch((error) => log.warn({ err: error }, 'could not prune login failures'));
    }, 10 * 60_000);
    pruner.unref();
    runtime.onStop(() => clearInterval(pruner));

    const deps: AuthServiceDeps = {
      dataSource, accounts, relay, throttle,
      tokens: new AccessTokenIssuer(keys, { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS }),
      refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
      passwordResetTtlMinutes: env.PASSWORD_RESET_TTL_MINUTES,
    };
    return serveSubgraph<Context>(runtime, env, {
      schemaPath: SCHEMA_PATH,
      resolvers,
      context: (viewer, requestLog) => ({
        viewer,
        log: requestLog,
        auth: new AuthService(deps, viewer, requestLog),
        sessions: new SessionService(viewer, groupLoader((ids) => accounts.openSessionsOf(ids), (session) => session.accountId)),
      }),
      routes(app) {
        app.get('/.well-known/jwks.json', (_req, res) => {
          res.set('cache-control', 'public, max-age=300').json(keys.jwks());
        });
        app.get('/.well-known/openid-configuration', (_req, res) => {
          res.set('cache-control', 'public, max-age=3600').json({
            issuer: env.JWT_ISSUER,
            jwks_uri: new URL('/.well-known/jwks.json', env.JWT_ISSUER).toString(),
            id_token_signing_alg_values_supported: [SIGNING_ALG],
            token_endpoint_auth_methods_supported: ['none'],
            subject_types_supported: ['public'],
            response_types_supported: ['token'],
            grant_types_supported: ['password', 'refresh_token'],
          });
        });
      },
    });
  });
}
