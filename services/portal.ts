import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { getAccount } from '../db/repositories/accounts.ts';
import { getAccountAction, listAccountActions } from '../db/repositories/actions.ts';
import { listAccountMilestones } from '../db/repositories/milestones.ts';
import {
  deletePortalSubmission, findPortalLinkByTokenHash, insertPortalLinkOnce, getPortalFile, latestPortalLink, listPortalSubmissions, replacePortalLink,
  revokePortalLinks, storePortalSubmission, type NewPortalFile,
} from '../db/repositories/portal.ts';
import { recordTimelineEvent } from '../db/repositories/timeline.ts';
import { findUserById } from '../db/repositories/users.ts';
import type { PortalAnswer } from '../db/schema/index.ts';
import { fieldErrors, type FieldError } from '../domain/accountInput.ts';
import { isActionDone, type ActionStatus } from '../domain/actions.ts';
import { looksLikeHandoffToken } from '../domain/handoffToken.ts';
import { hashToken, newSecretToken } from '../domain/secretTokens.ts';
import { FORM_FIELD_KINDS, type FormField, type TemplateAction } from '../domain/templates.ts';
import { storableText, unstorableTextProblem, withoutUnstorable } from '../domain/text.ts';
import { EmailDeliveryError } from '../integrations/email/deliveryError.ts';
import type { Mailer } from '../integrations/email/mailer.ts';
import { portalLinkEmail } from '../ui/emails/portalEmails.tsx';
import { commandAccountAction, type AccountActionDeps } from './accountActions.ts';
import { deliverEmail } from './emailDelivery.ts';
import { RelayError } from './errors.ts';

// The customer portal (issue 12, SPEC §2): one tokenized link per account for its primary contact,
// the onboarding plan as the customer sees it, and the information requests they answer there. The
// link follows the AE handoff link's hygiene: 256 random bits, only the SHA-256 stored, expiring,
// revocable (a new link revokes the old), and rate-limited where it is looked up (api/routes/portal.tsx).

/** How long a portal link works. Long, because onboarding is: a new link replaces it any time. */
export const PORTAL_LINK_TTL_DAYS = 90;
/** Each uploaded file. */
export const PORTAL_FILE_MAX_BYTES = 10 * 1024 * 1024;
/** A whole submission (its files and answers): checked as the body streams in, before anything buffers it. */
export const PORTAL_BODY_MAX_BYTES = 25 * 1024 * 1024;

const DAY_MS = 24 * 60 * 60 * 1000;

// ---- links ---------------------------------------------------------------------------------------

export interface PortalLinkDeps { db: Database; mailer: Mailer; publicUrl: string }

export interface PortalLinkSent { sentTo: string; expiresAt: Date; link: string; notDeliveredBecause: string | null }

/**
 * A new portal link for the account's primary contact, emailed through the outbox (its idempotency
 * key is the link's, so a retried delivery is the same email); older links stop working at once.
 */
export async function sendPortalLink(deps: PortalLinkDeps, orgId: string, accountId: string, actor: string): Promise<PortalLinkSent> {
  const account = await getAccount(deps.db, orgId, accountId);
  if (!account) throw new RelayError('not_found', 'no such account');
  const csm = account.csmUserId ? await findUserById(deps.db, orgId, account.csmUserId) : null;
  const token = newSecretToken();
  const expiresAt = new Date(Date.now() + PORTAL_LINK_TTL_DAYS * DAY_MS);
  const linkId = await replacePortalLink(deps.db, { orgId, accountId, tokenHash: hashToken(token), expiresAt, sentTo: account.primaryContactEmail, createdBy: actor });
  const link = `${deps.publicUrl}/portal/${token}`;
  const email = portalLinkEmail({
    contactName: account.primaryContactName, companyName: account.companyName, csmName: csm?.name ?? null, csmEmail: csm?.email ?? null,
    link, expiresOn: expiresAt.toISOString().slice(0, 10),
  });
  const idempotencyKey = `portal-link:${linkId}`;
  let notDeliveredBecause: string | null = null;
  try {
    await deliverEmail(deps.db, deps.mailer, { ...email, orgId, accountId, kind: 'portal_link', to: [account.primaryContactEmail], idempotencyKey });
  } catch (error) {
    if (!(error instanceof EmailDeliveryError)) throw error;
    notDeliveredBecause = error.message;
  }
  await recordTimelineEvent(deps.db, {
    orgId, accountId, type: notDeliveredBecause ? 'email_failed' : 'email_sent', actor, dedupeKey: `${idempotencyKey}:timeline`,
    message: notDeliveredBecause
      ? `Portal link for ${account.primaryContactEmail} was not delivered: ${notDeliveredBecause}`
      : `Portal link sent to ${account.primaryContactEmail} (valid until ${expiresAt.toISOString().slice(0, 10)}; earlier links revoked)`,
    data: { portalLinkId: linkId, kind: 'portal_link' },
  });
  return { sentTo: account.primaryContactEmail, expiresAt, link, notDeliveredBecause };
}

