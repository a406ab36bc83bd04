import {
  Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, ScheduleAlreadyRunning, type ConnectionOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { Duration, SearchAttributeType } from '@temporalio/common';
import { RECONCILE_SCHEDULE_ID, SEARCH_ATTRIBUTE_KEYS, type ReconcileAccountsWorkflow } from '../workflows/definitions.ts';

/**
 * The client's gRPC retries back off to at most 400 ms between attempts (the SDK's default is 5 s),
 * so a request's own deadline (a 1.5 s workflow start, say) is what ends the wait while Temporal is
 * unreachable, not a back-off sleeping past it.
 */
export function temporalConnectionOptions(): Pick<ConnectionOptions, 'interceptors'> {
  return { interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxIntervalMs: () => 400 }))] };
}

export async function connectTemporal(address: string, namespace: string): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect({ address, ...temporalConnectionOptions() });
  return { connection, client: new Client({ connection, namespace }) };
}

/** temporal.api.enums.v1.IndexedValueType, as the operator API takes it. */
const INDEXED_VALUE_TYPES: Record<SearchAttributeType, number> = {
  TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7,
};

/**
 * Registers Relay's search attributes on a cluster that did not get them at start-up (a shared
 * cluster given by TEMPORAL_ADDRESS). Attributes that exist already are left as they are.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((key) => !(key.name in (customAttributes ?? {})));
  if (!missing.length) return;
  const searchAttributes = Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPES[key.type]]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

/**
 * The Temporal Schedule that starts the reconciler (workflows/reconcileAccounts.ts) on the workers'
 * queue, every 10 minutes by default, never two at once (overlap SKIP). Ops find it under Schedules
 * in the Temporal UI. Creates it, or brings an existing one to this definition; a pause set by ops
 * is kept. Runs beside ensureSearchAttributes (`npm run temporal:setup`, `npm start`).
 */
export async function ensureReconcileSchedule(client: Client, opts: { taskQueue: string; every?: Duration }): Promise<'created' | 'updated'> {
  const spec = { intervals: [{ every: opts.every ?? '10 minutes' }] };
  const action: ScheduleOptionsStartWorkflowAction<ReconcileAccountsWorkflow> = {
    type: 'startWorkflow', workflowType: 'reconcileAccounts', args: [{}],
    // The schedule appends each start's time to this ID.
    workflowId: RECONCILE_SCHEDULE_ID, taskQueue: opts.taskQueue,
    workflowExecutionTimeout: '1 hour',
  };
  // Missed starts (the server was down) are not made up: the next start finds everything anyway.
  const policies = { overlap: 'SKIP' as const, catchupWindow: '1 minute' };
  try {
    await client.schedule.create<ReconcileAccountsWorkflow>({ scheduleId: RECONCILE_SCHEDULE_ID, spec, action, policies });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(RECONCILE_SCHEDULE_ID).update<ReconcileAccountsWorkflow>((previous) => ({
    spec, action, policies, state: { paused: previous.state.paused, ...(previous.state.note ? { note: previous.state.note } : {}) },
  }));
  return 'updated';
}
