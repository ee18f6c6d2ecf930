// All resolvers of the auth subgraph, keyed by type name. AuthPayload and Session use the default
// resolvers over the mapped values (domain/account.ts, domain/session.ts).
import { DateTimeScalar } from '@desk/shared';
import type { Resolvers } from '../generated/graphql';
import { Mutation } from './mutation.resolvers';
import { User } from './user.resolvers';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Mutation, User };