/**
 * The link an email gives the customer in `{{portal_link}}` (the playbook's first emails introduce the
 * portal). Its ID comes from the email's idempotency key and its token from RELAY_SECRET by HMAC (only
 * the hash is stored, as for every link), so a send retried after a crash puts the very link it made
 * the first time in the very same email, instead of revoking it for a new one. Making it revokes the
 * account's older links, as sending one by hand does.
 */
export async function portalLinkForEmail(
  deps: { db: Database; publicUrl: string; tokenSecret: string },
  account: { orgId: string; id: string; primaryContactEmail: string }, emailKey: string, actor: string,
): Promise<string> {
  const linkId = createHash('sha256').update(`portal-link-email:${emailKey}`).digest('hex').slice(0, 32);
  const key = Buffer.from(hkdfSync('sha256', deps.tokenSecret, 'relay-portal-links', 'portal link tokens v1', 32));
  const token = createHmac('sha256', key).update(linkId).digest('base64url');
  await insertPortalLinkOnce(deps.db, {
    id: linkId, orgId: account.orgId, accountId: account.id, tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + PORTAL_LINK_TTL_DAYS * DAY_MS), sentTo: account.primaryContactEmail, createdBy: actor,
  });
  return `${deps.publicUrl}/portal/${token}`;
}

/** Stops the account's portal link from working; answers whether there was a live one. */
export async function revokePortalLink(db: Database, orgId: string, accountId: string, actor: string): Promise<boolean> {
  if (!await getAccount(db, orgId, accountId)) throw new RelayError('not_found', 'no such account');
  return (await revokePortalLinks(db, orgId, accountId, actor)) > 0;
}

export type PortalLinkProblem = 'unknown' | 'expired' | 'revoked';

/** The link behind a token, while it works: the only way from a token to an organisation and account. */
export interface ActivePortalLink {
  linkId: string;
  orgId: string;
  accountId: string;
  workflowId: string;
  contactName: string;
  contactEmail: string;
}

/** What a token opens, or why it opens nothing (without saying anything about any account). */
export async function openPortalLink(db: Database, token: string, now = new Date()): Promise<{ ok: true; link: ActivePortalLink } | { ok: false; problem: PortalLinkProblem }> {
  // Same shape as every 256-bit token here: 43 base64url characters. Anything else never reaches the database.
  if (!looksLikeHandoffToken(token)) return { ok: false, problem: 'unknown' };
  const found = await findPortalLinkByTokenHash(db, hashToken(token));
  if (!found) return { ok: false, problem: 'unknown' };
  if (found.link.revokedAt) return { ok: false, problem: 'revoked' };
  if (found.link.expiresAt.getTime() <= now.getTime()) return { ok: false, problem: 'expired' };
  return {
    ok: true,
    link: {
      linkId: found.link.id, orgId: found.link.orgId, accountId: found.link.accountId, workflowId: found.account.workflowId,
      contactName: found.account.primaryContactName, contactEmail: found.account.primaryContactEmail,
    },
  };
}

// ---- information-request fields ------------------------------------------------------------------

const formFieldSchema = z.object({
  key: z.string().regex(/^[A-Za-z0-9_]{1,40}$/),
  label: z.string().trim().min(1).max(200),
  kind: z.enum(FORM_FIELD_KINDS),
  required: z.boolean().optional(),
  help: z.string().max(1000).optional(),
  options: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
}).refine((f) => f.kind !== 'choice' || (f.options?.length ?? 0) > 0, 'a choice needs options');

