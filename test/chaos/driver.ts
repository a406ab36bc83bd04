import { randomUUID } from 'node:crypto';
import { isTerminal, type LifecycleStatus } from '../../domain/lifecycle.ts';
import type { ResendFake } from '../fakes/resendFake.ts';

// The client side of the chaos suite: each account is driven through the app over HTTP the way its
// people and integrations would (the JSON API with the org's key, the AE's handoff page with the
// link from the AE's inbox), retrying what the app says to retry (503, 429) within a budget, and
// recording every request's answer and duration.

/** One HTTP request as the driver saw it. */
export interface RequestRecord {
  op: string;
  status: number | 'timeout' | 'network';
  ms: number;
  /** Since the run started. */
  atMs: number;
  account: number;
  /** The Idempotency-Key (or handoff submission ID) the request carried. */
  key?: string;
}

/** What one account is put through, decided before the run (so the end state is known). */
export interface AccountPlan {
  index: number;
  body: Record<string, unknown>;
  aeEmail: string;
  /** The AE's pick on the handoff page, then the CSM a reassignment moves the account to. */
  handoffCsmEmail: string;
  reassignCsmEmail: string;
  /** How many milestones to complete, in order (all of them for accounts that end completed). */
  milestonesToComplete: number | 'all';
  /** Status changes after the milestones, in order; the last one is where the account must end. */
  statusChanges: LifecycleStatus[];
  /** The AE's own answer to the goals question (the draft is replaced). */
  goalsAnswer: string;
  /** When the driver starts it, since the driving began. */
  startAtMs: number;
}

/** Where an account must end, as far as the driver knows (what the app confirmed with 200/201/202). */
export interface AccountOutcome {
  plan: AccountPlan;
  id: string | null;
  /** 201, or adopted through a 409 `existingAccountId` after a create whose answer was a 503 or lost. */
  created: 'answered-201' | 'adopted-after-409' | null;
  /** The last step the driver finished; `done` once every step was. */
  reached: string;
  done: boolean;
  failure: string | null;
  expected: {
    status: LifecycleStatus;
    csmEmail: string | null;
    /** The account's milestone IDs by sequence, and those the driver completed. */
    milestoneIds: string[];
    completedMilestoneIds: string[];
    goalsAnswer: string | null;
    /** CSM assignments the app confirmed: the AE's pick, then the reassignment. */
    assignments: number;
  };
  /** Conflicts on a retry after only 503s: the change had applied although the app said nothing changed. */
  appliedDespite503: string[];
  /** Attempts whose outcome the driver could not know (timeout, dropped connection, 500). */
  ambiguousAttempts: number;
  /** Reassignment attempts whose outcome the driver could not know: each may have applied as well. */
  reassignmentsMaybeApplied: number;
  /** Accounts and answers stay attached to their run in the report. */
  workflowId: string | null;
}

export interface DriverOptions {
  baseUrl: string;
  apiKey: string;
  csms: { id: string; email: string; name: string }[];
  /** The AE's inbox: the Resend fake records every email it accepted. */
  inbox: ResendFake;
  startedAt: number;
  /** A request that takes longer is a hang (recorded; the client gives up at twice this). */
  requestBoundMs: number;
  /** How long the driver keeps retrying one step (503/429/timeouts) before it gives up on the account. */
  retryBudgetMs: number;
  /** How long the driver waits for a change to show, or for the handoff email to arrive. */
  waitBudgetMs: number;
  /** Pause between an account's steps (a person's pace), picked at random in this range. */
  thinkMs: [number, number];
  requests: RequestRecord[];
  /** Stop early (the run is being torn down). */
  signal: AbortSignal;
}

interface Answer { status: number; text: string; headers: Headers }

class StepFailed extends Error {}

/** An answer's body, short: a page's heading instead of its markup. */
function excerpt(answer: Answer, length = 200): string {
  const heading = answer.text.startsWith('<') ? /<h1[^>]*>([^<]*)<\/h1>/.exec(answer.text)?.[1] : undefined;
  return (heading ? `page "${heading}"` : answer.text).slice(0, length);
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, Math.max(0, ms));
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

