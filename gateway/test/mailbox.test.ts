// A subscriber's queue: bounded whatever the client does, the newest status per entity wins, and it
// ends cleanly from either side.
import { Mailbox } from '../src/subscriptions/mailbox';

const result = (status: string) => ({ data: { orderStatusChanged: { status } } });

async function drain(mailbox: Mailbox, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push((await mailbox.next()).value);
  return out;
}

describe('a subscriber\'s mailbox', () => {
  test('when a reader is waiting, then a push reaches it at once', async () => {
    const mailbox = new Mailbox(10, () => undefined);
    const next = mailbox.next();
    mailbox.push('a', result('PAID'));
    expect(await next).toEqual({ done: false, value: result('PAID') });
  });

  test('when the reader is slow, then only the newest result per entity is kept, in order of arrival', async () => {
    const mailbox = new Mailbox(10, () => undefined);
    mailbox.push('a', result('PAID'));
    mailbox.push('b', result('PAID'));
    mailbox.push('a', result('PREPARING'));
    expect(mailbox.size).toBe(2);
    expect(await drain(mailbox, 2)).toEqual([result('PAID'), result('PREPARING')]);
    expect(mailbox.dropped).toBe(1);
  });

  test('when more entities change than it holds, then the oldest is dropped and the size stays bounded', () => {
    const mailbox = new Mailbox(3, () => undefined);
    for (let i = 0; i < 100; i++) mailbox.push(`order-${i}`, result('PAID'));
    expect(mailbox.size).toBe(3);
    expect(mailbox.dropped).toBe(97);
  });

  test('when the stream is finished with a last result, then it comes after what was queued, and then the end', async () => {
    let closed = 0;
    const mailbox = new Mailbox(10, () => { closed += 1; });
    mailbox.push('a', result('PAID'));
    mailbox.finish({ errors: [{ message: 'The session has ended', extensions: { code: 'SESSION_ENDED' } }] });
    expect(closed).toBe(1);
    expect((await mailbox.next()).value).toEqual(result('PAID'));
    expect((await mailbox.next()).value).toEqual({ errors: [{ message: 'The session has ended', extensions: { code: 'SESSION_ENDED' } }] });
    expect(await mailbox.next()).toEqual({ done: true, value: undefined });
    mailbox.push('b', result('PAID'));
    expect(mailbox.size).toBe(0);
  });

  test('when the client leaves while a reader waits, then the reader ends and the mailbox lets go once', async () => {
    let closed = 0;
    const mailbox = new Mailbox(10, () => { closed += 1; });
    const waiting = mailbox.next();
    await mailbox.return();
    await mailbox.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(closed).toBe(1);
    expect(mailbox.closed).toBe(true);
  });
});
