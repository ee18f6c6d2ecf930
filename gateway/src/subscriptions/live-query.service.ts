// Event-driven federated subscriptions. A subscription is checked like a query (parse limits, the
// schema, the protections' rules), then turned into the query that loads its entity by id with the
// same selection. Each event that a subscriber may see is resolved through the gateway's normal query
// plan with the subscriber's identity, once per group of subscribers sharing plan, variables and
// access scope (the roles, or the user or session when a selected field depends on who asks), and
// queued for each of them.
import { createHash } from 'node:crypto';
import {
  BREAK, GraphQLError, Kind, OperationTypeNode, TypeInfo, getOperationAST, getVariableValues, isAbstractType, parse, print, specifiedRules,
  validate, visit, visitWithTypeInfo,
  type DocumentNode, type FieldNode, type FormattedExecutionResult, type FragmentDefinitionNode, type GraphQLSchema,
  type OperationDefinitionNode, type ValidationRule, type ParseOptions,
} from 'graphql';
import { ErrorCode, isStaff, type EventEnvelope, type Logger, type Viewer } from '@desk/shared';
import type { CostLimit } from '../plugins/operation-cost';
import { validationOptions, withoutSuggestion } from '../plugins/protections';
import type { EventHub } from './event-hub';
import { LIVE_FIELD_OF_EVENT, LIVE_FIELDS, VIEWER_DEPENDENT_FIELDS, type LiveField, type ViewerDependence } from './live-fields';
import { Mailbox } from './mailbox';
import type { SubscriptionQuota } from './subscription-quota';

export interface LiveRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** A subscription ready to run: its live field, the entity it narrows to, and its lookup query. */
export interface PreparedLive {
  field: LiveField;
  entityId: string | null;
  /** The subscription as the client sent it, parsed. */
  document: DocumentNode;
  /** The query that loads the entity with the subscription's selection, printed once. */
  lookup: string;
  operationName: string | null;
  variables: Record<string, unknown>;
  /** Same plan and variables: subscribers with the same key and scope share each resolution. */
  key: string;
  /** Set when the selection reaches a field whose answer depends on who asks, not only on the roles. */
  dependsOn: ViewerDependence | null;
}

/** Runs a query through the gateway as `viewer`; errors come back formatted (masked) as for clients. */
export type LiveExecutor = (query: string, variables: Record<string, unknown>, operationName: string | null, viewer: Viewer) => Promise<FormattedExecutionResult>;

/** What became of one subscribe: for the request log, like any other operation. */
export interface SubscribeOutcome {
  operationName: string | null;
  viewer: Viewer;
  durationMs: number;
  errorCodes: string[];
}

export interface LiveQueryOptions {
  /** Results held for a subscriber who has not read them yet. */
  queueCapacity: number;
  /** Called once per subscribe, accepted or refused. */
  onSubscribe?(outcome: SubscribeOutcome): void;
  validationRules: readonly ValidationRule[];
  /** Refuses a subscription over the cost limit, its variables read, as queries are refused. */
  checkCost?: CostLimit['check'];
  parseOptions: ParseOptions;
  /** Production: no validation error suggests a field (see withoutSuggestion). */
  hideSuggestions: boolean;
  /** Caps on what one account or address holds open; none when absent. */
  quota?: SubscriptionQuota;
}

const LIVE_ID = '__liveId';
/** Distinct subscription documents whose checked form is kept. */
const PLAN_CACHE_SIZE = 1_000;

/** A subscription document, checked and rewritten: the same for every subscriber who sends it. */
interface Plan {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  root: FieldNode;
  field: LiveField;
  lookup: string;
  dependsOn: ViewerDependence | null;
}

interface Group {
  prepared: PreparedLive;
  viewer: Viewer;
  mailboxes: Set<Mailbox>;
}

const fail = (message: string, code: string): GraphQLError => new GraphQLError(message, { extensions: { code } });

/**
 * Access scope: staff of the same roles see the same, unless the selection depends on who asks; then,
 * as always for a customer, each user (or each session) sees their own.
 */
function scopeOf(viewer: Viewer, dependsOn: ViewerDependence | null): string {
  const roles = [...viewer.roles].sort().join(',');
  if (dependsOn === 'session') return `session:${viewer.sessionId ?? ''}:${viewer.userId}:${roles}`;
  if (dependsOn === 'user' || !isStaff(viewer)) return `user:${viewer.userId}:${roles}`;
  return `staff:${roles}`;
}

