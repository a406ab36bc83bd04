import { ApplicationFailure } from '@temporalio/activity';
import { log } from '../platform/log.ts';
import { sendSignInLinksFor, type SignInLinkDeps } from '../services/signInLinks.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';
import type { SignInLinksInput, SignInLinksResult } from '../workflows/signInLinksDefinitions.ts';
import { emailFailure } from './accountEmails.ts';

/** The sendSignInLinks workflow's one activity: look the address up, send one link per organisation. */
export function createSignInLinkActivities(deps: SignInLinkDeps) {
  return {
    /**
     * Keyed by the request (`requestKey`: the run's workflow ID), so a retry sends nothing already sent. A provider's rejection (a bad
     * address) is final, after the other organisations' links went out; a passing failure retries.
     */
    async deliverSignInLinks(input: SignInLinksInput & { requestKey: string }): Promise<SignInLinksResult> {
      const { requestKey } = input;
      let outcome: Awaited<ReturnType<typeof sendSignInLinksFor>>;
      try {
        outcome = await sendSignInLinksFor(deps, input);
      } catch (error) {
        throw emailFailure(error);
      }
      if (outcome.rejected.length) {
        log.warn('sign-in email rejected by the mail provider', { workflowId: requestKey, rejected: outcome.rejected.length, sent: outcome.sent });
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.emailRejected, nonRetryable: true,
          message: `the mail provider rejected ${outcome.rejected.length} sign-in email(s): ${outcome.rejected.join('; ')}`,
        });
      }
      return { sent: outcome.sent };
    },
  };
}

export type SignInLinkActivities = ReturnType<typeof createSignInLinkActivities>;
