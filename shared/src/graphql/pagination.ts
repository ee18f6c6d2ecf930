// Relay-style cursor pagination over a stable order (a sort key and the id as tie-breaker). A keyset
// (newestFirst, byName) is the one place where a cursor becomes the typed position a repository pages
// from, and where a repository's page and total become a connection.
import {
  GraphQLIncludeDirective, GraphQLSkipDirective, Kind, getDirectiveValues,
  type GraphQLResolveInfo, type SelectionNode, type SelectionSetNode,
} from 'graphql';
import { BadUserInputError } from '../errors';
import { isUuid } from './loader';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A connection field's arguments, and whether its client selected `totalCount` (see selectsTotalCount). */
export interface PageArgs { first?: number | null; after?: string | null; withTotal?: boolean; }

/** Where a newest-first page starts: after the row with this instant and id. */
export interface TimePosition { at: Date; id: string; }

/** Where a page by name starts: after the row with this name (compared lower-cased) and id. */
export interface NamePosition { name: string; id: string; }

/** What a repository is asked for: `limit` rows after a position, and the total under its filter if `withTotal`. */
export interface PageRequest<P> {
  limit: number;
  after: P | null;
  withTotal: boolean;
}

/** What a repository answers: `limit + 1` rows when more follow, and the total, read together; null when not asked for. */
export interface Page<T> { rows: T[]; totalCount: number | null; }

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** A connection with its total, as the subgraphs' resolvers return them. */
export interface CountedConnection<T = unknown> extends Connection<T> {
  /** Read with the page when the client selected it, null otherwise. */
  totalCount: number | null;
}

/** The resolvers of every `…Connection` type. */
export const countedConnection = {
  totalCount(connection: CountedConnection): number {
    // Read with the page whenever the field selects it: missing here means a resolver asked for the page without it.
    if (connection.totalCount === null) throw new Error('totalCount was selected but not read with the page');
    return connection.totalCount;
  },
};

/** The order of a connection as its cursors carry it. */
export interface Keyset<P extends { id: string }> {
  /** Checks `first` and `after` and reads the cursor's position: BAD_USER_INPUT when either is wrong. */
  request(args: PageArgs): PageRequest<P>;
  /** The connection of a page read for `request`, each row's cursor made from its position. */
  connection<T>(page: Page<T>, request: PageRequest<P>, positionOf: (row: T) => P): CountedConnection<T>;
}

function keyset<P extends { id: string }>(read: (key: string, id: string) => P | null, keyOf: (position: P) => string): Keyset<P> {
  return {
    request(args) {
      const { limit, after } = pageRequest(args.first, args.after);
      const position = after ? read(after.key, after.id) : null;
      if (after && !position) throw new BadUserInputError('after is not a valid cursor', 'after');
      return { limit, after: position, withTotal: args.withTotal ?? false };
    },
    connection(page, request, positionOf) {
      const connection = toConnection(page.rows, request, (row) => { const position = positionOf(row); return { key: keyOf(position), id: position.id }; });
      return { ...connection, totalCount: page.totalCount };
    },
  };
}

/** Newest first: a cursor holds the row's instant and id. */
export const newestFirst: Keyset<TimePosition> = keyset(
  (key, id) => { const at = new Date(key); return Number.isNaN(at.getTime()) || !isUuid(id) ? null : { at, id }; },
  (position) => position.at.toISOString(),
);

/** By name whatever its case, then id: a cursor holds the lower-cased name and the id. */
export const byName: Keyset<NamePosition> = keyset(
  (key, id) => (isUuid(id) ? { name: key, id } : null),
  (position) => position.name.toLowerCase(),
);

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
function pageRequest(first: number | null | undefined, after: string | null | undefined): { limit: number; after: { key: string; id: string } | null } {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return { limit, after: after ? decodeCursor(after) : null };
}

/** A connection with nothing in it: what a viewer gets of a list they may not see. */
export function emptyConnection<T>(): CountedConnection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };
}

/** Builds the connection from `limit + 1` rows fetched in order. */
function toConnection<T>(rows: T[], request: { limit: number; after: unknown }, cursorOf: (row: T) => { key: string; id: string }): Connection<T> {
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
