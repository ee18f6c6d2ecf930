// The ticket subgraph's use cases: opening, reading and listing tickets under the policy, comments,
// assignment and status moves, each change with its history and event in the same transaction; and
// the projections of orders and users fed by other services' events.
import { randomUUID } from 'node:crypto';
import {
  BadUserInputError, ForbiddenError, NotFoundError, TicketAssigned, TicketCommented, TicketOpened, TicketStatusChanged, UnauthenticatedError,
  appendEvent, awaitProjection, emptyConnection, handleOnce, isUuid, newestFirst,
  type CountedConnection, type EventEnvelope, type Logger, type OrderPlaced, type OutboxRelay, type Page, type PageArgs, type PageKey,
  type PageRequest, type PayloadOf, type Role, type TimePosition, type UserRegistered, type UserRolesChanged, type Viewer,
} from '@desk/shared';
import type DataLoader from 'dataloader';
import type { DataSource, EntityManager } from 'typeorm';
import {
  validateCommentBody, validateOpenTicket,
  type CommentRecord, type OpenTicketInput, type TicketPriority, type TicketRecord, type TicketStatus,
} from './domain/ticket';
import { assertTransition } from './domain/transitions';
import { can, transitionActor } from './policy';
import type { TicketFilterQuery, TicketRepository } from './ticket.repository';

const STAFF_ROLES: readonly Role[] = ['AGENT', 'ADMIN'];

export type TicketConnection = CountedConnection<TicketRecord>;

export interface TicketFilterInput {
  status?: readonly TicketStatus[] | null;
  priority?: readonly TicketPriority[] | null;
  requesterId?: string | null;
  assigneeId?: string | null;
  orderId?: string | null;
}

/** What the service needs that outlives a request. */
export interface TicketServiceDeps {
  dataSource: DataSource;
  repository: TicketRepository;
  relay: OutboxRelay;
}

export interface TicketLoaders {
  tickets: DataLoader<string, TicketRecord | null>;
  comments: DataLoader<string, CommentRecord[]>;
  /** Tickets by order id, already narrowed to what the viewer may see. */
  byOrder: DataLoader<string, TicketRecord[]>;
  /** Each requester's page of the tickets they opened; the policy is applied before asking. */
  byRequester: DataLoader<PageKey<PageRequest<TimePosition>>, Page<TicketRecord>, string>;
}

/** One per request: bound to the viewer and the request's loaders. */
export class TicketService {
  constructor(
    private readonly deps: TicketServiceDeps,
    private readonly viewer: Viewer,
    private readonly loaders: TicketLoaders,
    private readonly log: Logger,
  ) {}

