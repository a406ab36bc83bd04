import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SignInLinkActivities } from '../activities/signInLinks.ts';
import { FAILURE_TYPES } from './definitions.ts';
import type { SignInLinksInput, SignInLinksResult } from './signInLinksDefinitions.ts';

// A link is valid for 15 minutes: retrying for a few minutes helps the person waiting, retrying for
// longer does not. A provider's rejection (bad address) is never retried.
const { deliverSignInLinks } = proxyActivities<SignInLinkActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8,
    nonRetryableErrorTypes: [FAILURE_TYPES.emailRejected],
  },
});

/**
 * Sends the sign-in links POST /login asked for, after the person already has their answer: the
 * answer takes the same time whether or not the address belongs to anyone, and a slow or failing
 * mail provider shows here (in the Temporal UI) instead of in the sign-in page.
 */
export async function sendSignInLinks(input: SignInLinksInput): Promise<SignInLinksResult> {
  // The run's ID names the request: a retried activity finds what it already sent under it.
  return deliverSignInLinks({ ...input, requestKey: workflowInfo().workflowId });
}
