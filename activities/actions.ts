import { ApplicationFailure } from '@temporalio/activity';
import type { Database, Queryable } from '../db/client.ts';
import { addActionTask, closeActionTask } from '../db/repositories/accountWork.ts';
import { getAccount } from '../db/repositories/accounts.ts';
import { getAccountAction, upsertActions } from '../db/repositories/actions.ts';
import { findAccountHandoff } from '../db/repositories/handoffs.ts';
import { listAccountMilestones, milestoneActions } from '../db/repositories/milestones.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { findUserById } from '../db/repositories/users.ts';
import { fillVariables, TASK_LIST_KINDS, type ActionState } from '../domain/actions.ts';
import { SCHEDULED_KINDS, type TemplateAction } from '../domain/templates.ts';
import type { ActionEmailContext, HandoffDrafter } from '../integrations/drafting/drafter.ts';
import { composeActionEmailByRules } from '../integrations/drafting/ruleBasedDrafter.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { portalLinkForEmail } from '../services/portal.ts';
import { FAILURE_TYPES } from '../workflows/definitions.ts';
import { deliverAccountEmail } from './accountEmails.ts';
import { draftByProvider } from './handoffDrafting.ts';

type Account = NonNullable<Awaited<ReturnType<typeof getAccount>>>;

const DAY_MS = 86_400_000;

