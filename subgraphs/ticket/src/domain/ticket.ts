// Tickets and comments as the rest of the service sees them (plain values, whatever the storage), and
// the checks on what a client types into them.
import { BadUserInputError, isUuid, type TicketPriority as TicketPrioritySchema, type TicketStatus as TicketStatusSchema } from '@desk/shared';
import type { z } from 'zod';

export type TicketStatus = z.infer<typeof TicketStatusSchema>;
export type TicketPriority = z.infer<typeof TicketPrioritySchema>;

export interface TicketRecord {
  id: string;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  requesterId: string;
  assigneeId: string | null;
  orderId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CommentRecord {
  id: string;
  ticketId: string;
  authorId: string;
  body: string;
  createdAt: Date;
}

export interface StatusChangeRecord {
  ticketId: string;
  /** Null for the first entry (the ticket was opened). */
  from: TicketStatus | null;
  to: TicketStatus;
  actorId: string | null;
  at: Date;
}

/** A User or Order owned by another subgraph: only its key. */
export interface UserReference { __typename?: 'User'; id: string; }
export interface OrderReference { __typename?: 'Order'; id: string; }

export const SUBJECT_MAX = 200;
export const TEXT_MAX = 10_000;

export interface OpenTicketInput {
  subject: string;
  description: string;
  priority?: TicketPriority | null;
  orderId?: string | null;
}

export interface ValidOpenTicket {
  subject: string;
  description: string;
  priority: TicketPriority;
  orderId: string | null;
}

/** Trimmed text of 1 to `max` characters, or BAD_USER_INPUT naming `field`. */
export function validateText(value: string, field: string, max: number): string {
  const text = value.trim();
  if (text.length < 1 || text.length > max) throw new BadUserInputError(`${field} must be 1 to ${max} characters`, field);
  return text;
}

export function validateOpenTicket(input: OpenTicketInput): ValidOpenTicket {
  const subject = validateText(input.subject, 'subject', SUBJECT_MAX);
  const description = validateText(input.description, 'description', TEXT_MAX);
  const orderId = input.orderId ?? null;
  if (orderId !== null && !isUuid(orderId)) throw new BadUserInputError('orderId is not a valid order id', 'orderId');
  return { subject, description, priority: input.priority ?? 'NORMAL', orderId };
}

export const validateCommentBody = (body: string): string => validateText(body, 'body', TEXT_MAX);