const HANDOFF_LINK = /\/handoff\/([A-Za-z0-9_-]{43})/;

export function newOutcome(plan: AccountPlan): AccountOutcome {
  return {
    plan, id: null, created: null, reached: 'not started', done: false, failure: null,
    expected: { status: 'pending_handoff', csmEmail: null, milestoneIds: [], completedMilestoneIds: [], goalsAnswer: null, assignments: 0 },
    appliedDespite503: [], ambiguousAttempts: 0, reassignmentsMaybeApplied: 0, workflowId: null,
  };
}

/** A valid account body whose company domain (and AE address) are unique to this run and index. */
export function chaosAccountBody(runId: string, index: number) {
  const slug = `${runId}-${index}`;
  return {
    body: {
      companyName: `Chaos ${slug}`,
      arr: 60_000 + index * 1_000,
      closeDate: '2026-11-01',
      primaryContactName: 'Pat Chaos',
      primaryContactEmail: `pat@chaos-${slug}.example`,
      primaryContactRole: 'COO',
      website: `https://www.chaos-${slug}.example`,
      aeEmail: `ae-${slug}@relay.test`,
      templateName: 'Standard SaaS Onboarding',
      rawPayload: 'Goal: onboard the ops team before the quarter ends. Risk: SSO rollout. Replacing spreadsheets.',
    },
    aeEmail: `ae-${slug}@relay.test`,
  };
}

export const newRunId = () => randomUUID().slice(0, 8);

