// All resolvers of the user subgraph, keyed by type name.
import { countedConnection, DateTimeScalar } from '@desk/shared';
import type { Resolvers } from '../generated/graphql';
import { Mutation } from './mutation.resolvers';
import { Query } from './query.resolvers';
import { User } from './user.resolvers';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, Mutation, User, UserConnection: countedConnection };
