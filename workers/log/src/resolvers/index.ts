// All resolvers of the log subgraph, keyed by type name.
import { countedConnection, DateTimeScalar } from '@desk/shared';
import type { Resolvers } from '../generated/graphql';
import { JSONScalar } from '../json.scalar';
import { Query } from './query.resolvers';
import { RequestLog } from './request-log.resolvers';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar, JSON: JSONScalar, Query, RequestLog,
  RequestLogConnection: countedConnection, AuditEventConnection: countedConnection,
};