  async ticket(id: string): Promise<TicketRecord | null> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!isUuid(id)) throw new BadUserInputError('id is not a valid ticket id', 'id');
    const ticket = await this.loaders.tickets.load(id);
    if (ticket && !can(this.viewer, 'ticket:read', ticket)) throw new ForbiddenError('You may only see your own tickets');
    return ticket;
  }

  /** A reference from another subgraph: null when the viewer may not see it. */
  async reference(id: string): Promise<TicketRecord | null> {
    if (!isUuid(id)) return null;
    const ticket = await this.loaders.tickets.load(id);
    return ticket && can(this.viewer, 'ticket:read', ticket) ? ticket : null;
  }

  comments(ticket: TicketRecord): Promise<CommentRecord[]> {
    return this.loaders.comments.load(ticket.id);
  }

  async list(args: PageArgs & { filter?: TicketFilterInput | null }): Promise<TicketConnection> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    const filter = args.filter ?? {};
    const id = (value: string | null | undefined, field: string): string | null => {
      if (value == null) return null;
      if (!isUuid(value)) throw new BadUserInputError(`${field} is not a valid id`, `filter.${field}`);
      return value;
    };
    return this.page({
      statuses: filter.status && filter.status.length > 0 ? [...filter.status] : null,
      priorities: filter.priority && filter.priority.length > 0 ? [...filter.priority] : null,
      requesterId: id(filter.requesterId, 'requesterId'),
      assigneeId: id(filter.assigneeId, 'assigneeId'),
      orderId: id(filter.orderId, 'orderId'),
      visibleTo: can(this.viewer, 'ticket:list-all') ? null : this.viewer.userId,
    }, args);
  }

  /** `User.tickets`: the tickets the user opened; a customer sees only their own list, anyone else's is empty. */
  async ofUser(userId: string, args: PageArgs): Promise<TicketConnection> {
    if (!isUuid(userId) || !can(this.viewer, 'ticket:read', { requesterId: userId })) {
      newestFirst.request(args);
      return emptyConnection();
    }
    // Read with every other user's page this request asks for: a list of users costs one statement.
    const request = newestFirst.request(args);
    return this.connection(await this.loaders.byRequester.load({ parentId: userId, query: request }), request);
  }

  /** `Order.tickets`: staff see all of them; a customer only the ones they opened. */
  async ofOrder(orderId: string): Promise<TicketRecord[]> {
    if (!this.viewer.userId || !isUuid(orderId)) return [];
    return this.loaders.byOrder.load(orderId);
  }

  private async page(filter: TicketFilterQuery, args: PageArgs): Promise<TicketConnection> {
    const request = newestFirst.request(args);
    return this.connection(await this.deps.repository.page(filter, request), request);
  }

  private connection(page: Page<TicketRecord>, request: PageRequest<TimePosition>): TicketConnection {
    for (const row of page.rows) this.loaders.tickets.prime(row.id, row);
    return newestFirst.connection(page, request, (t) => ({ at: t.createdAt, id: t.id }));
  }

  async open(input: OpenTicketInput): Promise<TicketRecord> {
    const requesterId = this.viewer.userId;
    if (!requesterId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'ticket:open')) throw new ForbiddenError();
    const valid = validateOpenTicket(input);
    if (valid.orderId) await this.checkOrder(valid.orderId);
    const now = new Date();
    const ticket: TicketRecord = {
      id: randomUUID(), subject: valid.subject, description: valid.description, status: 'OPEN', priority: valid.priority,
      requesterId, assigneeId: null, orderId: valid.orderId, createdAt: now, updatedAt: now,
    };
    await this.deps.dataSource.transaction(async (tx) => {
      await this.deps.repository.insert(tx, ticket);
      await this.deps.repository.recordChange(tx, { ticketId: ticket.id, from: null, to: 'OPEN', actorId: requesterId, at: now });
      await appendEvent(tx, TicketOpened, {
        ticketId: ticket.id, requesterId, subject: ticket.subject, priority: ticket.priority, orderId: ticket.orderId, openedAt: now.toISOString(),
      }, this.cause());
    });
    this.deps.relay.kick();
    this.loaders.tickets.prime(ticket.id, ticket);
    this.loaders.comments.prime(ticket.id, []);
    this.log.info({ ticketId: ticket.id, orderId: ticket.orderId }, 'ticket opened');
    return ticket;
  }

  /**
   * The order must be known, and a customer's own. The order.placed event may reach this service a
   * few milliseconds after placeOrder returned to the client, so an unknown order is waited for briefly.
   */
  private async checkOrder(orderId: string): Promise<void> {
    const order = await awaitProjection(() => this.deps.repository.findKnownOrder(orderId));
    if (!order) throw new NotFoundError('Order', orderId);
    if (order.customerId !== this.viewer.userId && !can(this.viewer, 'ticket:any-order')) {
      throw new ForbiddenError('You may only open tickets about your own orders');
    }
  }

  async comment(ticketId: string, body: string): Promise<CommentRecord> {
    const authorId = this.viewer.userId;
    if (!authorId) throw new UnauthenticatedError();
    if (!isUuid(ticketId)) throw new BadUserInputError('ticketId is not a valid ticket id', 'ticketId');
    const text = validateCommentBody(body);
    const { comment, ticket } = await this.deps.dataSource.transaction(async (tx) => {
      const current = await this.lockVisible(tx, ticketId);
      if (!can(this.viewer, 'ticket:comment', current)) throw new ForbiddenError('You may only comment on your own tickets');
      const at = new Date();
      const record: CommentRecord = { id: randomUUID(), ticketId, authorId, body: text, createdAt: at };
      await this.deps.repository.insertComment(tx, record);
      const byRequester = authorId === current.requesterId;
      await appendEvent(tx, TicketCommented, {
        ticketId, commentId: record.id, requesterId: current.requesterId, authorId, byStaff: !byRequester,
      }, this.cause());
      // The requester answered the question staff were waiting on.
      const next = byRequester && current.status === 'WAITING_ON_CUSTOMER'
        ? await this.moveStatus(tx, current, 'IN_PROGRESS', at)
        : { ...current, updatedAt: at };
      if (next.status === current.status) await this.deps.repository.touch(tx, ticketId, at);
      return { comment: record, ticket: next };
    });
    this.deps.relay.kick();
    this.loaders.tickets.clear(ticketId).prime(ticketId, ticket);
    this.loaders.comments.clear(ticketId);
    this.log.info({ ticketId, commentId: comment.id, status: ticket.status }, 'ticket commented');
    return comment;
  }

  async assign(ticketId: string, assigneeId: string | null): Promise<TicketRecord> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'ticket:assign')) throw new ForbiddenError('Only staff may assign tickets');
    if (!isUuid(ticketId)) throw new BadUserInputError('ticketId is not a valid ticket id', 'ticketId');
    if (assigneeId !== null) {
      if (!isUuid(assigneeId)) throw new BadUserInputError('assigneeId is not a valid user id', 'assigneeId');
      // An agent promoted a moment ago may not have reached this service's projection yet.
      const isStaffMember = (user: { roles: readonly Role[] }) => user.roles.some((role) => STAFF_ROLES.includes(role));
      const assignee = await awaitProjection(() => this.deps.repository.findKnownUser(assigneeId), isStaffMember);
      if (!assignee || !isStaffMember(assignee)) {
        throw new BadUserInputError('assigneeId must be an agent or an admin', 'assigneeId');
      }
    }
    const ticket = await this.deps.dataSource.transaction(async (tx) => {
      const current = await this.lockVisible(tx, ticketId);
      if (current.assigneeId === assigneeId) return current;
      const at = new Date();
      await this.deps.repository.updateAssignee(tx, ticketId, assigneeId, at);
      await appendEvent(tx, TicketAssigned, { ticketId, requesterId: current.requesterId, assigneeId }, this.cause());
      return { ...current, assigneeId, updatedAt: at };
    });
    this.deps.relay.kick();
    this.loaders.tickets.clear(ticketId).prime(ticketId, ticket);
    this.log.info({ ticketId, assigneeId }, 'ticket assigned');
    return ticket;
  }

  async changeStatus(ticketId: string, to: TicketStatus): Promise<TicketRecord> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!isUuid(ticketId)) throw new BadUserInputError('ticketId is not a valid ticket id', 'ticketId');
    const ticket = await this.deps.dataSource.transaction(async (tx) => {
      // The lock serializes concurrent moves: the second sees the first's result.
      const current = await this.lockVisible(tx, ticketId);
      const actor = transitionActor(this.viewer, current);
      if (!actor) throw new ForbiddenError('You may only change your own tickets');
      assertTransition(current.status, to, actor);
      return this.moveStatus(tx, current, to, new Date());
    });
    this.deps.relay.kick();
    this.loaders.tickets.clear(ticketId).prime(ticketId, ticket);
    this.log.info({ ticketId, status: to }, 'ticket status changed');
    return ticket;
  }

  /** Locks the ticket; NOT_FOUND when missing, FORBIDDEN when the viewer may not see it. */
  private async lockVisible(tx: EntityManager, ticketId: string): Promise<TicketRecord> {
    const current = await this.deps.repository.findForUpdate(tx, ticketId);
    if (!current) throw new NotFoundError('Ticket', ticketId);
    if (!can(this.viewer, 'ticket:read', current)) throw new ForbiddenError('You may only see your own tickets');
    return current;
  }

  /** Moves a locked ticket to `to`, with its history line and event, inside `tx`. */
  private async moveStatus(tx: EntityManager, ticket: TicketRecord, to: TicketStatus, at: Date): Promise<TicketRecord> {
    await this.deps.repository.updateStatus(tx, ticket.id, to, at);
    await this.deps.repository.recordChange(tx, { ticketId: ticket.id, from: ticket.status, to, actorId: this.viewer.userId, at });
    await appendEvent(tx, TicketStatusChanged, {
      __typename: 'Ticket', id: ticket.id, requesterId: ticket.requesterId, assigneeId: ticket.assigneeId,
      subject: ticket.subject, from: ticket.status, to, changedAt: at.toISOString(),
    }, this.cause());
    return { ...ticket, status: to, updatedAt: at };
  }

  private cause() {
    return { correlationId: this.viewer.correlationId, actorId: this.viewer.userId };
  }
}

