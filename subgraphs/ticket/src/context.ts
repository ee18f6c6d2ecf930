// What every resolver of the ticket subgraph receives: the viewer, a logger, and this request's service.
import type { ServiceContext } from '@desk/shared';
import type { TicketService } from './ticket.service';

export interface Context extends ServiceContext {
  tickets: TicketService;
}
