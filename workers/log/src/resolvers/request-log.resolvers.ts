// Fields of RequestLog: stored values are the gateway's lower-case words, the schema's enums are upper case.
import type { OperationType, RequestLogResolvers, RequestOutcome } from '../generated/graphql';

export const RequestLog: RequestLogResolvers = {
  outcome: (log) => log.outcome.toUpperCase() as RequestOutcome,
  operationType: (log) => (log.operationType ? (log.operationType.toUpperCase() as OperationType) : null),
};
