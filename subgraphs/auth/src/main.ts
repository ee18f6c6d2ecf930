// Entry point of the auth subgraph process.
import { createLogger, loadEnv, runMain, stopOnSignals } from '@desk/shared';
import { startAuthService } from './app';
import { authEnvSchema } from './env';

const env = loadEnv(authEnvSchema);
const log = createLogger('auth', env.LOG_LEVEL);

runMain(log, async () => {
  const service = await startAuthService(env);
  stopOnSignals(log, service.stop);
});
