// Entry point of the email worker process.
import { createLogger, loadEnv, runMain, stopOnSignals } from '@desk/shared';
import { startEmailWorker } from './app';
import { emailEnvSchema } from './env';

const env = loadEnv(emailEnvSchema);
const log = createLogger('email', env.LOG_LEVEL);

runMain(log, async () => {
  const worker = await startEmailWorker(env);
  stopOnSignals(log, worker.stop);
});
