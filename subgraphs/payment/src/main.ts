// Entry point of the payment subgraph process.
import { createLogger, loadEnv, runMain, stopOnSignals } from '@desk/shared';
import { startPaymentService } from './app';
import { paymentEnvSchema } from './env';

const env = loadEnv(paymentEnvSchema);
const log = createLogger('payment', env.LOG_LEVEL);

runMain(log, async () => {
  const service = await startPaymentService(env);
  stopOnSignals(log, service.stop);
});
