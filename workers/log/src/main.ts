// Entry point of the log worker process.
import { createLogger, loadEnv, runMain, stopOnSignals } from '@desk/shared';
import { startLogWorker } from './app';
import { logEnvSchema } from './env';

const env = loadEnv(logEnvSchema);
const log = createLogger('log', env.LOG_LEVEL);

runMain(log, async () => {
  const worker = await startLogWorker(env);
  stopOnSignals(log, worker.stop);
});
