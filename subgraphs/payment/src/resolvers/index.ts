// All resolvers of the payment subgraph, keyed by type name.
import { DateTimeScalar } from '@desk/shared';
import type { Resolvers } from '../generated/graphql';
import { Mutation } from './mutation.resolvers';
import { Order } from './order.resolvers';
import { Payment } from './payment.resolvers';
import { Query } from './query.resolvers';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, Mutation, Payment, Order };
