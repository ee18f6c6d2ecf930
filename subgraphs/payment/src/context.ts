// What every resolver of the payment subgraph receives: the viewer, a logger, and this request's service.
import type { ServiceContext } from '@desk/shared';
import type { PaymentService } from './payment.service';

export interface Context extends ServiceContext {
  payments: PaymentService;
}
