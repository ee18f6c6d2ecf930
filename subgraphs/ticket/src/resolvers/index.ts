// All resolvers of the ticket subgraph, keyed by type name.
import { countedConnection, DateTimeScalar } from '@desk/shared';
import type { Resolvers } from '../generated/graphql';
import { Mutation } from './mutation.resolvers';
import { Order } from './order.resolvers';
import { Query } from './query.resolvers';
import { Ticket, TicketComment } from './ticket.resolvers';
import { User } from './user.resolvers';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, Mutation, Ticket, TicketComment, User, Order, TicketConnection: countedConnection };
