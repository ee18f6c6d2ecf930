// Keeps the ticket subgraph's projections of other services' data: registered users and their roles
// (who may be assigned), and placed orders with their customer (who may open a ticket about them).
// One durable consumer per event, each filtered to its one subject (NATS 2.9 takes one filter per
// consumer): the service may read those events and no others. Across consumers the order is lost,
// which the projections allow for: a registration seen after a role change keeps the newer roles.
import {
  OrderPlaced, UserRegistered, UserRolesChanged, on, startConsumer, subjects,
  type EventHandler, type Logger, type NatsConnection, type RunningConsumer,
} from '@desk/shared';
import { recordPlacedOrder, recordRegisteredUser, recordRolesChange, type ProjectionDeps } from './ticket.service';

export const KNOWN_USERS_CONSUMER = 'ticket-known-users';
export const USER_ROLES_CONSUMER = 'ticket-user-roles';
export const KNOWN_ORDERS_CONSUMER = 'ticket-known-orders';

export async function startProjectionsConsumer(nc: NatsConnection, prefix: string, deps: ProjectionDeps, log: Logger): Promise<RunningConsumer> {
  const consumers: [string, EventHandler][] = [
    [KNOWN_USERS_CONSUMER, on(UserRegistered, (event, child) => recordRegisteredUser(deps, KNOWN_USERS_CONSUMER, event, child))],
    [USER_ROLES_CONSUMER, on(UserRolesChanged, (event, child) => recordRolesChange(deps, USER_ROLES_CONSUMER, event, child))],
    [KNOWN_ORDERS_CONSUMER, on(OrderPlaced, (event, child) => recordPlacedOrder(deps, KNOWN_ORDERS_CONSUMER, event, child))],
  ];
  const running: RunningConsumer[] = [];
  const stop = async () => { await Promise.all(running.splice(0).map((consumer) => consumer.stop())); };
  try {
    for (const [durable, handler] of consumers) {
      running.push(await startConsumer(nc, prefix, { durable, filterSubject: subjects(prefix).event(handler.definition.type), handlers: [handler] }, log));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
