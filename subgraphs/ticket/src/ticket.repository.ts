// Storage of tickets, their comments and status history, and the order and user projections, in
// Postgres (schema `tickets`). Everything it returns is a plain record; write methods take the
// caller's transaction.
import { Where, keysetPage, keysetPages, newestFirstOrder, type Page, type PageRequest, type Role, type TimePosition } from '@desk/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { CommentRecord, StatusChangeRecord, TicketPriority, TicketRecord, TicketStatus } from './domain/ticket';

const TICKET_COLUMNS = 'id, subject, description, status, priority, requester_id, assignee_id, order_id, created_at, updated_at';

interface TicketRow {
  id: string; subject: string; description: string; status: TicketStatus; priority: TicketPriority;
  requester_id: string; assignee_id: string | null; order_id: string | null; created_at: Date; updated_at: Date;
}

const toTicket = (row: TicketRow): TicketRecord => ({
  id: row.id,
  subject: row.subject,
  description: row.description,
  status: row.status,
  priority: row.priority,
  requesterId: row.requester_id,
  assigneeId: row.assignee_id,
  orderId: row.order_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface TicketFilterQuery {
  statuses: TicketStatus[] | null;
  priorities: TicketPriority[] | null;
  requesterId: string | null;
  assigneeId: string | null;
  orderId: string | null;
  /** Set for customers: only tickets they opened, whatever the other filters say. */
  visibleTo: string | null;
}

export interface KnownOrder { id: string; customerId: string; }
export interface KnownUser { id: string; roles: Role[]; }

export class TicketRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One `WHERE id = ANY($1)` query, whatever the number of ids; unknown ids are simply absent. */
  async findByIds(ids: readonly string[]): Promise<TicketRecord[]> {
    if (ids.length === 0) return [];
    const rows: TicketRow[] = await this.dataSource.query(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = ANY($1)`, [[...ids]]);
    return rows.map(toTicket);
  }

  /** Reads a ticket and locks it until the transaction ends. */
  async findForUpdate(manager: EntityManager, id: string): Promise<TicketRecord | null> {
    const rows: TicketRow[] = await manager.query(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  /** The tickets about many orders in one query, newest first; only `requesterId`'s when given. */
  async ofOrders(orderIds: readonly string[], requesterId: string | null): Promise<TicketRecord[]> {
    if (orderIds.length === 0) return [];
    const rows: TicketRow[] = await this.dataSource.query(
      `SELECT ${TICKET_COLUMNS} FROM tickets WHERE order_id = ANY($1) AND ($2::uuid IS NULL OR requester_id = $2)
       ORDER BY created_at DESC, id DESC`, [[...orderIds], requesterId],
    );
    return rows.map(toTicket);
  }

  /** The comments of many tickets in one query, oldest first. */
  async commentsOf(ticketIds: readonly string[]): Promise<CommentRecord[]> {
    if (ticketIds.length === 0) return [];
    const rows: { id: string; ticket_id: string; author_id: string; body: string; created_at: Date }[] = await this.dataSource.query(
      'SELECT id, ticket_id, author_id, body, created_at FROM ticket_comments WHERE ticket_id = ANY($1) ORDER BY ticket_id, seq', [[...ticketIds]],
    );
    return rows.map((r) => ({ id: r.id, ticketId: r.ticket_id, authorId: r.author_id, body: r.body, createdAt: r.created_at }));
  }

  /** Newest first, the id breaking ties; `limit + 1` rows when there are more, and the count of all that match when asked for. */
  page(query: TicketFilterQuery, request: PageRequest<TimePosition>): Promise<Page<TicketRecord>> {
    const where = new Where();
    if (query.visibleTo) where.add((p) => `requester_id = ${p}`, query.visibleTo);
    if (query.requesterId) where.add((p) => `requester_id = ${p}`, query.requesterId);
    if (query.assigneeId) where.add((p) => `assignee_id = ${p}`, query.assigneeId);
    if (query.orderId) where.add((p) => `order_id = ${p}`, query.orderId);
    if (query.statuses) where.add((p) => `status = ANY(${p})`, query.statuses);
    if (query.priorities) where.add((p) => `priority = ANY(${p})`, query.priorities);
    return keysetPage(this.dataSource, { table: 'tickets', columns: TICKET_COLUMNS, where, order: newestFirstOrder('created_at') }, request, toTicket);
  }

  /** Each requester's page of the tickets they opened, as `page` reads one, all in one statement. */
  pagesByRequester(requesterIds: readonly string[], request: PageRequest<TimePosition>): Promise<Map<string, Page<TicketRecord>>> {
    const source = { table: 'tickets', columns: TICKET_COLUMNS, where: new Where(), order: newestFirstOrder('created_at') };
    return keysetPages(this.dataSource, source, { column: 'requester_id', ids: requesterIds }, request, toTicket);
  }

  async insert(manager: EntityManager, ticket: TicketRecord): Promise<void> {
    await manager.query(
      `INSERT INTO tickets (${TICKET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [ticket.id, ticket.subject, ticket.description, ticket.status, ticket.priority, ticket.requesterId, ticket.assigneeId, ticket.orderId, ticket.createdAt, ticket.updatedAt],
    );
  }

  async insertComment(manager: EntityManager, comment: CommentRecord): Promise<void> {
    await manager.query(
      'INSERT INTO ticket_comments (id, ticket_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)',
      [comment.id, comment.ticketId, comment.authorId, comment.body, comment.createdAt],
    );
  }

  async updateStatus(manager: EntityManager, id: string, status: TicketStatus, at: Date): Promise<void> {
    await manager.query('UPDATE tickets SET status = $2, updated_at = $3 WHERE id = $1', [id, status, at]);
  }

  async updateAssignee(manager: EntityManager, id: string, assigneeId: string | null, at: Date): Promise<void> {
    await manager.query('UPDATE tickets SET assignee_id = $2, updated_at = $3 WHERE id = $1', [id, assigneeId, at]);
  }

  async touch(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.query('UPDATE tickets SET updated_at = $2 WHERE id = $1', [id, at]);
  }

  async recordChange(manager: EntityManager, change: StatusChangeRecord): Promise<void> {
    await manager.query(
      'INSERT INTO ticket_status_changes (ticket_id, from_status, to_status, actor_id, changed_at) VALUES ($1, $2, $3, $4, $5)',
      [change.ticketId, change.from, change.to, change.actorId, change.at],
    );
  }

  async findKnownOrder(id: string): Promise<KnownOrder | null> {
    const rows: { id: string; customer_id: string }[] = await this.dataSource.query('SELECT id, customer_id FROM known_orders WHERE id = $1', [id]);
    return rows[0] ? { id: rows[0].id, customerId: rows[0].customer_id } : null;
  }

  async findKnownUser(id: string): Promise<KnownUser | null> {
    const rows: { id: string; roles: Role[] }[] = await this.dataSource.query('SELECT id, roles FROM known_users WHERE id = $1', [id]);
    return rows[0] ? { id: rows[0].id, roles: [...rows[0].roles] } : null;
  }

  /** An order first seen in an OrderPlaced event; a repeat changes nothing. */
  async recordOrder(manager: EntityManager, order: KnownOrder): Promise<void> {
    await manager.query('INSERT INTO known_orders (id, customer_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [order.id, order.customerId]);
  }

  /** A registered user (roles version 0); roles already recorded by a later role change are kept. */
  async recordUser(manager: EntityManager, user: KnownUser): Promise<void> {
    await manager.query('INSERT INTO known_users (id, roles) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [user.id, user.roles]);
  }

  /**
   * A role change, also for a user whose registration has not been seen yet, unless a newer one is in
   * already (one statement, so concurrent deliveries cannot undo each other). A change without a
   * version, from before versions existed, is applied as it comes.
   */
  async recordRoles(manager: EntityManager, user: KnownUser, version?: number): Promise<void> {
    await manager.query(
      `INSERT INTO known_users (id, roles, applied_roles_version) VALUES ($1, $2, coalesce($3, 0))
       ON CONFLICT (id) DO UPDATE SET roles = EXCLUDED.roles, applied_roles_version = coalesce($3, known_users.applied_roles_version)
       WHERE $3::integer IS NULL OR known_users.applied_roles_version < $3`,
      [user.id, user.roles, version ?? null],
    );
  }
}
