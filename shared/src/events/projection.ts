// Reading a projection that an event is still on its way to. A client that placed an order (or
// registered, or promoted an agent) a moment ago may call the next service before that service's
// consumer has recorded the event: such reads wait briefly for the row instead of refusing at once.

export const PROJECTION_WAIT_MS = 2_000;
const POLL_MS = 25;

/**
 * Reads until `read` gives a value that `ready` accepts, or the wait is over; returns the last value
 * read (which the caller then judges as usual).
 */
export async function awaitProjection<T>(
  read: () => Promise<T | null>,
  ready: (value: T) => boolean = () => true,
  timeoutMs: number = PROJECTION_WAIT_MS,
): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if ((value !== null && ready(value)) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
