// Relay-style cursor pagination over a stable order (a sort key and the id as tie-breaker).
import {
  GraphQLIncludeDirective, GraphQLSkipDirective, Kind, getDirectiveValues,
  type GraphQLResolveInfo, type SelectionNode, type SelectionSetNode,
} from 'graphql';
import { BadUserInputError } from '../errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  limit: number;
  after: { key: string; id: string } | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** A connection's total: counted only when a client selects `totalCount`, and then once. */
export type LazyCount = () => Promise<number>;

export function lazyCount(count: () => Promise<number>): LazyCount {
  let counted: Promise<number> | undefined;
  return () => (counted ??= count());
}

/** A connection with its lazy total, as the subgraphs' resolvers return them. */
export interface CountedConnection<T = unknown> extends Connection<T> { totalCount: LazyCount; }

/** The resolvers of every `…Connection` type: the total is counted when asked for. */
export const countedConnection = { totalCount: (connection: CountedConnection): Promise<number> => connection.totalCount() };

export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { key: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { key: value[0], id: value[1] };
    }
  } catch { /* falls through */ }
  throw new BadUserInputError('after is not a valid cursor', 'after');
}

/** Checks `first` and `after`; asks the store for one row more than the page to learn if there is a next. */
export function pageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return { limit, after: after ? decodeCursor(after) : null };
}

/** A connection with nothing in it: what a viewer gets of a list they may not see. */
export function emptyConnection<T>(): CountedConnection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: async () => 0 };
}

/** Builds the connection from `limit + 1` rows fetched in order. */
export function toConnection<T>(rows: T[], request: PageRequest, cursorOf: (row: T) => { key: string; id: string }): Connection<T> {
  const page = rows.slice(0, request.limit);
  const edges = page.map((node) => { const c = cursorOf(node); return { cursor: encodeCursor(c.key, c.id), node }; });
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > request.limit,
      hasPreviousPage: request.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'>;

/**
 * Whether the connection field being resolved selects `totalCount`, directly or through inline
 * fragments and fragment spreads, as the query is executed (`@skip` and `@include` applied). The
 * total is counted only then: counting a large table for every page is costly.
 */
export function selectsTotalCount(info: SelectionInfo): boolean {
  const seen = new Set<string>();
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && selects(node.selectionSet, 'totalCount', info, seen));
}

function selects(set: SelectionSetNode, field: string, info: SelectionInfo, seen: Set<string>): boolean {
  for (const selection of set.selections) {
    if (!executed(selection, info.variableValues)) continue;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === field) return true;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (selects(selection.selectionSet, field, info, seen)) return true;
    } else {
      const fragment = info.fragments[selection.name.value];
      if (fragment && !seen.has(fragment.name.value)) {
        seen.add(fragment.name.value);
        if (selects(fragment.selectionSet, field, info, seen)) return true;
      }
    }
  }
  return false;
}

function executed(selection: SelectionNode, variables: GraphQLResolveInfo['variableValues']): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, selection, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, selection, variables)?.if !== false;
}
