// What every resolver of the user subgraph receives: the viewer, a logger, and this request's service.
import type { ServiceContext } from '@desk/shared';
import type { UserService } from './user.service';

export interface Context extends ServiceContext {
  users: UserService;
}
