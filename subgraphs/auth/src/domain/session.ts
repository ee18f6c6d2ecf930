// A signed-in session (a refresh-token family) as `User.sessions` shows it to its owner or an admin.

export interface OpenSession {
  id: string;
  accountId: string;
  createdAt: Date;
  expiresAt: Date;
  /** The client's address when the session started, as the gateway saw it. */
  ip: string | null;
}

/** An open session, marked when it is the one the caller's access token belongs to. */
export interface ListedSession extends OpenSession {
  current: boolean;
}
