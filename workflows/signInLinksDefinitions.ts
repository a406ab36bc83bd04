// What the API needs to start a sendSignInLinks run, and the activity to serve it, without loading
// the workflow itself.

/** One run per sign-in request: the address's hash (never the address) and a random part. */
export const signInLinksWorkflowId = (emailHash: string, requestId: string): string => `sign-in-${emailHash}-${requestId}`;

export interface SignInLinksInput {
  /** Lower-cased, validated by the route. */
  email: string;
  /** A same-site path to land on after signing in. */
  next?: string;
}

/** How many links went out: one per organisation the address belongs to (0 for a stranger). */
export interface SignInLinksResult { sent: number }

/** The workflow's signature, for starting it by name without loading its code. */
export type SignInLinksWorkflow = (input: SignInLinksInput) => Promise<SignInLinksResult>;
