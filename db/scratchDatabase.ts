import postgres from 'postgres';

/** The server the tests and benchmarks make their own databases on (trust auth on CI and here). */
export const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function adminStatement(adminUrl: string, statement: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}

/**
 * An empty database of this name, dropped first if an earlier run left it, and its URL. Names come
 * from our own code (never from input), so quoting them is enough.
 */
export async function recreateDatabase(name: string, adminUrl = ADMIN_DATABASE_URL): Promise<string> {
  await dropDatabase(name, adminUrl);
  await adminStatement(adminUrl, `create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(name: string, adminUrl = ADMIN_DATABASE_URL): Promise<void> {
  await adminStatement(adminUrl, `drop database if exists "${name}" with (force)`);
}
