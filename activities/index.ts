import { createAccountProjectionActivities } from './accountProjections.ts';
import { createActionActivities } from './actions.ts';
import { createConnectorActivities } from './connectors.ts';
import { createNotionConnectorActivities } from './notionConnector.ts';
import { createCsmAssignmentActivities } from './csmAssignment.ts';
import { createHandoffActivities, type HandoffActivityDeps } from './handoff.ts';
import { withFinalDatabaseRejections } from './databaseFailures.ts';
import { createHealthActivities } from './health.ts';
import { createImportActivities } from './imports.ts';
import { createReconcileActivities } from './reconcile.ts';
import { createSignInLinkActivities } from './signInLinks.ts';

/** Everything the worker's activities need; built once per worker (platform/providers.ts builds the providers). */
export type ActivityDeps = HandoffActivityDeps & {
  /** HUBSPOT_BASE_URL: tests point the HubSpot SDK at a fake of its API. */
  hubspotBaseUrl?: string | undefined;
  /** NOTION_BASE_URL: tests point the Notion SDK at a fake of its API. */
  notionBaseUrl?: string | undefined;
};

/**
 * Every activity the worker registers, by name. Workflows import this type only (proxyActivities),
 * so the names here are part of recorded histories: renaming one breaks in-flight runs.
 */
export function createActivities(deps: ActivityDeps) {
  const activities = {
    ...createAccountProjectionActivities(deps),
    ...createHandoffActivities(deps),
    ...createCsmAssignmentActivities(deps),
    ...createImportActivities(deps),
    ...createSignInLinkActivities(deps),
    ...createReconcileActivities(deps),
    ...createHealthActivities(deps),
    ...createActionActivities(deps),
    ...createConnectorActivities(deps),
    ...createNotionConnectorActivities(deps),
  };
  return Object.fromEntries(Object.entries(activities).map(([name, activity]) => [name, withFinalDatabaseRejections(activity as (...args: unknown[]) => Promise<unknown>)])) as typeof activities;
}
