// The email worker's tables: who mails go to (a projection of users), the ledger that makes each
// event's mail go out once, and the development mail catcher.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EmailTables1732000000600 implements MigrationInterface {
  name = 'EmailTables1732000000600';

  async up(runner: QueryRunner): Promise<void> {
    // Fed by auth.user-registered and user.profile-updated; guests have no email.
    await runner.query(`CREATE TABLE recipients (
      id uuid PRIMARY KEY,
      email text,
      name text NOT NULL,
      locale text NOT NULL CHECK (locale IN ('pt-BR', 'en')),
      guest boolean NOT NULL,
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    // One row per (event, kind of mail), written in the transaction that sends it: its lock keeps a
    // concurrent redelivery waiting, a failed try rolls it back, and a committed row ('sent', or
    // 'rejected' by the server for good) makes any later delivery of the event a no-op.
    await runner.query(`CREATE TABLE sent_mails (
      event_id uuid NOT NULL,
      kind text NOT NULL,
      recipient text NOT NULL,
      message_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('sent', 'rejected')),
      error text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      sent_at timestamptz(3),
      PRIMARY KEY (event_id, kind)
    )`);
    await runner.query(`CREATE TABLE caught_mails (
      id bigserial PRIMARY KEY,
      event_id uuid NOT NULL,
      "to" text NOT NULL,
      subject text NOT NULL,
      text text NOT NULL,
      html text NOT NULL,
      sent_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await runner.query('CREATE INDEX caught_mails_newest ON caught_mails (sent_at DESC, id DESC)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE caught_mails');
    await runner.query('DROP TABLE sent_mails');
    await runner.query('DROP TABLE recipients');
  }
}
