// Entry point of the user subgraph process.
import { createLogger, loadEnv, runMain, stopOnSignals } from '@desk/shared';
import { startUserService } from './app';
import { userEnvSchema } from './env';

const env = loadEnv(userEnvSchema);
const log = createLogger('user', env.LOG_LEVEL);

runMain(log, async () => {
  const service = await startUserService(env);
  stopOnSignals(log, service.stop);
});