/** Drives one account from creation to its final status; never throws (failures land on the outcome). */
export async function driveAccount(opts: DriverOptions, outcome: AccountOutcome): Promise<void> {
  const { plan } = outcome;
  const api = (path: string) => `${opts.baseUrl}/api${path}`;
  const think = () => sleep(opts.thinkMs[0] + Math.random() * (opts.thinkMs[1] - opts.thinkMs[0]), opts.signal);

  async function attempt(op: string, url: string, init: { method: string; json?: unknown; form?: Record<string, string>; auth?: boolean; idempotencyKey?: string }): Promise<Answer | 'timeout' | 'network'> {
    const started = performance.now();
    const headers: Record<string, string> = {};
    // An integration names each change once and sends the same name with every retry of it.
    if (init.idempotencyKey) headers['idempotency-key'] = init.idempotencyKey;
    if (init.auth !== false) headers.authorization = `Bearer ${opts.apiKey}`;
    let body: string | undefined;
    if (init.json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(init.json); }
    if (init.form) { headers['content-type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(init.form).toString(); }
    const key = init.idempotencyKey ?? init.form?.submissionId;
    const record = (status: RequestRecord['status']) => opts.requests.push({
      op, status, ms: Math.round(performance.now() - started), atMs: Date.now() - opts.startedAt, account: plan.index, ...(key ? { key } : {}),
    });
    try {
      const res = await fetch(url, { method: init.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(opts.requestBoundMs * 2) });
      const text = await res.text();
      record(res.status);
      return { status: res.status, text, headers: res.headers };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      record(timedOut ? 'timeout' : 'network');
      return timedOut ? 'timeout' : 'network';
    }
  }

  /**
   * Sends one step until the app gives an answer other than "try again", within the retry budget.
   * `settle` decides what an answer means: a value (the step is done) or undefined (not an answer
   * this step can take: the account fails). It is told whether an earlier attempt may have applied.
   */
  async function step<T>(op: string, url: string, init: Parameters<typeof attempt>[2],
    settle: (answer: Answer, history: { sawUnavailable: boolean; sawAmbiguous: boolean }) => T | undefined): Promise<T> {
    const deadline = Date.now() + opts.retryBudgetMs;
    const history = { sawUnavailable: false, sawAmbiguous: false };
    let last = '';
    for (;;) {
      if (opts.signal.aborted) throw new StepFailed(`${op}: the run was stopped`);
      const answer = await attempt(op, url, init);
      let waitMs = 1_000;
      if (answer === 'timeout' || answer === 'network' || answer.status >= 500 || answer.status === 429) {
        if (answer === 'timeout' || answer === 'network' || (answer.status >= 500 && answer.status !== 503)) {
          history.sawAmbiguous = true;
          outcome.ambiguousAttempts += 1;
        } else {
          history.sawUnavailable = true;
        }
        if (typeof answer === 'object') {
          const retryAfter = Number(answer.headers.get('retry-after'));
          if (Number.isFinite(retryAfter) && retryAfter > 0) waitMs = retryAfter * 1000;
        }
        last = typeof answer === 'object' ? `${answer.status} ${excerpt(answer)}` : answer;
        if (Date.now() + waitMs > deadline) throw new StepFailed(`${op}: still failing after ${opts.retryBudgetMs} ms (last: ${last})`);
        await sleep(waitMs * (0.8 + Math.random() * 0.4), opts.signal);
        continue;
      }
      const settled = settle(answer, history);
      if (settled === undefined) throw new StepFailed(`${op}: unexpected ${answer.status} ${excerpt(answer, 300)}`);
      return settled;
    }
  }

  /** A 409/410 on a retry: the change is there already. Fine after a lost answer; after only 503s the 503 was not honest. */
  function alreadyApplied(op: string, answer: Answer, history: { sawUnavailable: boolean; sawAmbiguous: boolean }): boolean {
    if (history.sawAmbiguous) return true;
    if (history.sawUnavailable) {
      outcome.appliedDespite503.push(`${op}: ${answer.status} ${excerpt(answer, 160)}`);
      return true;
    }
    return false;
  }

  /** Polls the account (GET /api/accounts/:id) until `check` holds, within the wait budget. */
  async function waitUntilVisible(what: string, check: (view: AccountView) => boolean): Promise<AccountView> {
    const deadline = Date.now() + opts.waitBudgetMs;
    let last = '';
    while (Date.now() < deadline && !opts.signal.aborted) {
      const answer = await attempt('GET account', api(`/accounts/${outcome.id}`), { method: 'GET' });
      if (typeof answer === 'object' && answer.status === 200) {
        const view = JSON.parse(answer.text) as AccountView;
        if (check(view)) return view;
        last = `status ${view.status}, csm ${view.csm?.email ?? 'none'}, ${view.milestoneProgress.completed} milestones completed`;
      } else {
        last = typeof answer === 'object' ? String(answer.status) : answer;
      }
      await sleep(1_000, opts.signal);
    }
    throw new StepFailed(`waiting for ${what}: not visible after ${opts.waitBudgetMs} ms (last: ${last})`);
  }

  try {
    await sleep(plan.startAtMs - (Date.now() - opts.startedAt), opts.signal);

    // 1. The deal closes: an integration creates the account.
    const created = await step('POST /api/accounts', api('/accounts'), { method: 'POST', json: plan.body }, (answer, history) => {
      if (answer.status === 201) return { id: (JSON.parse(answer.text) as { id: string }).id, how: 'answered-201' as const };
      const existing = answer.status === 409 ? (JSON.parse(answer.text) as { error?: { existingAccountId?: string } }).error?.existingAccountId : undefined;
      // A create whose answer was lost or a 503 may have committed after all: its retry meets the domain.
      if (existing && (history.sawAmbiguous || history.sawUnavailable)) return { id: existing, how: 'adopted-after-409' as const };
      return undefined;
    });
    outcome.id = created.id;
    outcome.created = created.how;
    outcome.workflowId = `account-${created.id}`;
    outcome.reached = 'created';

    // 2. The AE finds the handoff email in their inbox.
    const deadline = Date.now() + opts.waitBudgetMs;
    let token: string | undefined;
    while (!token) {
      const email = opts.inbox.sent.find((e) => e.to.includes(plan.aeEmail));
      token = email ? HANDOFF_LINK.exec(email.text)?.[1] ?? HANDOFF_LINK.exec(email.html)?.[1] : undefined;
      if (token) break;
      if (Date.now() > deadline || opts.signal.aborted) throw new StepFailed(`no handoff email reached ${plan.aeEmail} within ${opts.waitBudgetMs} ms`);
      await sleep(500, opts.signal);
    }
    outcome.reached = 'handoff email received';
    await think();

    // 3. … opens the handoff page, corrects the goals answer and picks the CSM.
    const form = await step('GET /handoff/:token', `${opts.baseUrl}/handoff/${token}`, { method: 'GET', auth: false }, (answer) => {
      if (answer.status !== 200) return undefined;
      const csmOption = [...answer.text.matchAll(/<option value="([^"]+)"[^>]*>([^<]*)<\/option>/g)]
        .find((m) => m[2]?.includes(`(${plan.handoffCsmEmail})`));
      const fields = [...answer.text.matchAll(/name="(answer_[a-z0-9_]+)"/g)].map((m) => m[1]!);
      // The browser sends the page's hidden submission ID back with the form, on every retry.
      const submissionId = /name="submissionId" value="([^"]+)"/.exec(answer.text)?.[1] ?? '';
      return csmOption ? { csmUserId: csmOption[1]!, fields, submissionId } : undefined;
    });
    if (!form.fields.includes('answer_goals')) throw new StepFailed('the handoff page has no goals question');
    await think();
    await step('POST /handoff/:token', `${opts.baseUrl}/handoff/${token}`, {
      method: 'POST', auth: false, form: { csmUserId: form.csmUserId, answer_goals: plan.goalsAnswer, submissionId: form.submissionId },
    }, (answer, history) => {
      if (answer.status === 200 && answer.text.includes('the handoff is in')) return true;
      if (answer.status === 410 && alreadyApplied('POST /handoff/:token', answer, history)) return true;
      return undefined;
    });
    outcome.expected.goalsAnswer = plan.goalsAnswer;
    outcome.expected.csmEmail = plan.handoffCsmEmail;
    outcome.expected.assignments += 1;
    outcome.expected.status = 'active';
    outcome.reached = 'handoff submitted';
    // The page thanks the AE as soon as the change is accepted; the CSM's view shows it once applied.
    const view = await waitUntilVisible('the submitted handoff', (v) => v.status === 'active' && v.csm?.email === plan.handoffCsmEmail);
    outcome.expected.milestoneIds = [...view.milestones].sort((a, b) => a.sequence - b.sequence).map((m) => m.id);
    await think();

    // 4. A manager reassigns the account to another CSM.
    const ambiguousBefore = outcome.ambiguousAttempts;
    const reassigned = await step('POST /api/accounts/:id/csm', api(`/accounts/${outcome.id}/csm`), {
      method: 'POST', json: { csmEmail: plan.reassignCsmEmail, note: 'chaos: rebalancing the book' }, idempotencyKey: randomUUID(),
    }, (answer) => {
      if (answer.status === 200 || answer.status === 202) return { accepted: answer.status === 202 };
      return undefined;
    });
    // A reassignment is not refused when repeated: an attempt the driver gave up on may have applied too.
    outcome.reassignmentsMaybeApplied += outcome.ambiguousAttempts - ambiguousBefore;
    outcome.expected.csmEmail = plan.reassignCsmEmail;
    outcome.expected.assignments += 1;
    outcome.reached = 'csm reassigned';
    if (reassigned.accepted) await waitUntilVisible('the reassignment', (v) => v.csm?.email === plan.reassignCsmEmail);
    await think();

    // 5. The CSM works through the milestones, in order.
    const count = plan.milestonesToComplete === 'all' ? outcome.expected.milestoneIds.length : Math.min(plan.milestonesToComplete, outcome.expected.milestoneIds.length);
    for (const milestoneId of outcome.expected.milestoneIds.slice(0, count)) {
      // The playbook's blockers hold the milestone (issue 12): the CSM skips them first, with a reason.
      // A milestone's actions appear a moment after it starts (a change accepted and still applying):
      // a completion refused for an open blocker sends the CSM back to the list, a few times at most.
      const op = 'POST /api/accounts/:id/milestones/:mid/complete';
      let accepted: boolean | 'blocked' = 'blocked';
      // Skips the app accepted (200, or 202: applying). The list the CSM reads next may not show a
      // 202's skip yet, so the CSM skips it again and hears "already skipped": their own skip, not a
      // change behind a 503.
      const skippedByUs = new Set<string>();
      for (let round = 0; accepted === 'blocked'; round++) {
        if (round >= 5) throw new StepFailed(`${op}: still held by a blocker after ${round} rounds of skipping`);
        if (round > 0) await sleep(1_000, opts.signal);
        const open = await step('GET /api/accounts/:id/actions', api(`/accounts/${outcome.id}/actions`), { method: 'GET' }, (answer) => {
          if (answer.status !== 200) return undefined;
          const { items } = JSON.parse(answer.text) as { items: { actionId: string; milestoneId: string; blocker: boolean; status: string }[] };
          return items.filter((a) => a.milestoneId === milestoneId && a.blocker && !['executed', 'completed', 'skipped'].includes(a.status));
        });
        for (const blocker of open) {
          const skipOp = 'POST /api/accounts/:id/actions/:aid/skip';
          await step(skipOp, api(`/accounts/${outcome.id}/actions/${encodeURIComponent(blocker.actionId)}/skip`), {
            method: 'POST', json: { reason: 'chaos: handled outside the playbook' }, idempotencyKey: randomUUID(),
          }, (answer, history) => {
            if (answer.status === 200 || answer.status === 202) {
              skippedByUs.add(blocker.actionId);
              return true;
            }
            if (answer.status === 409 && /already skipped/.test(answer.text) && (skippedByUs.has(blocker.actionId) || alreadyApplied(skipOp, answer, history))) return true;
            return undefined;
          });
        }
        accepted = await step(op, api(`/accounts/${outcome.id}/milestones/${milestoneId}/complete`), { method: 'POST', json: {}, idempotencyKey: randomUUID() }, (answer, history): boolean | 'blocked' | undefined => {
          if (answer.status === 200 || answer.status === 202) return answer.status === 202;
          if (answer.status === 409 && /blockers? .* (is|are) open/.test(answer.text)) return 'blocked';
          // Refused by the validator (already completed), or by the handler when an earlier attempt got there first.
          if (answer.status === 409 && /already completed|cannot be completed now/.test(answer.text) && alreadyApplied(op, answer, history)) return false;
          return undefined;
        });
      }
      outcome.expected.completedMilestoneIds.push(milestoneId);
      outcome.reached = `${outcome.expected.completedMilestoneIds.length} milestones completed`;
      if (accepted) await waitUntilVisible('the milestone', (v) => v.milestones.some((m) => m.id === milestoneId && m.status === 'completed'));
      await think();
    }

    // 6. … and the account's status changes (the last change is where it must end).
    for (const status of plan.statusChanges) {
      const op = 'POST /api/accounts/:id/status';
      const accepted = await step(op, api(`/accounts/${outcome.id}/status`), { method: 'POST', json: { status, note: `chaos: now ${status}` }, idempotencyKey: randomUUID() }, (answer, history) => {
        if (answer.status === 200 || answer.status === 202) return answer.status === 202;
        // Already there; or, for an ending, the run has ended (only an earlier attempt can have ended it).
        const there = answer.text.includes(`already ${status}`) || (isTerminal(status) && answer.text.includes('lifecycle has ended'));
        if (answer.status === 409 && there && alreadyApplied(op, answer, history)) return false;
        return undefined;
      });
      outcome.expected.status = status;
      outcome.reached = `status ${status}`;
      if (accepted) await waitUntilVisible(`status ${status}`, (v) => v.status === status);
      await think();
    }
    outcome.done = true;
    outcome.reached = 'done';
  } catch (error) {
    outcome.failure = error instanceof Error ? error.message : String(error);
  }
}

interface AccountView {
  status: LifecycleStatus;
  csm: { email: string } | null;
  milestones: { id: string; sequence: number; status: string }[];
  milestoneProgress: { completed: number; total: number };
}
