// Configuration and the classification of SMTP failures, without any server: which refusals are final
// (recorded, not retried) and which are retried; production refusing to start without SMTP_URL.
import { EnvError, parseEnv } from '@desk/shared';
import { generateInternalKeyPair } from '@desk/shared/testing';
import type { NodemailerError } from 'nodemailer';
import { emailEnvSchema } from '../src/env';
import { recipientRefusal } from '../src/mail-transport';

const smtpError = (fields: Partial<NodemailerError>): NodemailerError => Object.assign(new Error(fields.message ?? 'smtp failure'), fields);

describe('when the mail server answers with an error', () => {
  test('then a permanent refusal of the recipient is final', () => {
    const refused = smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 No such user', permanent: true });
    expect(recipientRefusal(refused)).toBe('550 5.1.1 No such user');
    const all = smtpError({ code: 'EENVELOPE', rejected: ['a@x.test'], rejectedErrors: [smtpError({ responseCode: 553, response: '553 bad mailbox' })] });
    expect(recipientRefusal(all)).toBe('553 bad mailbox');
  });

  test('then a temporary refusal, a bad sequence or a connection failure is retried', () => {
    expect(recipientRefusal(smtpError({ command: 'RCPT TO', responseCode: 450, response: '450 mailbox busy', permanent: false }))).toBeNull();
    expect(recipientRefusal(smtpError({ command: 'RCPT TO', responseCode: 503, response: '503 bad sequence' }))).toBeNull();
    expect(recipientRefusal(smtpError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' } as Partial<NodemailerError>))).toBeNull();
    expect(recipientRefusal(smtpError({ code: 'ETIMEDOUT' }))).toBeNull();
    // A refused sender is the platform's problem, not the recipient's: retried, then dead-lettered.
    expect(recipientRefusal(smtpError({ command: 'MAIL FROM', responseCode: 550, response: '550 sender refused', permanent: true }))).toBeNull();
  });
});

describe('when the configuration is read', () => {
  const base = { INTERNAL_JWT_PUBLIC_KEY: generateInternalKeyPair().publicKey };

  test('then development runs without SMTP_URL, on port 4010, with the documented defaults', () => {
    const env = parseEnv(emailEnvSchema, { ...base });
    expect(env).toMatchObject({ PORT: 4010, MAIL_FROM: 'Desk <no-reply@desk.local>', APP_URL: 'http://127.0.0.1:4000', SMTP_TIMEOUT_MS: 10_000 });
    expect(env.SMTP_URL).toBeUndefined();
    // An empty value, as compose files tend to pass, means the same as none.
    expect(parseEnv(emailEnvSchema, { ...base, SMTP_URL: '' }).SMTP_URL).toBeUndefined();
  });

  test('then production refuses to start without SMTP_URL', () => {
    expect(() => parseEnv(emailEnvSchema, { ...base, NODE_ENV: 'production' })).toThrow(EnvError);
    expect(() => parseEnv(emailEnvSchema, { ...base, NODE_ENV: 'production' })).toThrow(/SMTP_URL: required in production/);
    expect(parseEnv(emailEnvSchema, { ...base, NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.test:587' }).SMTP_URL).toBe('smtp://mail.example.test:587');
  });
});
