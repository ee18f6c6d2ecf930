// All resolvers of the order subgraph, keyed by type name.
import { countedConnection, DateTimeScalar } from '@desk/shared';
import type { Resolvers } from '../generated/graphql';
import { Category, Product } from './catalogue.resolvers';
import { Mutation } from './mutation.resolvers';
import { Order, OrderItem, OrderStatusChange } from './order.resolvers';
import { Query } from './query.resolvers';
import { User } from './user.resolvers';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar, Query, Mutation, Product, Category, Order, OrderItem, OrderStatusChange, User,
  ProductConnection: countedConnection, OrderConnection: countedConnection,
};
