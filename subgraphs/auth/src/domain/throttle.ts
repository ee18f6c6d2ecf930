// Login throttling: a sliding window of failed attempts per account and per client address. Decided
// from the attempts recorded in Postgres, so every replica of the subgraph enforces the same limits.
export interface ThrottlePolicy {
  windowSeconds: number;
  maxPerAccount: number;
  maxPerAddress: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { windowSeconds: 15 * 60, maxPerAccount: 5, maxPerAddress: 30 };

export interface RecentFailures {
  /** Times of the failures for this email within the window, oldest first. */
  account: Date[];
  /** Times of the failures from this address within the window, oldest first. */
  address: Date[];
}

/** Seconds until another attempt is allowed, or 0 when it is allowed now. */
export function retryAfterSeconds(policy: ThrottlePolicy, failures: RecentFailures, now: Date): number {
  const wait = (times: Date[], max: number): number => {
    if (times.length < max) return 0;
    // The attempt that must leave the window before the count drops below the limit.
    const blocking = times[times.length - max];
    return Math.max(1, Math.ceil((blocking.getTime() + policy.windowSeconds * 1000 - now.getTime()) / 1000));
  };
  return Math.max(wait(failures.account, policy.maxPerAccount), wait(failures.address, policy.maxPerAddress));
}
