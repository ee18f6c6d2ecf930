// What an operation may cost the subgraphs, estimated before any of them is called, and the limit on
// it. Every field costs once per object it is resolved on, so a list multiplies what it selects by its
// size: a page's `first` (its default when absent, never more than the largest page the API serves),
// or for a list without pages an assumed size: the domain's bound where it has one, otherwise the
// configured one. Queries, mutations and subscriptions are estimated alike.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError, Kind, getNamedType, getNullableType, isCompositeType, isListType, valueFromASTUntyped,
  type DocumentNode, type FieldNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionNode, type SelectionSetNode, type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@desk/shared';

/** Each object resolved (an entity, a connection, an edge) costs this; each leaf value costs LEAF_COST. */
export const OBJECT_COST = 2;
export const LEAF_COST = 1;

/**
 * Sizes assumed for lists without pages whose length the domain bounds: an order has at most 50 lines,
 * and enters each of its statuses at most once. Other such lists count as `maxUnpaginatedList`.
 */
export const LIST_SIZE_HINTS: Readonly<Record<string, number>> = {
  'Order.items': 50,
  'Order.statusHistory': 6,
};

export interface CostOptions {
  /** `first` when a page field is called without it. */
  defaultPageSize: number;
  /** The largest page the API serves: a larger `first` is refused by the subgraph, so counts as this. */
  maxPageSize: number;
  /** The size assumed for a list without pages and without a hint (`categories`, `payments`). */
  maxUnpaginatedList: number;
  hints: Readonly<Record<string, number>>;
}

export const costOptions = (maxUnpaginatedList: number): CostOptions => ({
  defaultPageSize: DEFAULT_PAGE_SIZE, maxPageSize: MAX_PAGE_SIZE, maxUnpaginatedList, hints: LIST_SIZE_HINTS,
});

/** An estimate, and whether it read a variable (an estimate that did not holds for every request of its document). */
export interface CostEstimate { cost: number; readsVariables: boolean; }

/**
 * The estimated cost of `operation` with these variables (as the client sent them; a variable's default
 * stands in for one not sent). One pass over the operation: each fragment is estimated once per way it
 * is used, however often it is spread. A fragment that spreads itself (refused by validation) counts
 * nothing more. Fields unknown to the schema (refused by validation too) count nothing.
 */
export function estimateCost(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined, options: CostOptions,
): CostEstimate {
  const fragments = new Map<string, { typeCondition: string; selectionSet: SelectionSetNode }>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, { typeCondition: definition.typeCondition.name.value, selectionSet: definition.selectionSet });
    }
  }
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  }
  let readsVariables = false;
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind !== Kind.VARIABLE) return valueFromASTUntyped(node);
    readsVariables = true;
    const name = node.name.value;
    if (variables && Object.hasOwn(variables, name)) return variables[name];
    const fallback = defaults.get(name);
    return fallback ? valueFromASTUntyped(fallback) : undefined;
  };
  /** @skip and @include: a selection whose condition is not a known boolean is counted. */
  const skipped = (node: SelectionNode): boolean => {
    for (const directive of node.directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const condition = directive.arguments?.find((a) => a.name.value === 'if');
      const value = condition ? valueOf(condition.value) : undefined;
      if (typeof value === 'boolean' && value === (name === 'skip')) return true;
    }
    return false;
  };
  const pageSize = (node: FieldNode, field: GraphQLField<unknown, unknown>): number => {
    const argument = node.arguments?.find((a) => a.name.value === 'first');
    const given = argument ? valueOf(argument.value) : undefined;
    const fallback = field.args.find((a) => a.name === 'first')?.defaultValue;
    let size: unknown = given ?? fallback ?? options.defaultPageSize;
    // Not a whole number: refused when the variables are checked; counted as the largest page meanwhile.
    if (typeof size !== 'number' || !Number.isInteger(size)) size = options.maxPageSize;
    return Math.min(Math.max(size as number, 0), options.maxPageSize);
  };

  const fragmentCosts = new Map<string, number>();
  const inProgress = new Set<string>();
  /** `page`: the page size of the connection whose selection this is, for the lists directly in it (`edges`). */
  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, page: number | null): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (skipped(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent, page);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type) total += selectionCost(selection.selectionSet, type, page);
      } else {
        total += fragmentCost(selection.name.value, page);
      }
    }
    return total;
  };
  const fragmentCost = (name: string, page: number | null): number => {
    const key = `${name}\0${page ?? ''}`;
    const known = fragmentCosts.get(key);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    const type = fragment && schema.getType(fragment.typeCondition);
    if (!fragment || !type || inProgress.has(key)) return 0;
    inProgress.add(key);
    const cost = selectionCost(fragment.selectionSet, type, page);
    inProgress.delete(key);
    fragmentCosts.set(key, cost);
    return cost;
  };
  const fieldCost = (node: FieldNode, parent: GraphQLNamedType, page: number | null): number => {
    // Meta fields (__typename, introspection) are answered by the gateway itself.
    if (node.name.value.startsWith('__') || !isCompositeType(parent) || !('getFields' in parent)) return 0;
    const field = parent.getFields()[node.name.value];
    if (!field) return 0;
    const type = getNamedType(field.type);
    if (!isCompositeType(type) || !node.selectionSet) return LEAF_COST;
    const paged = field.args.some((a) => a.name === 'first');
    const ownPage = paged ? pageSize(node, field) : null;
    if (isListType(getNullableType(field.type))) {
      const size = ownPage ?? page ?? options.hints[`${parent.name}.${field.name}`] ?? options.maxUnpaginatedList;
      return size * (OBJECT_COST + selectionCost(node.selectionSet, type, null));
    }
    // A connection's page size applies to the lists it holds (edges), not to the connection.
    return OBJECT_COST + selectionCost(node.selectionSet, type, ownPage);
  };

  const root = schema.getRootType(operation.operation);
  const cost = root ? selectionCost(operation.selectionSet, root, null) : 0;
  return { cost, readsVariables };
}

/** The refusal: a validation failure like every other limit's, with the figures to act on. */
export const tooCostly = (cost: number, maxCost: number, http = false): GraphQLError => new GraphQLError(
  `The operation's estimated cost is ${cost}, over the limit of ${maxCost}: ask for smaller pages (first) or fewer nested lists`,
  { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...(http ? { http: { status: 400 } } : {}) } },
);

export interface CostLimit {
  /** The refusal for an operation over the limit, null for one within it. */
  check(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | null | undefined, http?: boolean): GraphQLError | null;
  /** The same check for queries and mutations, once the operation is known and before it is planned or run. */
  plugin: ApolloServerPlugin;
}

export function costLimit(maxCost: number, options: CostOptions): CostLimit {
  // Apollo Server hands every request of a document the same parsed document (its document store), so
  // an estimate that read no variable is made once per document and schema.
  const known = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; cost: number }>();
  const costOf = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | null | undefined): number => {
    const cached = known.get(operation);
    if (cached?.schema === schema) return cached.cost;
    const estimate = estimateCost(schema, document, operation, variables, options);
    if (!estimate.readsVariables) known.set(operation, { schema, cost: estimate.cost });
    return estimate.cost;
  };
  const check: CostLimit['check'] = (schema, document, operation, variables, http = false) => {
    const cost = costOf(schema, document, operation, variables);
    return cost > maxCost ? tooCostly(cost, maxCost, http) : null;
  };
  return {
    check,
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ schema, document, operation, request }) {
            if (!operation) return;
            const refusal = check(schema, document, operation, request.variables, true);
            if (refusal) throw refusal;
          },
        };
      },
    },
  };
}
