// Turns each UserRegistered event from the auth subgraph into a user row: profiles start here.
import { on, startConsumer, subjects, UserRegistered, type Logger, type NatsConnection, type RunningConsumer } from '@desk/shared';
import { recordRegistration, type UserServiceDeps } from './user.service';

export const REGISTRATION_CONSUMER = 'user-registrations';

export function startRegistrationConsumer(
  nc: NatsConnection, prefix: string, deps: Pick<UserServiceDeps, 'dataSource' | 'repository'>, log: Logger,
): Promise<RunningConsumer> {
  return startConsumer(nc, prefix, {
    durable: REGISTRATION_CONSUMER,
    // Only this event: the others (a password-reset token among them) are none of this service's business.
    filterSubject: subjects(prefix).event(UserRegistered.type),
    handlers: [on(UserRegistered, (event, child) => recordRegistration(deps, REGISTRATION_CONSUMER, event, child))],
  }, log);
}
