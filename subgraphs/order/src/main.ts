// Entry point of the order subgraph process.
import { createLogger, loadEnv, runMain, stopOnSignals } from '@desk/shared';
import { startOrderService } from './app';
import { orderEnvSchema } from './env';

const env = loadEnv(orderEnvSchema);
const log = createLogger('order', env.LOG_LEVEL);

runMain(log, async () => {
  const service = await startOrderService(env);
  stopOnSignals(log, service.stop);
});
