import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { findHandoffByTokenHash } from '../../db/repositories/handoffs.ts';
import { listUsersByRole } from '../../db/repositories/users.ts';
import type { HandoffAnswer } from '../../db/schema/handoffs.ts';
import { isChoiceKind, normaliseChoice } from '../../domain/handoffQuestions.ts';
import { looksLikeHandoffToken } from '../../domain/handoffToken.ts';
import { hashToken } from '../../domain/secretTokens.ts';
import { RelayError } from '../../services/errors.ts';
import { HandoffDonePage, HandoffLinkProblemPage, HandoffPage } from '../../ui/pages/HandoffPage.tsx';
import { submitHandoffUpdate } from '../../workflows/definitions.ts';
import { clientAddress } from '../clientAddress.ts';
import type { AppDeps } from '../deps.ts';
import { rateLimit } from '../middleware/rateLimit.ts';
import { readFormBody } from '../middleware/storableInput.ts';
import { earlierUpdateOutcome, updateAccountWorkflow } from '../../services/workflowUpdates.ts';

const submissionSchema = z.object({
  csmUserId: z.string().trim().min(1, 'choose the CSM who will onboard this customer').max(100),
  // Absent from forms rendered before it existed: such a submission gets an ID of its own.
  submissionId: z.uuid().optional(),
});

type LinkLookup =
  | { ok: true; found: NonNullable<Awaited<ReturnType<typeof findHandoffByTokenHash>>> }
  | { ok: false; reason: 'unknown' | 'expired' | 'used'; status: 404 | 410; workflowId?: string; companyName?: string };

