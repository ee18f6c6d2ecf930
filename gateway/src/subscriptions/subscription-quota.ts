// How much one client may hold open for live results: subscriptions per signed-in account and per client
// address, whichever transport carries them; WebSocket connections per address and per account; and
// the distinct resolution groups an account's subscriptions make the gateway resolve on each event.
// Guests and anonymous callers can mint identities at will, so they count by their address only. The
// counts are this gateway process's own: with several replicas each holds a client to the caps alone.
import { AppError, ErrorCode, addressKey, type Viewer } from '@desk/shared';

export interface QuotaLimits {
  subscriptionsPerUser: number;
  subscriptionsPerAddress: number;
  connectionsPerAddress: number;
  connectionsPerUser: number;
  groupsPerUser: number;
}

/** A place held under the caps. Giving it back more than once gives it back once. */
export interface Slot { release(): void }

/** Which cap refused: told to the client in `extensions.limit`. */
export type QuotaLimit = 'subscriptionsPerUser' | 'subscriptionsPerAddress' | 'connectionsPerAddress' | 'connectionsPerUser' | 'groupsPerUser';

export class QuotaExceededError extends AppError {
  constructor(readonly limit: QuotaLimit, message: string) {
    super(ErrorCode.TOO_MANY_SUBSCRIPTIONS, message, { limit });
  }
}

/** Open things counted per key; a key's entry goes when its count reaches zero. */
class Tally {
  private readonly counts = new Map<string, number>();
  constructor(readonly limit: number) {}
  full(key: string): boolean { return (this.counts.get(key) ?? 0) >= this.limit; }
  add(key: string): void { this.counts.set(key, (this.counts.get(key) ?? 0) + 1); }
  remove(key: string): void {
    const left = (this.counts.get(key) ?? 0) - 1;
    if (left > 0) this.counts.set(key, left); else this.counts.delete(key);
  }
  get total(): number {
    let n = 0;
    for (const count of this.counts.values()) n += count;
    return n;
  }
}

const once = (release: () => void): Slot => {
  let held = true;
  return { release() { if (held) { held = false; release(); } } };
};

/** The key an address counts under (IPv6 by its /64); an unknown one shares a key with every other unknown one. */
const addressOf = (ip: string | null): string => (ip === null ? 'unknown' : addressKey(ip));
/** The account a viewer counts under: none for guests and anonymous callers. */
const accountOf = (viewer: Pick<Viewer, 'userId' | 'guest'>): string | null => (viewer.userId && !viewer.guest ? viewer.userId : null);

export class SubscriptionQuota {
  private readonly subscriptionsByUser: Tally;
  private readonly subscriptionsByAddress: Tally;
  private readonly connectionsByAddress: Tally;
  private readonly connectionsByUser: Tally;
  /** account (or guest address) → group key → the account's subscriptions in that group */
  private readonly groups = new Map<string, Map<string, number>>();

  constructor(private readonly limits: QuotaLimits) {
    this.subscriptionsByUser = new Tally(limits.subscriptionsPerUser);
    this.subscriptionsByAddress = new Tally(limits.subscriptionsPerAddress);
    this.connectionsByAddress = new Tally(limits.connectionsPerAddress);
    this.connectionsByUser = new Tally(limits.connectionsPerUser);
  }

  /** A subscription for `viewer` (its address is `viewer.ip`), counted by address and by account. */
  openSubscription(viewer: Pick<Viewer, 'userId' | 'guest' | 'ip'>): Slot | QuotaExceededError {
    const address = addressOf(viewer.ip);
    const account = accountOf(viewer);
    if (account !== null && this.subscriptionsByUser.full(account)) {
      return new QuotaExceededError('subscriptionsPerUser', `At most ${this.limits.subscriptionsPerUser} open subscriptions per account`);
    }
    if (this.subscriptionsByAddress.full(address)) {
      return new QuotaExceededError('subscriptionsPerAddress', `At most ${this.limits.subscriptionsPerAddress} open subscriptions per client address`);
    }
    this.subscriptionsByAddress.add(address);
    if (account !== null) this.subscriptionsByUser.add(account);
    return once(() => {
      this.subscriptionsByAddress.remove(address);
      if (account !== null) this.subscriptionsByUser.remove(account);
    });
  }

  /** A WebSocket connection from `ip`, counted before it may say who it is. */
  openConnection(ip: string | null): Slot | QuotaExceededError {
    const address = addressOf(ip);
    if (this.connectionsByAddress.full(address)) {
      return new QuotaExceededError('connectionsPerAddress', `At most ${this.limits.connectionsPerAddress} open connections per client address`);
    }
    this.connectionsByAddress.add(address);
    return once(() => this.connectionsByAddress.remove(address));
  }

  /** A WebSocket connection signed in as `viewer`; guests and anonymous callers pass (their address counted them). */
  openAccountConnection(viewer: Pick<Viewer, 'userId' | 'guest'>): Slot | QuotaExceededError {
    const account = accountOf(viewer);
    if (account === null) return once(() => undefined);
    if (this.connectionsByUser.full(account)) {
      return new QuotaExceededError('connectionsPerUser', `At most ${this.limits.connectionsPerUser} open connections per account`);
    }
    this.connectionsByUser.add(account);
    return once(() => this.connectionsByUser.remove(account));
  }

  /**
   * A subscription of `viewer` joining the resolution group `groupKey`. Each distinct group counts once
   * for the account, however many of its subscriptions are in it; another account's group counts for
   * this one too once it joins (crediting only a group's first member would let a second account keep
   * groups alive that nobody is counted for).
   */
  joinGroup(viewer: Pick<Viewer, 'userId' | 'guest' | 'ip'>, groupKey: string): Slot | QuotaExceededError {
    const owner = accountOf(viewer) ?? `address:${addressOf(viewer.ip)}`;
    let held = this.groups.get(owner);
    const count = held?.get(groupKey) ?? 0;
    if (count === 0 && (held?.size ?? 0) >= this.limits.groupsPerUser) {
      return new QuotaExceededError('groupsPerUser', `At most ${this.limits.groupsPerUser} distinct live queries (query, variables and entity) per account`);
    }
    if (!held) this.groups.set(owner, held = new Map());
    held.set(groupKey, count + 1);
    const groups = held;
    return once(() => {
      const left = (groups.get(groupKey) ?? 1) - 1;
      if (left > 0) groups.set(groupKey, left); else groups.delete(groupKey);
      if (groups.size === 0 && this.groups.get(owner) === groups) this.groups.delete(owner);
    });
  }

  /** What is held right now, summed over every client (for tests and metrics). */
  get usage(): { subscriptions: number; accountSubscriptions: number; connections: number; accountConnections: number; groups: number } {
    let groups = 0;
    for (const held of this.groups.values()) groups += held.size;
    return {
      subscriptions: this.subscriptionsByAddress.total,
      accountSubscriptions: this.subscriptionsByUser.total,
      connections: this.connectionsByAddress.total,
      accountConnections: this.connectionsByUser.total,
      groups,
    };
  }
}
