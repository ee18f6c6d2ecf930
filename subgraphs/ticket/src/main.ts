// Entry point of the ticket subgraph process.
import { createLogger, loadEnv, runMain, stopOnSignals } from '@desk/shared';
import { startTicketService } from './app';
import { ticketEnvSchema } from './env';

const env = loadEnv(ticketEnvSchema);
const log = createLogger('ticket', env.LOG_LEVEL);

runMain(log, async () => {
  const service = await startTicketService(env);
  stopOnSignals(log, service.stop);
});
