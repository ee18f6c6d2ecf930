// Request logs leave the gateway in batches, without waiting for acknowledgements, and still arrive on
// the stream one message per request, each once, in order.
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createLogger, subjects, type RequestLog } from '@desk/shared';
import { createTestNats, eventually, type TestNats } from '@desk/shared/testing';
import { RequestLogPublisher } from '../src/plugins/request-log.plugin';

const entry = (n: number): RequestLog => ({
  id: randomUUID(), operationName: `Op${n}`, operationType: 'query', durationMs: n, outcome: 'success', errorCodes: [],
  userId: null, clientName: null, clientVersion: null, correlationId: `request-${String(n).padStart(4, '0')}`, at: new Date().toISOString(),
});

let nats: TestNats;
beforeAll(async () => { nats = await createTestNats('requestlog'); });
afterAll(async () => { await nats.cleanup(); });

/**
 * Every request log on the stream, once the one with id `lastId` is the latest: logs sent on one
 * connection are stored in the order sent, so every log sent before it has been stored or dropped.
 */
async function storedThrough(lastId: string): Promise<RequestLog[]> {
  const stream = `${nats.prefix}_REQUESTS`;
  const jsm = await jetstreamManager(nats.nc);
  const total = await eventually(async () => {
    const latest = await jsm.streams.getMessage(stream, { last_by_subj: subjects(nats.prefix).requestLog });
    return latest?.json<RequestLog>().id === lastId && (await jsm.streams.info(stream)).state.messages;
  }, 5000, 'the last request log');
  const consumer = await jetstream(nats.nc).consumers.get(stream);
  const logs: RequestLog[] = [];
  for await (const message of await consumer.fetch({ max_messages: total, expires: 2000 })) logs.push(message.json<RequestLog>());
  return logs;
}

test('every request log of a burst is stored once, in order, and a repeated one is dropped by its id', async () => {
  const publisher = new RequestLogPublisher(nats.nc, nats.prefix, createLogger('test', 'silent'));
  const entries = Array.from({ length: 200 }, (_, n) => entry(n));
  for (const e of entries) publisher.publish(e);
  publisher.publish(entries[0]);
  const last = entry(200);
  publisher.publish(last);
  publisher.flush();
  expect((await storedThrough(last.id)).map((e) => e.id)).toEqual([...entries, last].map((e) => e.id));
});

test('publishing never throws, even once the connection is closed', async () => {
  const own = await createTestNats('requestlog_closed');
  const publisher = new RequestLogPublisher(own.nc, own.prefix, createLogger('test', 'silent'));
  await own.cleanup();
  expect(() => { publisher.publish(entry(1)); publisher.flush(); }).not.toThrow();
});
