// The benchmark's SMTP sink in a process of its own, so that receiving mail does not share the
// worker's thread: reports its URL once, then how many mails (and distinct Message-IDs) it has.
import { createSmtpSink } from '../test/smtp-sink';

async function main(): Promise<void> {
  const sink = await createSmtpSink({ parse: false });
  await sink.start();
  process.send!({ type: 'ready', url: sink.url });
  const timer = setInterval(() => process.send!({ type: 'count', count: sink.mails.length, distinct: sink.countById().size }), 20);
  process.on('disconnect', () => {
    clearInterval(timer);
    void sink.stop().then(() => process.exit(0));
  });
}

void main();
