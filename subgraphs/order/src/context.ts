// What every resolver of the order subgraph receives: the viewer, a logger, and this request's services.
import type { ServiceContext } from '@desk/shared';
import type { CatalogueService } from './catalogue.service';
import type { OrderService } from './order.service';

export interface Context extends ServiceContext {
  catalogue: CatalogueService;
  orders: OrderService;
}
