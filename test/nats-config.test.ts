// The NATS users as deployed: the checked-in server configuration is what the permissions module
// renders, and docker-compose.yml gives the server every user's password and each service only its own.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { NATS_CLIENT_NAMES, NATS_CLIENTS, passwordVariableOf, permissionsOf, subjects, UserRolesChanged } from '@desk/shared';
import { natsAuthorizationFromEnv } from '../scripts/nats-config';
import { LIVE_FIELDS } from '../gateway/src/subscriptions/live-fields';
import { PROJECTION_CONSUMER } from '../subgraphs/auth/src/account-projection.consumer';
import { SAGA_CONSUMER as ORDER_SAGA } from '../subgraphs/order/src/payment-saga.consumer';
import { SAGA_CONSUMER as PAYMENT_SAGA } from '../subgraphs/payment/src/payment-saga.consumer';
import { KNOWN_ORDERS_CONSUMER, KNOWN_USERS_CONSUMER, USER_ROLES_CONSUMER } from '../subgraphs/ticket/src/projections.consumer';
import { REGISTRATION_CONSUMER } from '../subgraphs/user/src/registration.consumer';
import { EMAIL_CONSUMER } from '../workers/email/src/email.consumer';
import { AUDIT_DURABLE, REQUESTS_DURABLE } from '../workers/log/src/ingest.consumers';
import { ROOT } from '../scripts/platform';

interface ComposeService { command?: string[]; environment?: Record<string, string>; volumes?: string[]; depends_on?: Record<string, { condition: string }> }
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

describe('the NATS users', () => {
  test('when the permissions change, then deploy/nats/nats-auth.conf is regenerated with them', () => {
    expect(readFileSync(path.join(ROOT, 'deploy/nats/nats-auth.conf'), 'utf8')).toBe(natsAuthorizationFromEnv('desk'));
  });

  test('then they name the durable consumers and live subscriptions the services really have', () => {
    const durables = (name: keyof typeof NATS_CLIENTS) => (NATS_CLIENTS[name].consumes as readonly { durable: string }[]).map((c) => c.durable);
    expect(durables('auth')).toEqual([PROJECTION_CONSUMER]);
    expect(durables('user')).toEqual([REGISTRATION_CONSUMER]);
    expect(durables('ticket')).toEqual([KNOWN_USERS_CONSUMER, USER_ROLES_CONSUMER, KNOWN_ORDERS_CONSUMER]);
    expect(durables('order')).toEqual([ORDER_SAGA]);
    expect(durables('payment')).toEqual([PAYMENT_SAGA]);
    expect(durables('email')).toEqual([EMAIL_CONSUMER]);
    expect(durables('log')).toEqual([AUDIT_DURABLE]);
    expect(NATS_CLIENTS.log.consumesRequestLogs).toBe(REQUESTS_DURABLE);
    expect(NATS_CLIENTS.gateway.listens.map((e) => e.type).sort()).toEqual(Object.values(LIVE_FIELDS).map((f) => f.event.type).sort());
  });

  test('then only the user service may publish user.roles-changed', () => {
    const subject = subjects('desk').event(UserRolesChanged.type);
    expect(NATS_CLIENT_NAMES.filter((name) => permissionsOf(name, 'desk').publish.allow.includes(subject))).toEqual(['user']);
  });

  test('then only the email worker and the audit trail may make a consumer that reads password-reset tokens', () => {
    const events = subjects('desk').streams.events;
    const readers = NATS_CLIENT_NAMES.filter((name) => permissionsOf(name, 'desk').publish.allow.some((subject) => subject.startsWith(`$JS.API.CONSUMER.CREATE.${events}.`)
      && ['desk.events.>', 'desk.events.auth.>', 'desk.events.auth.password-reset-requested'].some((filter) => subject.endsWith(`.${filter}`))));
    expect(readers.sort()).toEqual(['email', 'log']);
  });

  test('then docker-compose.yml runs NATS with every user, and each service connects as itself', () => {
    const nats = compose.services.nats;
    expect(nats.command?.join(' ')).toContain('-c /etc/nats/nats-auth.conf');
    expect(nats.volumes).toContain('./deploy/nats/nats-auth.conf:/etc/nats/nats-auth.conf:ro');
    for (const name of NATS_CLIENT_NAMES) expect(nats.environment?.[passwordVariableOf(name)]).toMatch(new RegExp(`^\\$\\{${passwordVariableOf(name)}:\\?`));
    for (const name of NATS_CLIENT_NAMES.filter((n) => n !== 'streams')) {
      const service = compose.services[name];
      expect(service?.environment?.NATS_CREDENTIALS).toMatch(new RegExp(`^${name}:\\$\\{${passwordVariableOf(name)}:\\?`));
      expect(JSON.stringify(service?.environment)).not.toMatch(new RegExp(NATS_CLIENT_NAMES.filter((n) => n !== name).map(passwordVariableOf).join('|')));
    }
    expect(compose.services['nats-streams']?.environment?.NATS_CREDENTIALS).toMatch(/^streams:/);
    expect(compose.services.auth.depends_on?.['nats-streams']).toEqual({ condition: 'service_completed_successfully' });
  });
});