const formFieldsSchema = z.array(formFieldSchema).min(1).max(30)
  .refine((fields) => new Set(fields.map((f) => f.key)).size === fields.length, 'field keys must be unique');

/** An information request without fields of its own asks for one written answer. */
const DEFAULT_FIELDS: FormField[] = [{ key: 'answer', label: 'Your answer', kind: 'long_text', required: true }];

/** The fields the action was copied with; a malformed list (hand-edited JSON) falls back to one answer. */
export function requestFields(action: TemplateAction | undefined): FormField[] {
  const parsed = formFieldsSchema.safeParse(action?.fields);
  return parsed.success ? parsed.data as FormField[] : DEFAULT_FIELDS;
}

/** The form's name for a field's input. */
export const answerInputName = (key: string): string => `field_${key}`;

interface DetectedType { contentType: string; label: string }

const startsWith = (bytes: Buffer, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** UTF-8 text without control characters (a CSV or a note), never a binary renamed .txt. */
function isPlainText(bytes: Buffer): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return unstorableTextProblem(text) === null;
  } catch {
    return false;
  }
}

/** Word and Excel files are zip archives that list their parts in [Content_Types].xml. */
const isOfficeZip = (bytes: Buffer) => startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) && bytes.includes('[Content_Types].xml');

/**
 * The upload allow-list. A file is accepted only when its extension names one of these types and its
 * first bytes (magic numbers) say the same: a script renamed .pdf, or a PDF renamed .png, is refused.
 */