export class LiveQueryService {
  /** event type → group key → group */
  private readonly groups = new Map<string, Map<string, Group>>();
  private readonly unlisten = new Map<string, () => void>();
  readonly stats = { resolutions: 0, deliveries: 0, subscribers: 0 };
  private readonly plans = new Map<string, Plan>();
  private plansSchema: GraphQLSchema | null = null;

  constructor(
    private readonly hub: EventHub,
    private readonly execute: LiveExecutor,
    private readonly options: LiveQueryOptions,
    private readonly log: Logger,
  ) {}

  /** Checks a request; null when it is not a subscription (a query or mutation to run as usual). */
  prepare(schema: GraphQLSchema, request: LiveRequest): PreparedLive | null | readonly GraphQLError[] {
    const plan = this.plan(schema, request.query, request.operationName ?? null);
    if (plan === null || 'length' in plan) return plan;
    const { operation, root, field } = plan;
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
    if (coerced.errors) return coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } }));
    const tooCostly = this.options.checkCost?.(schema, plan.document, operation, coerced.coerced);
    if (tooCostly) return [tooCostly];
    const argument = root.arguments?.find((a) => a.name.value === field.argument);
    let entityId: string | null = null;
    if (argument?.value.kind === Kind.VARIABLE) entityId = (coerced.coerced[argument.value.name.value] as string | null | undefined) ?? null;
    else if (argument?.value.kind === Kind.STRING || argument?.value.kind === Kind.INT) entityId = argument.value.value;
    const variables = request.variables ?? {};
    const key = createHash('sha256').update(plan.lookup).update('\0').update(JSON.stringify(variables)).update('\0').update(entityId ?? '').digest('base64url');
    return { field, entityId, document: plan.document, lookup: plan.lookup, operationName: operation.name?.value ?? null, variables, key, dependsOn: plan.dependsOn };
  }

  /**
   * Parses, validates and rewrites a subscription once per query text: every subscriber of the same
   * query shares the parsed document and its lookup query (memory per subscriber stays small).
   */
  private plan(schema: GraphQLSchema, query: string, operationName: string | null): Plan | null | readonly GraphQLError[] {
    if (schema !== this.plansSchema) {
      this.plans.clear();
      this.plansSchema = schema;
    }
    const cacheKey = `${operationName ?? ''}\0${query}`;
    const cached = this.plans.get(cacheKey);
    if (cached !== undefined) return cached;
    const plan = this.makePlan(schema, query, operationName);
    // Only what passed is kept: refusals are cheap to repeat and should not fill the cache.
    if (plan !== null && !('length' in plan)) {
      if (this.plans.size >= PLAN_CACHE_SIZE) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(cacheKey, plan);
    }
    return plan;
  }

  private makePlan(schema: GraphQLSchema, query: string, operationName: string | null): Plan | null | readonly GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(query, this.options.parseOptions);
    } catch (error) {
      return [fail((error as Error).message, 'GRAPHQL_PARSE_FAILED')];
    }
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) return [fail('The document must name one operation to run', 'BAD_USER_INPUT')];
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return null;
    const errors = validate(schema, document, [...specifiedRules, ...this.options.validationRules], validationOptions);
    // As for queries: every rule's refusal, the limits' included, is a validation failure.
    const message = (e: GraphQLError) => (this.options.hideSuggestions ? withoutSuggestion(e.message) : e.message);
    if (errors.length > 0) return errors.map((e) => new GraphQLError(message(e), { nodes: e.nodes, extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }));
    const root = operation.selectionSet.selections[0];
    if (operation.selectionSet.selections.length !== 1 || root.kind !== Kind.FIELD) {
      return [fail('A subscription selects exactly one field, written directly', 'BAD_USER_INPUT')];
    }
    const field = LIVE_FIELDS[root.name.value];
    if (!field) return [fail(`${root.name.value} cannot be subscribed to`, 'BAD_USER_INPUT')];
    const lookup = lookupDocument(document, operation, root, field);
    return { document, operation, root, field, lookup: print(lookup), dependsOn: viewerDependenceOf(schema, lookup) };
  }

  /**
   * Starts a subscription for `viewer`: refused at once when they may not see the entity it names;
   * otherwise a stream of results, one per event they may see.
   */
  async subscribe(prepared: PreparedLive, viewer: Viewer): Promise<Mailbox | readonly GraphQLError[]> {
    const started = performance.now();
    const result = await this.open(prepared, viewer);
    this.options.onSubscribe?.({
      operationName: prepared.operationName,
      viewer,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      errorCodes: 'length' in result ? result.map((e) => String(e.extensions.code ?? ErrorCode.INTERNAL_SERVER_ERROR)) : [],
    });
    return result;
  }

  private async open(prepared: PreparedLive, viewer: Viewer): Promise<Mailbox | readonly GraphQLError[]> {
    if (!viewer.userId) return [fail('You must be signed in to subscribe', ErrorCode.UNAUTHENTICATED)];
    // Taken before anything is awaited, so that subscribes arriving together cannot pass the cap together.
    // Every way out that opens no stream (a refusal, a failure) gives it back in the `finally`.
    const slot = this.options.quota?.openSubscription(viewer);
    if (slot instanceof GraphQLError) return [slot];
    let opened: Mailbox | null = null;
    try {
      if (prepared.entityId !== null) {
        const refusal = await this.checkAccess(prepared, viewer);
        if (refusal) return [refusal];
      }
      const groupKey = `${prepared.key}|${scopeOf(viewer, prepared.dependsOn)}`;
      const membership = this.options.quota?.joinGroup(viewer, groupKey);
      if (membership instanceof GraphQLError) return [membership];
      const type = prepared.field.event.type;
      let byKey = this.groups.get(type);
      if (!byKey) {
        byKey = new Map();
        this.groups.set(type, byKey);
        this.unlisten.set(type, this.hub.listen(type, (event) => this.onEvent(type, event)));
      }
      let group = byKey.get(groupKey);
      if (!group) {
        group = { prepared, viewer, mailboxes: new Set() };
        byKey.set(groupKey, group);
      }
      const joined = group;
      // The mailbox calls this once, however it ends: completed, refused later, or left by the client.
      const mailbox = new Mailbox(this.options.queueCapacity, () => {
        this.leave(type, groupKey, joined, mailbox);
        membership?.release();
        slot?.release();
      });
      joined.mailboxes.add(mailbox);
      this.stats.subscribers += 1;
      opened = mailbox;
      return mailbox;
    } finally {
      if (opened === null) slot?.release();
    }
  }

  /** Groups currently resolving events (for tests and metrics). */
  get groupCount(): number {
    let n = 0;
    for (const byKey of this.groups.values()) n += byKey.size;
    return n;
  }

  close(): void {
    for (const byKey of this.groups.values()) for (const group of byKey.values()) for (const mailbox of group.mailboxes) mailbox.finish();
    for (const stop of this.unlisten.values()) stop();
    this.unlisten.clear();
    this.groups.clear();
  }

  private leave(type: string, groupKey: string, group: Group, mailbox: Mailbox): void {
    if (!group.mailboxes.delete(mailbox)) return;
    this.stats.subscribers -= 1;
    if (group.mailboxes.size > 0) return;
    const byKey = this.groups.get(type);
    if (byKey?.get(groupKey) === group) byKey.delete(groupKey);
    if (byKey && byKey.size === 0) {
      this.groups.delete(type);
      this.unlisten.get(type)?.();
      this.unlisten.delete(type);
    }
  }

  private async checkAccess(prepared: PreparedLive, viewer: Viewer): Promise<GraphQLError | null> {
    const probe = (`query LiveAccess($${LIVE_ID}: ID!) { entity: ${prepared.field.lookup}(id: $${LIVE_ID}) { __typename } }`);
    const result = await this.execute(probe, { [LIVE_ID]: prepared.entityId }, 'LiveAccess', viewer);
    const error = result.errors?.[0];
    if (error) return new GraphQLError(error.message, { extensions: error.extensions });
    if (!(result.data as { entity?: unknown } | undefined)?.entity) return fail(`No ${prepared.field.lookup} with id ${prepared.entityId}`, ErrorCode.NOT_FOUND);
    return null;
  }

  private onEvent(type: string, event: EventEnvelope<Record<string, unknown>>): void {
    const byKey = this.groups.get(type);
    if (!byKey) return;
    const field = LIVE_FIELD_OF_EVENT.get(type);
    if (!field || !field.event.schema.safeParse(event.payload).success) return;
    const entityId = field.entityId(event.payload);
    const ownerId = field.ownerId(event.payload);
    for (const group of byKey.values()) {
      if (group.prepared.entityId !== null && group.prepared.entityId !== entityId) continue;
      if (!isStaff(group.viewer) && group.viewer.userId !== ownerId) continue;
      void this.resolve(group, entityId, event).catch((error) => this.log.error({ err: error, eventId: event.id }, 'live resolution failed'));
    }
  }

  private async resolve(group: Group, entityId: string, event: EventEnvelope): Promise<void> {
    this.stats.resolutions += 1;
    const { prepared } = group;
    const result = await this.execute(prepared.lookup, { ...prepared.variables, [LIVE_ID]: entityId }, prepared.operationName, { ...group.viewer, correlationId: event.correlationId });
    const refused = result.errors?.find((e) => e.extensions?.code === ErrorCode.FORBIDDEN || e.extensions?.code === ErrorCode.NOT_FOUND);
    const data = result.data as Record<string, unknown> | null | undefined;
    const entity = data ? Object.values(data)[0] : null;
    if (refused || entity === null || entity === undefined) {
      // Someone who may not see it (any more) gets nothing; one who asked for this very entity is told.
      if (prepared.entityId !== null) {
        for (const mailbox of [...group.mailboxes]) mailbox.finish({ errors: [refused ?? { message: 'The entity is no longer visible', extensions: { code: ErrorCode.FORBIDDEN } }] });
      }
      return;
    }
    for (const mailbox of group.mailboxes) {
      mailbox.push(entityId, result);
      this.stats.deliveries += 1;
    }
  }
}

