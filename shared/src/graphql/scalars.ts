// Custom scalars shared by the subgraphs.
import { GraphQLScalarType, Kind } from 'graphql';
import { BadUserInputError } from '../errors';

function toDate(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime()) || (typeof value === 'string' && !/^\d{4}-\d{2}-\d{2}T/.test(value))) {
    throw new BadUserInputError('DateTime must be an ISO 8601 date-time string');
  }
  return date;
}

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant, as an ISO 8601 string in UTC (2026-01-31T12:00:00.000Z).',
  serialize: (value) => toDate(value).toISOString(),
  parseValue: (value) => toDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new BadUserInputError('DateTime must be a string');
    return toDate(ast.value);
  },
});