const FILE_TYPES: { extensions: string[]; contentType: string; label: string; matches: (bytes: Buffer) => boolean }[] = [
  { extensions: ['pdf'], contentType: 'application/pdf', label: 'PDF', matches: (b) => startsWith(b, ascii('%PDF-')) },
  { extensions: ['png'], contentType: 'image/png', label: 'PNG image', matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { extensions: ['jpg', 'jpeg'], contentType: 'image/jpeg', label: 'JPEG image', matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { extensions: ['docx'], contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', label: 'Word document', matches: isOfficeZip },
  { extensions: ['xlsx'], contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', label: 'Excel workbook', matches: isOfficeZip },
  { extensions: ['csv'], contentType: 'text/csv; charset=utf-8', label: 'CSV file', matches: isPlainText },
  { extensions: ['txt'], contentType: 'text/plain; charset=utf-8', label: 'text file', matches: isPlainText },
];

export const ACCEPTED_UPLOADS = FILE_TYPES.flatMap((t) => t.extensions.map((e) => `.${e}`)).join(',');
const ACCEPTED_UPLOADS_TEXT = 'PDF, PNG, JPEG, Word (.docx), Excel (.xlsx), CSV or plain text';

export function detectFileType(fileName: string, bytes: Buffer): DetectedType | null {
  const extension = /\.([A-Za-z0-9]{1,8})$/.exec(fileName)?.[1]?.toLowerCase();
  const type = FILE_TYPES.find((t) => extension && t.extensions.includes(extension) && t.matches(bytes));
  return type ? { contentType: type.contentType, label: type.label } : null;
}

/** A name to show and to offer on download: no path, no control characters, not too long. */
export function safeFileName(name: string): string {
  const base = withoutUnstorable(name).split(/[\\/]/).pop()?.trim() ?? '';
  const cleaned = base.replace(/^\.+/, '').slice(-150);
  return cleaned || 'upload';
}

const isFile = (value: unknown): value is File => typeof File !== 'undefined' && value instanceof File;

type FormBody = Record<string, string | File | (string | File)[]>;

/** One zod schema per field, built from the request's fields: what the customer may send for each. */
function answerSchema(field: FormField): z.ZodType {
  const required = field.required === true;
  switch (field.kind) {
    case 'text':
    case 'long_text': {
      const max = field.kind === 'text' ? 2_000 : 20_000;
      const text = z.string({ error: `${field.label}: write an answer` }).optional().transform((v) => v ?? '').superRefine(storableText)
        // A browser posts a textarea's line breaks as CRLF; answers keep LF, as typed.
        .transform((v) => v.replace(/\r\n?/g, '\n').trim())
        .refine((v) => v.length <= max, `${field.label}: at most ${max.toLocaleString('en-US')} characters`);
      return required ? text.refine((v) => v !== '', `${field.label} is required: write an answer`) : text;
    }
    case 'choice': {
      const options = field.options ?? [];
      const choice = z.string({ error: `${field.label}: choose one of the options listed` }).optional().transform((v) => v ?? '')
        .refine((v) => v === '' || options.includes(v), `${field.label}: choose one of the options listed`);
      return required ? choice.refine((v) => v !== '', `${field.label} is required: choose an answer`) : choice;
    }
    case 'file': {
      // A file input left empty posts an empty, nameless file; a string is no file either.
      const given = (v: unknown): v is File => isFile(v) && (v.size > 0 || v.name !== '');
      return z.unknown().transform((v) => (given(v) ? v : undefined))
        .refine((v) => !required || v !== undefined, `${field.label} is required: attach a file`)
        .refine((v) => v === undefined || v.size <= PORTAL_FILE_MAX_BYTES, `${field.label}: the file is larger than ${PORTAL_FILE_MAX_BYTES / 1024 / 1024} MB`);
    }
  }
}

export interface ReadAnswers { answers: PortalAnswer[]; files: NewPortalFile[] }

/**
 * The customer's answers to a request, checked against its fields: text under the text rule and its
 * length, a choice among its options, a file within the size limit and of an accepted type by its
 * bytes. Every refusal names its input (`field_<key>`); nothing is stored unless all pass.
 */
export async function readRequestAnswers(fields: FormField[], body: FormBody, refused: Record<string, string> = {}): Promise<ReadAnswers> {
  const shape = Object.fromEntries(fields.map((f) => [answerInputName(f.key), answerSchema(f)]));
  const values = Object.fromEntries(fields.map((f) => {
    const raw = body[answerInputName(f.key)];
    return [answerInputName(f.key), Array.isArray(raw) ? raw[0] : raw];
  }));
  const parsed = z.object(shape).safeParse(values);
  const errors: FieldError[] = Object.entries(refused).map(([field, message]) => ({ field, message }));
  if (!parsed.success) errors.push(...fieldErrors(parsed.error));
  const answers: PortalAnswer[] = [];
  const files: NewPortalFile[] = [];
  if (parsed.success) {
    const data = parsed.data as Record<string, string | File | undefined>;
    for (const field of fields) {
      const name = answerInputName(field.key);
      const value = data[name];
      if (field.kind !== 'file') {
        answers.push({ key: field.key, label: field.label, kind: field.kind, value: typeof value === 'string' ? value : '' });
        continue;
      }
      if (!isFile(value)) {
        answers.push({ key: field.key, label: field.label, kind: 'file', value: '', fileId: null });
        continue;
      }
      const bytes = Buffer.from(await value.arrayBuffer());
      const fileName = safeFileName(value.name);
      const type = detectFileType(fileName, bytes);
      if (!type) {
        errors.push({ field: name, message: `${field.label}: "${fileName}" is not an accepted file. Attach a ${ACCEPTED_UPLOADS_TEXT} file whose contents match its name.` });
        continue;
      }
      answers.push({ key: field.key, label: field.label, kind: 'file', value: fileName });
      files.push({ fieldKey: field.key, fileName, contentType: type.contentType, sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), content: bytes });
    }
  }
  if (errors.length) {
    const unique = errors.filter((e, i) => errors.findIndex((o) => o.field === e.field) === i);
    throw new RelayError('validation', `${unique.length === 1 ? 'One answer needs' : `${unique.length} answers need`} your attention before this can be sent.`, { fields: unique });
  }
  return { answers, files };
}

// ---- what the portal shows ----------------------------------------------------------------------

export interface PortalMilestone {
  id: string;
  name: string;
  status: 'pending' | 'in_progress' | 'completed';
  percentDone: number;
  startedAt: Date | null;
  completedAt: Date | null;
  /** When it is planned to start and end: from when it (or the one before it) actually started. */
  plannedStart: Date | null;
  plannedEnd: Date | null;
}

export interface PortalRequest {
  actionId: string;
  label: string;
  description: string;
  milestoneName: string;
  fields: FormField[];
}

export interface PortalView {
  companyName: string;
  contactName: string;
  csm: { name: string; email: string } | null;
  percentDone: number;
  milestones: PortalMilestone[];
  currentMilestoneId: string | null;
  openRequests: PortalRequest[];
  /** The customer's answered requests, newest last. */
  answered: { actionId: string; label: string; submittedAt: Date }[];
}

const isOpenRequest = (a: { kind: string; status: ActionStatus }) => a.kind === 'form' && a.status === 'ready';

/** An action's index in its milestone's template actions (`<milestoneId>:<index>`). */
const actionIndex = (actionId: string): number => Number(actionId.slice(actionId.lastIndexOf(':') + 1));

/**
 * The account as its customer sees it: the plan, where it stands, the requests open to them and what
 * they answered. Nothing else (no ARR, health, notes, internal tasks or other contacts).
 */
export async function loadPortalView(db: Database, orgId: string, accountId: string, now = new Date()): Promise<PortalView | null> {
  const account = await getAccount(db, orgId, accountId);
  if (!account) return null;
  const [milestones, actions, submissions, csm] = await Promise.all([
    listAccountMilestones(db, orgId, accountId),
    listAccountActions(db, orgId, accountId),
    listPortalSubmissions(db, orgId, accountId),
    account.csmUserId ? findUserById(db, orgId, account.csmUserId) : Promise.resolve(null),
  ]);
  // Planned dates follow what actually happened: a started milestone from its start, a pending one
  // from when the one before it ended (or is due to); nothing is planned before onboarding starts.
  let cursor: Date | null = null;
  const shown: PortalMilestone[] = milestones.map((m) => {
    const own = actions.filter((a) => a.milestoneId === m.id);
    const percentDone = m.status === 'completed' ? 100
      : m.status === 'pending' || !own.length ? 0 : Math.round((100 * own.filter((a) => isActionDone(a.status)).length) / own.length);
    const plannedStart = m.startedAt ?? cursor;
    const plannedEnd = plannedStart ? new Date(plannedStart.getTime() + m.durationDays * DAY_MS) : null;
    if (m.status === 'completed') cursor = m.completedAt ?? plannedEnd;
    else if (m.status === 'in_progress') cursor = plannedEnd && plannedEnd > now ? plannedEnd : now;
    else cursor = plannedEnd;
    return { id: m.id, name: m.name, status: m.status, percentDone, startedAt: m.startedAt, completedAt: m.completedAt, plannedStart, plannedEnd };
  });
  const names = new Map(milestones.map((m) => [m.id, m]));
  const openRequests = actions.filter(isOpenRequest).map((a) => {
    const milestone = names.get(a.milestoneId);
    const template = milestone?.actions[actionIndex(a.actionId)];
    return { actionId: a.actionId, label: a.label, description: template?.description ?? '', milestoneName: milestone?.name ?? '', fields: requestFields(template) };
  });
  const labels = new Map(actions.map((a) => [a.actionId, a.label]));
  const completed = milestones.filter((m) => m.status === 'completed').length;
  return {
    companyName: account.companyName, contactName: account.primaryContactName,
    csm: csm ? { name: csm.name, email: csm.email } : null,
    percentDone: milestones.length ? Math.round((100 * completed) / milestones.length) : 0,
    milestones: shown,
    currentMilestoneId: milestones.find((m) => m.status === 'in_progress')?.id ?? null,
    openRequests,
    answered: submissions.map((s) => ({ actionId: s.actionId, label: labels.get(s.actionId) ?? 'Information request', submittedAt: s.submittedAt })),
  };
}

// ---- answering a request ------------------------------------------------------------------------

/** How the timeline names the customer: their name and address, and where they acted. */
const customerActor = (link: ActivePortalLink) => `${link.contactName} <${link.contactEmail}> (customer portal)`;

/**
 * The customer answers one of their open requests: the answers (and files) are stored, then the
 * action is completed through the account's workflow, as its contact. A request the workflow will
 * not complete any more (the CSM skipped it meanwhile) takes its answers back and says so.
 */
export async function answerInformationRequest(
  deps: AccountActionDeps, link: ActivePortalLink, actionId: string, body: FormBody, refused: Record<string, string> = {},
): Promise<{ label: string; stillApplying: boolean }> {
  const action = await getAccountAction(deps.db, link.orgId, link.accountId, actionId);
  if (!action || action.kind !== 'form') throw new RelayError('not_found', 'There is no such request on this portal.');
  if (!isOpenRequest(action)) throw new RelayError('conflict', `"${action.label}" is no longer open: it was answered or closed already.`);
  const template = (await listAccountMilestones(deps.db, link.orgId, link.accountId)).find((m) => m.id === action.milestoneId)?.actions[actionIndex(actionId)];
  const { answers, files } = await readRequestAnswers(requestFields(template), body, refused);
  const submittedBy = customerActor(link);
  let submissionId: string;
  try {
    submissionId = await storePortalSubmission(deps.db, { orgId: link.orgId, accountId: link.accountId, actionId, linkId: link.linkId, submittedBy, answers, files });
  } catch (error) {
    // The same request sent twice at once (two tabs, a double tap): the unique index let one in.
    if (isUniqueViolation(error)) throw new RelayError('conflict', `"${action.label}" was just sent from another window.`);
    throw error;
  }
  try {
    // One key per request, not per try: a retry after a lost answer (or a completion still being
    // applied) is the same completion, answered with its outcome, never refused as "already done".
    const { state } = await commandAccountAction(deps, link.orgId, link.accountId, actionId, 'complete', {}, submittedBy, { requestKey: `portal-request:${actionId}` });
    return { label: action.label, stillApplying: state === null };
  } catch (error) {
    // Closed meanwhile: the answers go with it. Anything else (the engine away) keeps them for a retry.
    if (error instanceof RelayError && (error.code === 'conflict' || error.code === 'not_found' || error.code === 'validation')) {
      await deletePortalSubmission(deps.db, link.orgId, submissionId);
    }
    throw error;
  }
}

// ---- what the CSM sees ---------------------------------------------------------------------------

export interface PortalCardView {
  link: { sentTo: string; createdAt: Date; createdBy: string; expiresAt: Date; state: 'live' | 'expired' | 'revoked'; revokedAt: Date | null } | null;
  submissions: {
    actionId: string;
    label: string;
    submittedBy: string;
    submittedAt: Date;
    answers: { label: string; kind: string; value: string; file: { id: string; fileName: string; sizeBytes: number; contentType: string } | null }[];
  }[];
}

/** The account page's Customer portal card: the link's state and every answered request, with files. */
export async function loadPortalCard(db: Database, orgId: string, accountId: string, now = new Date()): Promise<PortalCardView> {
  const [link, submissions, actions] = await Promise.all([
    latestPortalLink(db, orgId, accountId),
    listPortalSubmissions(db, orgId, accountId),
    listAccountActions(db, orgId, accountId),
  ]);
  const labels = new Map(actions.map((a) => [a.actionId, a.label]));
  return {
    link: link ? {
      sentTo: link.sentTo, createdAt: link.createdAt, createdBy: link.createdBy, expiresAt: link.expiresAt, revokedAt: link.revokedAt,
      state: link.revokedAt ? 'revoked' : link.expiresAt.getTime() <= now.getTime() ? 'expired' : 'live',
    } : null,
    submissions: submissions.map((s) => ({
      actionId: s.actionId, label: labels.get(s.actionId) ?? s.actionId, submittedBy: s.submittedBy, submittedAt: s.submittedAt,
      answers: s.answers.map((a) => {
        const file = a.fileId ? s.files.find((f) => f.id === a.fileId) : undefined;
        return { label: a.label, kind: a.kind, value: a.value, file: file ? { id: file.id, fileName: file.fileName, sizeBytes: file.sizeBytes, contentType: file.contentType } : null };
      }),
    })),
  };
}

/** An uploaded file for the CSM to download: only one of their organisation's accounts'. */
export async function portalFileForDownload(db: Database, orgId: string, accountId: string, fileId: string) {
  const file = await getPortalFile(db, orgId, accountId, fileId);
  if (!file) throw new RelayError('not_found', 'no such file on this account');
  return { fileName: file.fileName, contentType: file.contentType, content: file.content };
}
