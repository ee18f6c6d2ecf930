// Limits every operation must stay within: depth, aliases (none exempt, `__typename` included),
// directives, tokens, cost (operation-cost.ts) and validation errors. Batching stays off, and in production no error
// suggests a field, whether to a query, a mutation or a subscription.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GatewayEnv } from '../env';
import { costLimit, costOptions, type CostLimit } from './operation-cost';

export function protections(env: GatewayEnv): ReturnType<ApolloArmor['protect']> {
  const enabled = env.PROTECTIONS === 'on';
  const armor = new ApolloArmor({
    maxDepth: { enabled, n: env.MAX_DEPTH, flattenFragments: true, ignoreIntrospection: true },
    maxAliases: { enabled, n: env.MAX_ALIASES, allowList: [] },
    maxDirectives: { enabled, n: env.MAX_DIRECTIVES },
    // Tokens are limited by the parser itself (parseLimits): armor's version answers with a 500.
    maxTokens: { enabled: false },
    // Armor's cost reads no page size: `first: 100` would cost what `first: 1` does. See operationCost.
    costLimit: { enabled: false },
    // Apollo Server's hideSchemaDetailsFromClientErrors and withoutSuggestion do this on every path.
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect();
}

/** The cost limit, for every operation with its variables; null when the protections are off. */
export function operationCost(env: GatewayEnv): CostLimit | null {
  return env.PROTECTIONS === 'on' ? costLimit(env.MAX_COST, costOptions(env.MAX_UNPAGINATED_LIST)) : null;
}

/**
 * Validation stops after this many errors. Each unknown directive or field is an error of its own, so
 * a client could otherwise have the gateway find and write as many as it sends (graphql-cop's
 * "directive overloading"); the first few are what a developer reads anyway.
 */
export const validationOptions = { maxErrors: 5 } as const;

const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * A validation message without its "Did you mean …?", which would spell out in production the schema
 * that introspection hides. Apollo Server does the same for queries and mutations
 * (hideSchemaDetailsFromClientErrors, with this pattern); the gateway's subscriptions use this.
 */
export const withoutSuggestion = (message: string): string => message.replace(SUGGESTION, '');

/** graphql-js stops parsing past this many tokens; a 400 GRAPHQL_PARSE_FAILED, before any other work. */
export function parseLimits(env: GatewayEnv): { maxTokens?: number } {
  return env.PROTECTIONS === 'on' ? { maxTokens: env.MAX_TOKENS } : {};
}
