import { Client, Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../workflows/definitions.ts';

export async function connectTemporal(address: string, namespace: string): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect({ address });
  return { connection, client: new Client({ connection, namespace }) };
}

/**
 * Registers Relay's search attributes on a cluster that did not get them at start-up (a shared
 * cluster given by TEMPORAL_ADDRESS). Attributes that exist already are left as they are.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(SEARCH_ATTRIBUTE_DECLARATIONS).filter(([name]) => !(name in (customAttributes ?? {})));
  if (!missing.length) return;
  // IndexedValueType: KEYWORD = 2, TEXT = 1.
  const searchAttributes = Object.fromEntries(missing.map(([name, type]) => [name, type === 'Text' ? 1 : 2]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}