/** A used link keeps its hash so the AE is told it was used; a replaced (resent) link reads as unknown. */
async function lookUpLink(db: Database, token: string): Promise<LinkLookup> {
  if (!looksLikeHandoffToken(token)) return { ok: false, reason: 'unknown', status: 404 };
  const found = await findHandoffByTokenHash(db, hashToken(token));
  if (!found) return { ok: false, reason: 'unknown', status: 404 };
  if (found.handoff.submittedAt) return { ok: false, reason: 'used', status: 410, workflowId: found.account.workflowId, companyName: found.account.companyName };
  if (!found.handoff.tokenExpiresAt || found.handoff.tokenExpiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired', status: 410 };
  return { ok: true, found };
}

/**
 * The AE's answers as posted, checked against the questions stored on this handoff (not the
 * organisation's current ones). A field left out of the post keeps its drafted answer, so the
 * required check looks at what would be stored.
 */
function readAnswers(qa: HandoffAnswer[], form: Record<string, unknown>) {
  const answers = new Map<string, string>();
  const answerErrors: Record<string, string> = {};
  for (const q of qa) {
    const value = form[`answer_${q.key}`];
    if (typeof value === 'string') {
      const typed = value.trim().slice(0, 10_000);
      if (isChoiceKind(q.kind) && typed !== '') {
        const choice = normaliseChoice(q, typed);
        if (choice === null) answerErrors[q.key] = 'Choose one of the options listed.';
        answers.set(q.key, choice ?? typed);
      } else {
        answers.set(q.key, typed);
      }
    }
    if (q.required && !answerErrors[q.key] && !(answers.get(q.key) ?? q.answer).trim()) {
      answerErrors[q.key] = isChoiceKind(q.kind) ? 'This question is required: choose an answer.' : 'This question is required: write an answer.';
    }
  }
  return { answers, answerErrors };
}

export function handoffPageRoutes(deps: AppDeps) {
  const app = new Hono();
  const limits = deps.handoffRateLimit ?? { limit: 30, windowMs: 60_000 };

  async function renderForm(found: Extract<LinkLookup, { ok: true }>['found'], extra: {
    error?: string; chosenCsmUserId?: string; answers?: Map<string, string>; answerErrors?: Record<string, string>; submissionId?: string;
    csmError?: string | undefined;
  } = {}) {
    const csms = await listUsersByRole(deps.db, found.account.orgId, 'csm');
    const qa = extra.answers ? found.handoff.qa.map((q) => ({ ...q, answer: extra.answers?.get(q.key) ?? q.answer })) : found.handoff.qa;
    return (
      <HandoffPage account={found.account} drafter={found.handoff.drafter} qa={qa} csms={csms} submissionId={extra.submissionId ?? randomUUID()}
        expiresAt={found.handoff.tokenExpiresAt} {...(extra.error ? { error: extra.error } : {})}
        {...(extra.answerErrors ? { answerErrors: extra.answerErrors } : {})}
        {...(extra.csmError ? { csmError: extra.csmError } : {})}
        {...(extra.chosenCsmUserId ? { chosenCsmUserId: extra.chosenCsmUserId } : {})} />
    );
  }

  return app
    .use('*', async function noStore(c, next) {
      await next();
      c.header('Cache-Control', 'no-store');
      c.header('X-Robots-Tag', 'noindex');
    })
    // Token lookups are rate-limited so links cannot be guessed at speed (they are 256-bit anyway).
    .use('/:token', rateLimit({
      ...limits,
      keyOf: (c) => clientAddress(c, deps.trustProxy ?? false),
      onLimited: (c) => c.html(<HandoffLinkProblemPage reason="rate_limited" />, 429),
    }))
    .get('/:token', async (c) => {
      const link = await lookUpLink(deps.db, c.req.param('token'));
      if (!link.ok) return c.html(<HandoffLinkProblemPage reason={link.reason} />, link.status);
      return c.html(await renderForm(link.found));
    })
    .post('/:token', async (c) => {
      const link = await lookUpLink(deps.db, c.req.param('token'));
      const { body: form, refused } = await readFormBody(c);
      if (!link.ok) {
        // The browser sending this very submission again (its answer was lost): the first try's outcome.
        const submissionId = submissionSchema.shape.submissionId.safeParse(form.submissionId);
        if (link.reason === 'used' && link.workflowId && submissionId.success && submissionId.data) {
          const earlier = await earlierUpdateOutcome(deps.temporal, link.workflowId, submitHandoffUpdate, submissionId.data);
          if (earlier) return c.html(<HandoffDonePage companyName={link.companyName ?? ''} csmName={earlier.csm?.name ?? 'your CSM'} />);
        }
        return c.html(<HandoffLinkProblemPage reason={link.reason} />, link.status);
      }
      const { answers, answerErrors } = readAnswers(link.found.handoff.qa, form);
      // Text refused under the text rule (a control character): beside its answer, or as the page's error.
      const answerFields = new Map(link.found.handoff.qa.map((q) => [`answer_${q.key}`, q.key]));
      for (const [field, message] of Object.entries(refused)) {
        const key = answerFields.get(field);
        if (key) answerErrors[key] = message;
      }
      const refusedOther = Object.keys(refused).find((field) => !answerFields.has(field));
      const chosenCsmUserId = typeof form.csmUserId === 'string' ? form.csmUserId : '';
      const submissionId = typeof form.submissionId === 'string' && form.submissionId ? form.submissionId : undefined;
      const parsed = submissionSchema.safeParse({ csmUserId: chosenCsmUserId, submissionId });
      const problems = Object.keys(answerErrors).length;
      if (!parsed.success || problems || refusedOther) {
        // Nothing reaches the workflow: the AE gets the page back with what they typed, each error beside its field.
        const csmError = parsed.error?.issues.find((i) => i.path[0] === 'csmUserId')?.message;
        const error = problems
          ? `${problems === 1 ? 'One answer needs' : `${problems} answers need`} your attention before the handoff can be submitted.`
          : refusedOther ? `Nothing was submitted: the field "${refusedOther}" contained text Relay does not accept. Check the form and submit again.`
            : csmError ? 'Nothing was submitted: choose the CSM at the end of the form.'
              : parsed.error?.issues[0]?.message ?? 'invalid submission';
        return c.html(await renderForm(link.found, { error, answers, answerErrors, csmError, ...(chosenCsmUserId ? { chosenCsmUserId } : {}), ...(parsed.success && parsed.data.submissionId ? { submissionId: parsed.data.submissionId } : {}) }), 400);
      }
      try {
        const state = await updateAccountWorkflow(deps.temporal, link.found.account.workflowId, submitHandoffUpdate,
          { csmUserId: parsed.data.csmUserId, answers: [...answers].map(([key, answer]) => ({ key, answer })) }, { fieldOnCsmError: 'csmUserId', timeouts: deps.updateTimeouts, requestKey: parsed.data.submissionId });
        // null: accepted and being applied; the chosen CSM stands either way.
        return c.html(<HandoffDonePage companyName={link.found.account.companyName} csmName={state?.csm?.name ?? 'your CSM'} />);
      } catch (error) {
        if (error instanceof RelayError && error.code === 'validation') {
          const csmError = error.details.fields?.find((f) => f.field === 'csmUserId')?.message;
          return c.html(await renderForm(link.found, { error: error.message, answers, csmError }), 400);
        }
        if (error instanceof RelayError && error.code === 'conflict') {
          return c.html(<HandoffLinkProblemPage reason="used" />, 410);
        }
        if (error instanceof RelayError && error.code === 'unavailable') {
          // The form again, as the AE filled it, with the same submission ID: sent again, it is the same
          // handoff (one that went through after all is answered with its outcome), never a second one.
          c.header('Retry-After', '5');
          return c.html(await renderForm(link.found, {
            error: 'Relay could not take the handoff just now; nothing was submitted. Your answers are below: submit again in a few seconds.',
            answers, chosenCsmUserId: parsed.data.csmUserId,
            ...(parsed.data.submissionId ? { submissionId: parsed.data.submissionId } : {}),
          }), 503);
        }
        throw error;
      }
    });
}
