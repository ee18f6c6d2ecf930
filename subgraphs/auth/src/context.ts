// What every resolver of the auth subgraph receives: the viewer, a logger, and this request's service.
import type { ServiceContext } from '@desk/shared';
import type { AuthService } from './auth.service';

export interface Context extends ServiceContext {
  auth: AuthService;
}
