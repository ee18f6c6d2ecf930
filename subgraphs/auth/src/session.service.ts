// `User.sessions`: an account's open sessions under the policy, loaded for every user of a request at once.
import { isUuid, type Viewer } from '@desk/shared';
import type DataLoader from 'dataloader';
import type { ListedSession, OpenSession } from './domain/session';
import { can } from './policy';

/** One per request: bound to the viewer and the request's loader of open sessions by account id. */
export class SessionService {
  constructor(private readonly viewer: Viewer, private readonly openSessions: DataLoader<string, OpenSession[]>) {}

  /** The user's open sessions, newest first; anyone but the user and admins gets an empty list, as with `User.tickets`. */
  async ofUser(userId: string): Promise<ListedSession[]> {
    if (!isUuid(userId) || !can(this.viewer, 'session:list', { accountId: userId })) return [];
    const sessions = await this.openSessions.load(userId);
    return sessions.map((session) => ({ ...session, current: session.id === this.viewer.sessionId }));
  }
}
