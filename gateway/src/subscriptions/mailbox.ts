// A subscriber's bounded queue, read as an async iterator. Status pushes only matter in their newest
// form, so a newer result for the same entity replaces one not yet sent; past the capacity the oldest
// is dropped. Nothing a slow client does can make the gateway hold more than `capacity` results for it.
import type { FormattedExecutionResult } from 'graphql';

export class Mailbox implements AsyncIterableIterator<FormattedExecutionResult> {
  private readonly pending = new Map<string, FormattedExecutionResult>();
  private waiting: ((result: IteratorResult<FormattedExecutionResult>) => void) | null = null;
  private done = false;
  private last: FormattedExecutionResult | null = null;
  dropped = 0;

  constructor(private readonly capacity: number, private readonly onClose: () => void) {}

  /** Queues a result for `key` (the entity), replacing an unsent one for the same key. */
  push(key: string, result: FormattedExecutionResult): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: result, done: false });
      return;
    }
    if (this.pending.delete(key)) this.dropped += 1;
    this.pending.set(key, result);
    if (this.pending.size > this.capacity) {
      this.pending.delete(this.pending.keys().next().value!);
      this.dropped += 1;
    }
  }

  /** Sends `result` after what is queued, then ends the stream. */
  finish(result?: FormattedExecutionResult): void {
    if (this.done) return;
    if (result) this.last = result;
    this.done = true;
    this.onClose();
    if (this.waiting && this.pending.size === 0) {
      const resolve = this.waiting;
      this.waiting = null;
      if (this.last) { resolve({ value: this.last, done: false }); this.last = null; } else resolve({ value: undefined, done: true });
    }
  }

  /** True once the stream has ended or the client left. */
  get closed(): boolean {
    return this.done;
  }

  get size(): number {
    return this.pending.size;
  }

  next(): Promise<IteratorResult<FormattedExecutionResult>> {
    const first = this.pending.entries().next();
    if (!first.done) {
      this.pending.delete(first.value[0]);
      return Promise.resolve({ value: first.value[1], done: false });
    }
    if (this.last) {
      const value = this.last;
      this.last = null;
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => { this.waiting = resolve; });
  }

  return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.pending.clear();
    this.last = null;
    if (!this.done) { this.done = true; this.onClose(); }
    if (this.waiting) { const resolve = this.waiting; this.waiting = null; resolve({ value: undefined, done: true }); }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<FormattedExecutionResult>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
