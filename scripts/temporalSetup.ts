// `npm run temporal:setup`: registers Relay's search attributes on the Temporal cluster at
// TEMPORAL_ADDRESS and creates (or updates) the reconciler's schedule on TEMPORAL_TASK_QUEUE, both
// idempotent. Deployments run it once, beside the database migrations; the dev
// server (`npm start`, tests) gets them as start-up flags from the same list (workflows/definitions.ts).
import { loadEnv } from '../config/env.ts';
import { log } from '../platform/log.ts';
import { connectTemporal, ensureReconcileSchedule, ensureSearchAttributes } from '../platform/temporalClient.ts';

const env = loadEnv();
if (!env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required: the cluster to register search attributes on');
// Started beside the cluster (compose), so give it a minute to come up before giving up loudly.
async function connectWithin(address: string, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await connectTemporal(address, env.TEMPORAL_NAMESPACE);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

const temporal = await connectWithin(env.TEMPORAL_ADDRESS, 60_000);
try {
  await ensureSearchAttributes(temporal.connection, env.TEMPORAL_NAMESPACE);
  log.info('search attributes registered', { address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE });
  const schedule = await ensureReconcileSchedule(temporal.client, { taskQueue: env.TEMPORAL_TASK_QUEUE });
  log.info(`reconcile schedule ${schedule}`, { taskQueue: env.TEMPORAL_TASK_QUEUE });
} finally {
  await temporal.connection.close();
}
