// Limits every operation must stay within: depth, aliases (none exempt, `__typename` included),
// directives, tokens and cost. Batching stays off and field suggestions are blocked in production.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GatewayEnv } from '../env';

export function protections(env: GatewayEnv): ReturnType<ApolloArmor['protect']> {
  const enabled = env.PROTECTIONS === 'on';
  const armor = new ApolloArmor({
    maxDepth: { enabled, n: env.MAX_DEPTH, flattenFragments: true, ignoreIntrospection: true },
    maxAliases: { enabled, n: env.MAX_ALIASES, allowList: [] },
    maxDirectives: { enabled, n: env.MAX_DIRECTIVES },
    // Tokens are limited by the parser itself (parseLimits): armor's version answers with a 500.
    maxTokens: { enabled: false },
    costLimit: { enabled, maxCost: env.MAX_COST, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: enabled && env.production },
  });
  return armor.protect();
}

/** graphql-js stops parsing past this many tokens; a 400 GRAPHQL_PARSE_FAILED, before any other work. */
export function parseLimits(env: GatewayEnv): { maxTokens?: number } {
  return env.PROTECTIONS === 'on' ? { maxTokens: env.MAX_TOKENS } : {};
}
