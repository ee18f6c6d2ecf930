// All resolvers of the auth subgraph, keyed by type name. AuthPayload and User use the default
// resolvers over the mapped values (domain/account.ts).
import { DateTimeScalar } from '@desk/shared';
import type { Resolvers } from '../generated/graphql';
import { Mutation } from './mutation.resolvers';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Mutation };
