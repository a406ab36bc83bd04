// The one owner of migrations in the production shape (docker compose's `migrate` service, `npm run db:migrate`).
import { loadEnv } from '../config/env.ts';
import { openDatabase } from './client.ts';

const env = loadEnv();
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.RELAY_DATA_DIR, max: 1 });
try {
  await database.migrate();
  process.stdout.write(`migrations applied to ${database.where}\n`);
} finally {
  await database.close();
}
