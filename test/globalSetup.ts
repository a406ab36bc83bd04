import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../db/client.ts';
import { dropDatabase, recreateDatabase } from '../db/scratchDatabase.ts';
import { findTemporalCli, PROJECT_ROOT } from '../platform/temporalCli.ts';
import { startTemporalDevServer, type DevServer } from '../platform/temporalDevServer.ts';
import { connectTemporal, ensureSearchAttributes } from '../platform/temporalClient.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
  }
}

// One database per run (dropped after it), so two runs on one machine never share rows.
const TEST_DATABASE = process.env.RELAY_TEST_DATABASE ?? `relay_test_${process.pid}`;

async function freshDatabase(): Promise<string> {
  const url = await recreateDatabase(TEST_DATABASE);
  const database = await openDatabase({ url, dataDir: '.data', max: 1 });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  return url;
}

export default async function setup(project: TestProject) {
  const artifacts = join(PROJECT_ROOT, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const databaseUrl = await freshDatabase();
  let server: DevServer | null = null;
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const cli = findTemporalCli();
    if (!cli) throw new Error('No Temporal CLI: run `sh scripts/ensure-temporal.sh` (npm test does) or set TEMPORAL_ADDRESS');
    server = await startTemporalDevServer({ cli, uiPort: null, logFile: createWriteStream(join(artifacts, 'temporal-server.log')) });
    temporalAddress = server.address;
  } else {
    const { connection } = await connectTemporal(temporalAddress, 'default');
    await ensureSearchAttributes(connection, 'default');
    await connection.close();
  }
  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', temporalAddress);
  return async () => {
    await server?.stop();
    if (!process.env.RELAY_TEST_DATABASE) await dropDatabase(TEST_DATABASE);
  };
}
