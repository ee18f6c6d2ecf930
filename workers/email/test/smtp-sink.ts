// A real SMTP server in the test process: it receives what the worker sends, parses it (or, for the
// benchmark, only reads the Message-ID), and can refuse chosen recipients with a permanent 550.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { testPort } from '@desk/shared/testing';

export interface ReceivedMail { messageId: string; to: string; from: string; subject: string; text: string; html: string; language: string | null }

export interface SmtpSink {
  port: number;
  url: string;
  mails: ReceivedMail[];
  /** How many times each Message-ID arrived. */
  countById(): Map<string, number>;
  /** Recipients answered with 550 at RCPT TO. */
  refuse: Set<string>;
  listening: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const headerOf = (raw: string, name: string): string => {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(raw.slice(0, raw.search(/\r?\n\r?\n/)));
  return match ? match[1].trim() : '';
};

export interface SinkOptions {
  port?: number;
  /** false: only the Message-ID is read (benchmarks). */
  parse?: boolean;
  /** Delay before accepting each message, to keep sends in flight longer. */
  acceptDelayMs?: number;
}

export async function createSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const port = options.port ?? await testPort();
  const parse = options.parse ?? true;
  const mails: ReceivedMail[] = [];
  const refuse = new Set<string>();
  let server: SMTPServer | null = null;

  const sink: SmtpSink = {
    port, url: `smtp://127.0.0.1:${port}`, mails, refuse, listening: false,
    countById() {
      const counts = new Map<string, number>();
      for (const m of mails) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
      return counts;
    },
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        size: 1024 * 1024,
        // Stopping a test should not wait out the default 30 s for a client's idle connection.
        closeTimeout: 1_000,
        onRcptTo(address, _session, callback) {
          if (refuse.has(address.address.toLowerCase())) {
            callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
            return;
          }
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          const finish = () => {
            const raw = Buffer.concat(chunks);
            const to = session.envelope.rcptTo.map((r) => r.address).join(',');
            if (!parse) {
              const head = raw.toString('utf8', 0, Math.min(raw.length, 4096));
              mails.push({ messageId: headerOf(head, 'Message-ID'), to, from: headerOf(head, 'From'), subject: '', text: '', html: '', language: null });
              callback();
              return;
            }
            simpleParser(raw).then((parsed) => {
              mails.push({
                messageId: parsed.messageId ?? '', to, from: parsed.from?.text ?? '', subject: parsed.subject ?? '',
                text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '', language: parsed.headers.get('content-language')?.toString() ?? null,
              });
              callback();
            }, callback);
          };
          stream.on('end', () => { if (options.acceptDelayMs) setTimeout(finish, options.acceptDelayMs); else finish(); });
        },
      });
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      s.removeAllListeners('error');
      // A client killed mid-conversation (the crash test) resets its connection: the server reports
      // that as an error event, which is expected here and must not surface as an uncaught error.
      s.on('error', () => undefined);
      sink.listening = true;
    },
    async stop() {
      const s = server;
      server = null;
      sink.listening = false;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  return sink;
}
