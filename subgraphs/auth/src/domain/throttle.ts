// Login throttling: a sliding window of failed attempts per account and client address together, and
// per client address. Decided from the attempts recorded in Postgres, so every replica of the subgraph
// enforces the same limits. There is no limit per account alone: whoever knows an email could then keep
// its owner out by failing from anywhere. Guessing one account from many addresses costs an address
// per few guesses, and each guess a password hash.
export interface ThrottlePolicy {
  windowSeconds: number;
  /** Failures allowed for one email from one address. */
  maxPerAccountAndAddress: number;
  /** Failures allowed from one address, whatever the email. */
  maxPerAddress: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { windowSeconds: 15 * 60, maxPerAccountAndAddress: 5, maxPerAddress: 30 };

export interface RecentFailures {
  /** Times of the failures for this email from this address within the window, oldest first. */
  accountAndAddress: Date[];
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
  return Math.max(wait(failures.accountAndAddress, policy.maxPerAccountAndAddress), wait(failures.address, policy.maxPerAddress));
}
