// The SANDBOX provider's webhook signature: `t=<unix s>,v1=<HMAC-SHA256 of "<t>.<body>">`, checked
// in constant time, with a five-minute tolerance on the timestamp.
import { SandboxProvider, signSandboxWebhook, verifySandboxSignature } from '../src/providers/sandbox.provider';
import { WebhookSignatureError } from '../src/providers/provider';

const SECRET = 'sandbox-secret-for-unit-tests';
const NOW = 1_800_000_000;
const PAYMENT = '0f8fad5b-d9cb-469f-a165-70867728950e';
const body = Buffer.from(JSON.stringify({ paymentId: PAYMENT, event: 'payment.succeeded' }));

describe('when a Sandbox-Signature header is checked', () => {
  test('then a signature made with the secret over this body and a current time is accepted', () => {
    const header = signSandboxWebhook(SECRET, body, NOW - 10);
    expect(verifySandboxSignature(header, body, SECRET, NOW)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('then one v1 among several that matches is enough (secret rotation)', () => {
    const good = signSandboxWebhook(SECRET, body, NOW).split(',')[1];
    expect(() => verifySandboxSignature(`t=${NOW},v1=${'0'.repeat(64)},${good}`, body, SECRET, NOW)).not.toThrow();
  });

  test.each([
    ['it is missing', undefined],
    ['it has no timestamp', `v1=${'a'.repeat(64)}`],
    ['it has no v1', `t=${NOW}`],
    ['its v1 is not hex', `t=${NOW},v1=zz`],
    ['the timestamp is more than 5 minutes old', signSandboxWebhook(SECRET, body, NOW - 301)],
    ['the timestamp is more than 5 minutes ahead', signSandboxWebhook(SECRET, body, NOW + 301)],
    ['it was made with another secret', signSandboxWebhook('another-secret-entirely', body, NOW)],
    ['it was made over another body', signSandboxWebhook(SECRET, Buffer.from(`${body.toString()} `), NOW)],
    ['its timestamp was changed', signSandboxWebhook(SECRET, body, NOW).replace(`t=${NOW}`, `t=${NOW - 1}`)],
  ])('then it is refused when %s', (_case, header) => {
    expect(() => verifySandboxSignature(header, body, SECRET, NOW)).toThrow(WebhookSignatureError);
  });

  test('then a timestamp exactly 5 minutes old is still accepted', () => {
    expect(() => verifySandboxSignature(signSandboxWebhook(SECRET, body, NOW - 300), body, SECRET, NOW)).not.toThrow();
  });
});

describe('when the sandbox provider reads a webhook', () => {
  const provider = new SandboxProvider({ webhookSecret: SECRET, pixKey: 'key@example.com', merchantName: 'Desk', merchantCity: 'Recife', now: () => NOW });
  const read = (raw: Buffer, t = NOW) => provider.parseWebhook(raw, { 'sandbox-signature': signSandboxWebhook(SECRET, raw, t) });

  test('then a signed success names the payment and the outcome', async () => {
    expect(await read(body)).toMatchObject({ paymentId: PAYMENT, outcome: 'succeeded' });
  });

  test('then the same request again has the same event key and another request another key', async () => {
    const first = await read(body);
    expect((await read(body))?.eventKey).toBe(first?.eventKey);
    expect((await read(body, NOW - 1))?.eventKey).not.toBe(first?.eventKey);
  });

  test('then a signed failure carries a reason', async () => {
    const failed = Buffer.from(JSON.stringify({ paymentId: PAYMENT, event: 'payment.failed' }));
    expect(await read(failed)).toMatchObject({ outcome: 'failed', reason: expect.any(String) });
  });

  test('then a signed body with an unknown event or no payment id is ignored', async () => {
    expect(await read(Buffer.from(JSON.stringify({ paymentId: PAYMENT, event: 'payment.exploded' })))).toBeNull();
    expect(await read(Buffer.from(JSON.stringify({ event: 'payment.succeeded' })))).toBeNull();
  });

  test('then a charge gets a PIX code whose txid is the payment id without dashes, cut to 25', async () => {
    const charge = await provider.createCharge({ id: PAYMENT, orderId: PAYMENT, customerId: PAYMENT, amountCents: 500, currency: 'BRL' });
    expect(charge.qrCode).toContain('0525' + PAYMENT.replace(/-/g, '').slice(0, 25));
    expect(charge.qrCode).toContain('54045.00');
  });
});
