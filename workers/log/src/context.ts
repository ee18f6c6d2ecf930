// What every resolver of the log subgraph receives: the viewer, a logger, and this request's service.
import type { ServiceContext } from '@desk/shared';
import type { LogService } from './log.service';

export interface Context extends ServiceContext {
  logs: LogService;
}
