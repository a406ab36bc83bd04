import type { Client, Connection } from '@temporalio/client';
import { findTemporalCli } from '../platform/temporalCli.ts';
import { connectTemporal, ensureSearchAttributes } from '../platform/temporalClient.ts';
import { startTemporalDevServer, type DevServer } from '../platform/temporalDevServer.ts';

/**
 * The Temporal a benchmark runs on: TEMPORAL_ADDRESS (its search attributes made sure of), or a dev
 * server of its own (started with them). The caller closes the connection and stops the server.
 */
export async function openBenchTemporal(): Promise<{ address: string; server: DevServer | null; connection: Connection; client: Client }> {
  const given = process.env.TEMPORAL_ADDRESS;
  let server: DevServer | null = null;
  if (!given) {
    const cli = findTemporalCli();
    if (!cli) throw new Error('No Temporal CLI: run `sh scripts/ensure-temporal.sh` (or set RELAY_TOOLS_DIR) or set TEMPORAL_ADDRESS');
    server = await startTemporalDevServer({ cli, uiPort: null });
  }
  const address = given ?? server!.address;
  try {
    const { connection, client } = await connectTemporal(address, 'default');
    if (!server) await ensureSearchAttributes(connection, 'default');
    return { address, server, connection, client };
  } catch (error) {
    await server?.stop();
    throw error;
  }
}
