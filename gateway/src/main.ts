// Starts the gateway process.
import { createLogger, loadEnv, runMain, stopOnSignals } from '@desk/shared';
import { startGateway } from './app';
import { gatewayEnvSchema } from './env';

const env = loadEnv(gatewayEnvSchema);
const log = createLogger('gateway', env.LOG_LEVEL);
runMain(log, async () => {
  const gateway = await startGateway(env, log);
  stopOnSignals(log, () => gateway.stop());
});