const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
/** https links in (escaped) text made clickable, e.g. the booking link. */
const linkified = (escaped: string): string => escaped.replace(/https:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g, (url) => `<a href="${url}">${url}</a>`);
const isoDate = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** The playbook's actions (issue 12): what a milestone brings, projecting each transition, its emails and its tasks. */
export function createActionActivities(deps: {
  db: Database; mailer: Mailer;
  /** Where `{{portal_link}}` points, and what derives its token (services/portal.ts portalLinkForEmail). */
  publicUrl: string; tokenSecret: string;
  /** Drafts playbook emails when it can (OpenAI); otherwise, or when it fails for good, the rules do. */
  drafter?: HandoffDrafter | undefined;
  /** Tests shorten the wait between drafting attempts. */
  draftRetryDelayMs?: number | undefined;
}) {
  async function accountOf(orgId: string, accountId: string) {
    const account = await getAccount(deps.db, orgId, accountId);
    if (!account) throw ApplicationFailure.create({ type: FAILURE_TYPES.accountNotFound, message: 'no such account', nonRetryable: true });
    return account;
  }

  async function csmOf(account: Account) {
    return account.csmUserId ? findUserById(deps.db, account.orgId, account.csmUserId) : null;
  }

  /** The booking link an email of this milestone offers: its first meeting's. */
  function schedulingUrlOf(actions: TemplateAction[] | null | undefined): string | null {
    // The editor accepts https links only; anything else (a hand-made template) is not offered to a customer.
    return actions?.find((a) => SCHEDULED_KINDS.includes(a.kind) && a.schedulingUrl?.startsWith('https://'))?.schedulingUrl ?? null;
  }

  /** What `{{variables}}` stand for, now: filled at send, so the CSM named is the one assigned then. */
  async function variableValues(account: Account, milestoneId: string): Promise<Record<string, string>> {
    const [csm, actions] = await Promise.all([csmOf(account), milestoneActions(deps.db, account.orgId, account.id, milestoneId)]);
    const schedulingUrl = schedulingUrlOf(actions);
    return {
      company_name: account.companyName, primary_contact_name: account.primaryContactName,
      primary_contact_first_name: account.primaryContactName.split(/\s+/)[0] || account.primaryContactName,
      csm_name: csm?.name ?? 'your customer success manager', csm_email: csm?.email ?? '',
      ...(schedulingUrl ? { scheduling_link: schedulingUrl } : {}),
    };
  }

  /**
   * The task an internal-task action stands for on the account's task list: put there (once, keyed by
   * the action) when the action becomes ready, due at its time (milestone start + delay; a manual one
   * by the milestone's planned end), and closed when the action is completed or skipped.
   */
  async function syncActionTasks(tx: Queryable, orgId: string, accountId: string, actions: ActionState[], actor: string): Promise<void> {
    const onList = actions.filter((a) => TASK_LIST_KINDS.includes(a.kind));
    if (!onList.length) return;
    for (const action of onList) {
      if (action.status === 'completed' || action.status === 'skipped') {
        await closeActionTask(tx, orgId, accountId, { actionId: action.id, actor, why: action.status });
        continue;
      }
      if (action.status !== 'ready') continue;
      const account = await getAccount(tx, orgId, accountId);
      const csm = account ? await csmOf(account) : null;
      let due = action.dueAt;
      if (due === null) {
        const milestone = (await listAccountMilestones(tx, orgId, accountId)).find((m) => m.id === action.milestoneId);
        due = milestone?.startedAt ? milestone.startedAt.getTime() + milestone.durationDays * DAY_MS : null;
      }
      await addActionTask(tx, orgId, accountId, {
        actionId: action.id, title: action.label, dueDate: due === null ? null : isoDate(due), assignee: csm?.name ?? null, assigneeUserId: csm?.id ?? null, actor,
      });
    }
  }

  /** Everything an email of this action is drafted from. */
  async function emailContext(account: Account, action: ActionState): Promise<ActionEmailContext> {
    const [csm, milestones, handoff] = await Promise.all([
      csmOf(account), listAccountMilestones(deps.db, account.orgId, account.id), findAccountHandoff(deps.db, account.orgId, account.id),
    ]);
    const milestone = milestones.find((m) => m.id === action.milestoneId);
    return {
      account: {
        companyName: account.companyName, arr: account.arr, primaryContactName: account.primaryContactName, primaryContactRole: account.primaryContactRole,
        industry: account.industry, companySize: account.companySize, website: account.website,
      },
      handoff: (handoff?.qa ?? []).filter((q) => q.answer.trim()).map((q) => ({ question: q.question, answer: q.answer })),
      milestone: {
        sequence: milestone?.sequence ?? 0, name: milestone?.name ?? '', durationDays: milestone?.durationDays ?? 0,
        actions: (milestone?.actions ?? []).map((a) => ({ kind: a.kind, label: a.label, description: a.description })),
      },
      action: { label: action.label, description: action.description },
      csm: csm ? { name: csm.name, email: csm.email } : null,
      schedulingUrl: schedulingUrlOf(milestone?.actions),
    };
  }

  return {
    /** The actions the milestone was copied with from its template. */
    async loadMilestoneActions(input: { orgId: string; accountId: string; milestoneId: string }): Promise<TemplateAction[]> {
      const actions = await milestoneActions(deps.db, input.orgId, input.accountId, input.milestoneId);
      if (!actions) throw ApplicationFailure.create({ type: FAILURE_TYPES.milestoneNotFound, message: 'no such milestone on this account', nonRetryable: true });
      return actions;
    },

    /**
     * Projects the actions as the workflow holds them, and the transition into the timeline (once per
     * key); an internal task's action keeps its task on the account's list in step, in the same transaction.
     */
    async projectActions(input: { orgId: string; accountId: string; actions: ActionState[]; change?: { message: string; actor: string; eventKey: string } }): Promise<void> {
      await deps.db.transaction(async (tx) => {
        await upsertActions(tx, input.orgId, input.accountId, input.actions);
        if (input.change) {
          await recordTimelineEvent(tx, {
            orgId: input.orgId, accountId: input.accountId, type: 'action_changed', actor: input.change.actor, dedupeKey: input.change.eventKey,
            message: input.change.message, data: { actionIds: input.actions.map((a) => a.id) },
          });
        }
        await syncActionTasks(tx, input.orgId, input.accountId, input.actions, input.change?.actor ?? 'relay');
      });
    },

    /**
     * An email action's draft: its description addressed to the primary contact, with the account's
     * variables filled ({{company_name}}, {{primary_contact_name}}, {{csm_name}}, {{csm_email}}).
     * Rule-based, and labelled so on the page; a reviewer may edit it before approving. (Runs that
     * started before AI drafting, and the fallback when AI drafting fails for good.)
     */
    async draftActionEmail(input: { orgId: string; accountId: string; action: ActionState }): Promise<{ subject: string; body: string }> {
      const account = await accountOf(input.orgId, input.accountId);
      const values = await variableValues(account, input.action.milestoneId);
      const byRules = composeActionEmailByRules(await emailContext(account, input.action));
      const subject = fillVariables(byRules.subject, values);
      const body = fillVariables(byRules.body, values);
      await upsertActions(deps.db, input.orgId, input.accountId, [input.action], { draftSubject: subject, draftBody: body, drafter: 'rule_based' });
      return { subject, body };
    },

    /**
     * An email action's draft by the model (OpenAI) from the account, the handoff Q&A and the milestone,
     * `{{variables}}` kept for the send and labelled `openai:<model>`; by the rules (filled, labelled
     * `rule_based`) without a model, or when it fails for good. Once: a retry finds the stored draft.
     */
    async draftActionEmailWithAi(input: { orgId: string; accountId: string; action: ActionState }): Promise<{ drafter: string }> {
      const stored = await getAccountAction(deps.db, input.orgId, input.accountId, input.action.id);
      if (stored?.drafter && stored.draftSubject !== null) return { drafter: stored.drafter };
      const account = await accountOf(input.orgId, input.accountId);
      const context = await emailContext(account, input.action);
      const draftWithModel = deps.drafter?.draftActionEmail?.bind(deps.drafter);
      const drafted = draftWithModel ? await draftByProvider(() => draftWithModel(context), {
        failureType: FAILURE_TYPES.actionDraftingFailed, what: 'a playbook email', retryDelayMs: deps.draftRetryDelayMs,
      }) : null;
      if (drafted) {
        await upsertActions(deps.db, input.orgId, input.accountId, [input.action], { draftSubject: drafted.subject, draftBody: drafted.body, drafter: drafted.drafter });
        return { drafter: drafted.drafter };
      }
      const values = await variableValues(account, input.action.milestoneId);
      const byRules = composeActionEmailByRules(context);
      await upsertActions(deps.db, input.orgId, input.accountId, [input.action], {
        draftSubject: fillVariables(byRules.subject, values), draftBody: fillVariables(byRules.body, values), drafter: 'rule_based',
      });
      return { drafter: 'rule_based' };
    },

    /** Sends the action's email (the reviewed draft, its variables filled now) to the primary contact, once per key. */
    async sendActionEmail(input: { orgId: string; accountId: string; action: ActionState; edits?: { subject: string; body: string } | undefined; idempotencyKey: string }): Promise<{ outboxId: string | null; rejectedBecause: string | null }> {
      const account = await accountOf(input.orgId, input.accountId);
      const row = await getAccountAction(deps.db, input.orgId, input.accountId, input.action.id);
      const values = await variableValues(account, input.action.milestoneId);
      const written = { subject: input.edits?.subject ?? row?.draftSubject ?? input.action.label, body: input.edits?.body ?? row?.draftBody ?? input.action.description };
      // A link for the customer portal only in an email that offers one (the first milestone's do).
      if (`${written.subject}\n${written.body}`.includes('{{portal_link}}')) {
        values.portal_link = await portalLinkForEmail(deps, { orgId: account.orgId, id: account.id, primaryContactEmail: account.primaryContactEmail }, input.idempotencyKey, 'playbook');
      }
      const subject = fillVariables(written.subject, values);
      const text = fillVariables(written.body, values);
      // The card shows what went out; the label says whether a reviewer changed it.
      await upsertActions(deps.db, input.orgId, input.accountId, [input.action], {
        draftSubject: subject, draftBody: text, drafter: input.edits ? 'edited' : row?.drafter ?? 'rule_based',
      });
      const html = text.split('\n\n').map((p) => `<p>${linkified(escapeHtml(p)).replace(/\n/g, '<br>')}</p>`).join('');
      const sent = await deliverAccountEmail(deps.db, deps.mailer, {
        orgId: input.orgId, accountId: input.accountId, kind: 'action_email', to: [account.primaryContactEmail],
        subject, text, html, links: [], idempotencyKey: input.idempotencyKey,
      });
      if (sent.outboxId) await upsertActions(deps.db, input.orgId, input.accountId, [input.action], { outboxId: sent.outboxId });
      return { outboxId: sent.outboxId, rejectedBecause: sent.rejectedBecause };
    },
  };
}