/**
 * The most a (checked) lookup query's answer depends on who asks: every field it selects, in the
 * operation and in the fragments it uses, looked up in VIEWER_DEPENDENT_FIELDS. A field selected on an
 * interface or union counts for each type that may answer it.
 */
function viewerDependenceOf(schema: GraphQLSchema, lookup: DocumentNode): ViewerDependence | null {
  const typeInfo = new TypeInfo(schema);
  let found: ViewerDependence | null = null;
  visit(lookup, visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (!parent) return undefined;
      for (const type of isAbstractType(parent) ? schema.getPossibleTypes(parent) : [parent]) {
        const dependence = VIEWER_DEPENDENT_FIELDS[`${type.name}.${node.name.value}`];
        if (dependence === 'session') {
          found = dependence;
          return BREAK;
        }
        if (dependence === 'user') found = dependence;
      }
      return undefined;
    },
  }));
  return found;
}

/**
 * `subscription S($v: …) { alias: liveField(arg: …) { selection } }` becomes
 * `query S($v: …, $__liveId: ID!) { alias: lookup(id: $__liveId) { selection } }` with the fragments it
 * uses, so the response has the subscription's shape and goes through the query plan.
 */
function lookupDocument(document: DocumentNode, operation: OperationDefinitionNode, root: FieldNode, field: LiveField): DocumentNode {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const collect = (node: FieldNode | FragmentDefinitionNode) => visit(node, {
    FragmentSpread(spread) {
      if (usedFragments.has(spread.name.value)) return;
      usedFragments.add(spread.name.value);
      const fragment = fragments.get(spread.name.value);
      if (fragment) collect(fragment);
    },
    Variable(variable) { usedVariables.add(variable.name.value); },
  });
  const lookupField: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
    name: { kind: Kind.NAME, value: field.lookup },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: LIVE_ID } } }],
    directives: root.directives,
    selectionSet: root.selectionSet,
  };
  collect({ ...lookupField, arguments: [] });
  const query: OperationDefinitionNode = {
    ...operation,
    operation: OperationTypeNode.QUERY,
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []).filter((d) => usedVariables.has(d.variable.name.value)),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: LIVE_ID } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
      },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [lookupField] },
  };
  return { kind: Kind.DOCUMENT, definitions: [query, ...[...usedFragments].map((name) => fragments.get(name)!).filter(Boolean)] };
}