/** The projections other services' events feed; each event is applied once per consumer. */
export type ProjectionDeps = Pick<TicketServiceDeps, 'dataSource' | 'repository'>;

export async function recordRegisteredUser(deps: ProjectionDeps, consumer: string, event: EventEnvelope<PayloadOf<typeof UserRegistered>>, log: Logger): Promise<void> {
  const { userId, roles } = event.payload;
  const fresh = await handleOnce(deps.dataSource.manager, consumer, event.id, (tx) => deps.repository.recordUser(tx, { id: userId, roles }));
  log.debug({ userId, repeat: !fresh }, 'known user recorded');
}

export async function recordRolesChange(deps: ProjectionDeps, consumer: string, event: EventEnvelope<PayloadOf<typeof UserRolesChanged>>, log: Logger): Promise<void> {
  const { userId, roles, version } = event.payload;
  const fresh = await handleOnce(deps.dataSource.manager, consumer, event.id, (tx) => deps.repository.recordRoles(tx, { id: userId, roles }, version));
  log.debug({ userId, roles, version, repeat: !fresh }, 'known user roles recorded unless older than the stored ones');
}

export async function recordPlacedOrder(deps: ProjectionDeps, consumer: string, event: EventEnvelope<PayloadOf<typeof OrderPlaced>>, log: Logger): Promise<void> {
  const { orderId, customerId } = event.payload;
  const fresh = await handleOnce(deps.dataSource.manager, consumer, event.id, (tx) => deps.repository.recordOrder(tx, { id: orderId, customerId }));
  log.debug({ orderId, repeat: !fresh }, 'known order recorded');
}
