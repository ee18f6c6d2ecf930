// Transactional outbox: an event is written in the same transaction as the change it reports, and a
// relay publishes it afterwards. A crash between the two loses nothing; the relay simply tries again.
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { createEnvelope, type EventCause, type EventDefinition, type EventEnvelope, type PayloadOf } from '../events/define-event';

/** Appends an event to the outbox inside `manager`'s transaction. */
export async function appendEvent<D extends EventDefinition>(
  manager: EntityManager, definition: D, payload: PayloadOf<D>, cause: EventCause,
): Promise<EventEnvelope<PayloadOf<D>>> {
  const envelope = createEnvelope(definition, payload, cause);
  await manager.query('INSERT INTO outbox (id, type, envelope, created_at) VALUES ($1, $2, $3, $4)', [
    envelope.id, envelope.type, JSON.stringify(envelope), envelope.occurredAt,
  ]);
  return envelope;
}

/**
 * Handles an incoming event at most once per consumer: the inbox row and the handler's writes commit
 * together, so a redelivered event finds its row and is skipped. Returns false when it was a repeat.
 */
export async function handleOnce(manager: EntityManager, consumer: string, eventId: string, work: (manager: EntityManager) => Promise<void>): Promise<boolean> {
  return manager.transaction(async (tx) => {
    const inserted: unknown[] = await tx.query(
      'INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id', [consumer, eventId],
    );
    if (inserted.length === 0) return false;
    await work(tx);
    return true;
  });
}

/** The outbox and inbox tables, in every service's first migration. */
export class OutboxTables1732000000000 implements MigrationInterface {
  name = 'OutboxTables1732000000000';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE outbox (
      id uuid PRIMARY KEY,
      type text NOT NULL,
      envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      published_at timestamptz
    )`);
    await runner.query('CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL');
    await runner.query(`CREATE TABLE inbox (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE inbox');
    await runner.query('DROP TABLE outbox');
  }
}
