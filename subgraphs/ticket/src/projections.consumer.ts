// Keeps the ticket subgraph's projections of other services' data: registered users and their roles
// (who may be assigned), and placed orders with their customer (who may open a ticket about them).
import {
  OrderPlaced, UserRegistered, UserRolesChanged, on, startConsumer, subjects,
  type Logger, type NatsConnection, type RunningConsumer,
} from '@desk/shared';
import { recordPlacedOrder, recordRegisteredUser, recordRolesChange, type ProjectionDeps } from './ticket.service';

export const PROJECTIONS_CONSUMER = 'ticket-projections';

export function startProjectionsConsumer(nc: NatsConnection, prefix: string, deps: ProjectionDeps, log: Logger): Promise<RunningConsumer> {
  return startConsumer(nc, prefix, {
    durable: PROJECTIONS_CONSUMER,
    // One filter per consumer: every event, the ones without a handler are acknowledged and skipped.
    filterSubject: subjects(prefix).eventsAll,
    handlers: [
      on(UserRegistered, (event, child) => recordRegisteredUser(deps, PROJECTIONS_CONSUMER, event, child)),
      on(UserRolesChanged, (event, child) => recordRolesChange(deps, PROJECTIONS_CONSUMER, event, child)),
      on(OrderPlaced, (event, child) => recordPlacedOrder(deps, PROJECTIONS_CONSUMER, event, child)),
    ],
  }, log);
}
