// What every resolver of the auth subgraph receives: the viewer, a logger, and this request's services.
import type { ServiceContext } from '@desk/shared';
import type { AuthService } from './auth.service';
import type { SessionService } from './session.service';

export interface Context extends ServiceContext {
  auth: AuthService;
  sessions: SessionService;
}
