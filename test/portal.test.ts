// The customer portal (issue 12): the primary contact's link (hashed, expiring, revocable, rate
// limited), the plan as the customer sees it, information requests answered there (validated, files
// checked by their bytes and stored in Postgres) completing their action through the workflow, the
// CSM's side (answers, downloads, view as customer), and organisations kept apart.
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.tsx';
import { listAccountActions } from '../db/repositories/actions.ts';
import { saveTemplate } from '../db/repositories/templates.ts';
import { listTimeline } from '../db/repositories/timeline.ts';
import { outboxEmails, portalFiles, portalLinks, portalSubmissions } from '../db/schema/index.ts';
import type { TemplateMilestone } from '../domain/templates.ts';
import { detectFileType, portalLinkForEmail, safeFileName } from '../services/portal.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { createHarness, eventually, handedOffAccount, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

const TEMPLATE = 'Portal Onboarding';
const MILESTONES: TemplateMilestone[] = [
  {
    sequence: 1, name: 'Kickoff', durationDays: 7, actions: [
      {
        kind: 'form', label: 'Security questionnaire', description: 'Tell us how you sign in and where your data lives.',
        trigger: { type: 'milestone_start', delayHours: 0 }, blocker: true,
        fields: [
          { key: 'sso_provider', label: 'Which SSO provider do you use?', kind: 'text', required: true },
          { key: 'data_region', label: 'Data region', kind: 'choice', options: ['EU', 'US'], required: true },
          { key: 'architecture', label: 'Architecture diagram', kind: 'file', help: 'A PDF or an image.' },
          { key: 'notes', label: 'Anything else?', kind: 'long_text' },
        ],
      },
      { kind: 'form', label: 'Kickoff notes', description: 'Anything we should know before we start.', trigger: { type: 'manual' }, blocker: false },
      { kind: 'task', label: 'Internal prep', description: 'Read the handoff before the call.', trigger: { type: 'milestone_start', delayHours: 0 }, blocker: false },
    ],
  },
  { sequence: 2, name: 'Go live', durationDays: 14, actions: [] },
];

async function portalOrganisation(): Promise<TestOrganisation> {
  const org = await h.newOrganisation({ actionHourSeconds: 0.05 });
  await saveTemplate(h.database.db, org.orgId, { name: TEMPLATE, description: 'With information requests', estimatedDurationDays: 21, targetSegment: 'Any', milestones: MILESTONES });
  return org;
}

async function accountWithOpenRequest(org: TestOrganisation, companyName: string): Promise<{ id: string; questionnaireId: string }> {
  const { id } = await handedOffAccount(h, org, { companyName, templateName: TEMPLATE });
  const questionnaire = await eventually(async () => (await listAccountActions(h.database.db, org.orgId, id))
    .find((a) => a.label === 'Security questionnaire' && a.status === 'ready'), { what: 'the questionnaire to be open' });
  return { id, questionnaireId: questionnaire.actionId };
}

const caseyOf = (org: TestOrganisation) => org.csms.find((c) => c.name === 'Casey CSM')!;

/** Sends a portal link from the account page and answers the token the contact's email carries. */
async function sendLink(csm: DashboardClient, accountId: string): Promise<string> {
  const before = new Set((await h.database.db.select({ id: outboxEmails.id }).from(outboxEmails)
    .where(and(eq(outboxEmails.accountId, accountId), eq(outboxEmails.kind, 'portal_link')))).map((r) => r.id));
  const sent = await csm.post(`/accounts/${accountId}/portal/send`);
  expect(sent.status).toBe(303);
  expect(sent.headers.get('location')).toBe(`/accounts/${accountId}#portal`);
  const [email] = (await h.database.db.select().from(outboxEmails)
    .where(and(eq(outboxEmails.accountId, accountId), eq(outboxEmails.kind, 'portal_link')))).filter((m) => !before.has(m.id));
  expect(email).toBeDefined();
  const link = new URL(email!.links[0]!);
  expect(link.origin).toBe('http://relay.test');
  return link.pathname.replace(/^\/portal\//, '');
}

const portal = (path: string, init?: RequestInit) => Promise.resolve(h.app.request(path, init));

function form(fields: Record<string, string | Blob | File>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value as string | Blob);
  return data;
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-not-really-an-image-but-png-magic')]);

describe('the customer portal link', () => {
  it('is emailed to the primary contact, stored only as a hash, shows the plan, and stops working when replaced, revoked or expired', async () => {
    const org = await portalOrganisation();
    const { id } = await accountWithOpenRequest(org, 'Globex Portal');
    const csm = await signIn(h, caseyOf(org).email);

    const token = await sendLink(csm, id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [email] = await h.database.db.select().from(outboxEmails).where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'portal_link')));
    expect(email!.toAddresses).toEqual([expect.stringMatching(/^peter@initech-/)]);
    expect(email!.subject).toBe('Your onboarding plan for Globex Portal');
    expect(email!.text).toContain('Casey CSM');
    const rows = await h.database.db.select().from(portalLinks).where(eq(portalLinks.accountId, id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
    const days = (rows[0]!.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89);
    expect(days).toBeLessThanOrEqual(90);

    const page = await portal(`/portal/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    // The text rule holds here too (the portal router applies it itself, ahead of the app-wide one).
    expect((await portal(`/portal/${token}?answered=%00`)).status).toBe(400);
    const html = await page.text();
    for (const text of ['Globex Portal onboarding', 'Security questionnaire', 'Which SSO provider do you use?', 'Data region', 'Architecture diagram', 'Kickoff', 'Go live', '0% done', 'Casey CSM', 'Now: <strong>Kickoff</strong>']) {
      expect(html).toContain(text);
    }
    // What the customer must not see: internal tasks, money, health, manual requests nobody opened.
    for (const text of ['Internal prep', '120,000', 'Kickoff notes', 'Health']) expect(html).not.toContain(text);
    expect(html).toMatch(/Started \d{4}-\d\d-\d\d · planned to finish by \d{4}-\d\d-\d\d/);
    expect(html).toMatch(/Planned \d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d/);

    // A manual request the CSM runs opens on the portal with the default single answer.
    const notes = (await listAccountActions(h.database.db, org.orgId, id)).find((a) => a.label === 'Kickoff notes')!;
    expect((await org.api(`/api/accounts/${id}/actions/${encodeURIComponent(notes.actionId)}/run`, { body: {} })).status).toBe(200);
    const withNotes = await (await portal(`/portal/${token}`)).text();
    expect(withNotes).toContain('Kickoff notes');
    expect(withNotes).toContain('Your answer');

    const card = await (await csm.get(`/accounts/${id}`)).text();
    expect(card).toContain('Customer portal');
    expect(card).toContain('data-portal-link="live"');

    // A new link replaces the old one at once.
    const second = await sendLink(csm, id);
    expect(second).not.toBe(token);
    const replaced = await portal(`/portal/${token}`);
    expect(replaced.status).toBe(410);
    const replacedHtml = await replaced.text();
    expect(replacedHtml).toContain('This portal link no longer works');
    expect(replacedHtml).not.toContain('Globex');
    expect((await portal(`/portal/${second}`)).status).toBe(200);

    // Revoked from the account page.
    const revoked = await csm.post(`/accounts/${id}/portal/revoke`);
    expect(revoked.status).toBe(303);
    expect((await portal(`/portal/${second}`)).status).toBe(410);
    expect(await (await csm.get(`/accounts/${id}`)).text()).toContain('data-portal-link="revoked"');

    // Expired.
    const third = await sendLink(csm, id);
    await h.database.db.update(portalLinks).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(portalLinks.tokenHash, createHash('sha256').update(third).digest('hex')));
    const expired = await portal(`/portal/${third}`);
    expect(expired.status).toBe(410);
    const expiredHtml = await expired.text();
    expect(expiredHtml).toContain('This portal link has expired');
    expect(expiredHtml).not.toContain('Globex');
    // Posting to a dead link stores nothing.
    const late = await portal(`/portal/${third}/requests/x`, { method: 'POST', body: form({ field_answer: 'late' }) });
    expect(late.status).toBe(410);

    // Unknown and malformed tokens: the same 404, naming nothing.
    for (const unknown of ['A'.repeat(43), 'short', `${token}x`]) {
      const res = await portal(`/portal/${unknown}`);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).toContain('This portal link is not valid');
      expect(text).not.toContain('Globex');
    }
  });

  it('is rate-limited per client address, like the handoff link', async () => {
    const limited = createApp({ ...h.deps, handoffRateLimit: { limit: 2, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await limited.request(`/portal/${'B'.repeat(43)}`)).status);
    expect(statuses).toEqual([404, 404, 429]);
  });
});

describe('the portal link in the playbook\'s first email', () => {
  it('goes out in the kickoff milestone\'s welcome email, opens the portal, and is the same link when the send is retried', async () => {
    const org = await h.newOrganisation({ actionHourSeconds: 0.05 });
    await saveTemplate(h.database.db, org.orgId, {
      name: 'Welcome With Portal', description: 'An email that sends itself', estimatedDurationDays: 14, targetSegment: 'Any', milestones: [
        { sequence: 1, name: 'Kickoff', durationDays: 7, actions: [
          { kind: 'email', label: 'Welcome email', description: 'Welcome aboard: here is how onboarding works.', trigger: { type: 'milestone_start', delayHours: 0 }, blocker: false, autoSend: true },
        ] },
        { sequence: 2, name: 'Go live', durationDays: 7, actions: [
          { kind: 'email', label: 'Go-live note', description: 'You are live.', trigger: { type: 'manual' }, blocker: false },
        ] },
      ],
    });
    const { id } = await handedOffAccount(h, org, { companyName: 'Portal Mail Co', templateName: 'Welcome With Portal' });
    const welcome = await eventually(async () => (await h.database.db.select().from(outboxEmails)
      .where(and(eq(outboxEmails.accountId, id), eq(outboxEmails.kind, 'action_email'))))[0], { what: 'the welcome email sent' });
    // What the contact reads: a working link, not the variable.
    expect(welcome.text).not.toContain('{{portal_link}}');
    const token = /http:\/\/relay\.test\/portal\/([A-Za-z0-9_-]{43})/.exec(welcome.text)?.[1];
    expect(token, welcome.text).toBeDefined();
    const page = await portal(`/portal/${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Portal Mail Co');
    const stored = await h.database.db.select().from(portalLinks).where(eq(portalLinks.accountId, id));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).toBe(createHash('sha256').update(token!).digest('hex'));
    expect(stored[0]!.createdBy).toBe('playbook');

    // A send retried after a crash (same idempotency key) finds the link it made, not a new one.
    const again = await portalLinkForEmail({ db: h.database.db, publicUrl: 'http://relay.test', tokenSecret: h.activityDeps.tokenSecret },
      { orgId: org.orgId, id, primaryContactEmail: stored[0]!.sentTo }, `${welcome.idempotencyKey}`, 'playbook');
    expect(again).toBe(`http://relay.test/portal/${token}`);
    expect(await h.database.db.select().from(portalLinks).where(eq(portalLinks.accountId, id))).toHaveLength(1);

  });
});

describe('information requests on the portal', () => {
  it('validates answers and files, stores them, completes the action through the workflow as the contact, and shows the CSM the answers and files', async () => {
    const org = await portalOrganisation();
    const { id, questionnaireId } = await accountWithOpenRequest(org, 'Hooli Portal');
    const csm = await signIn(h, caseyOf(org).email);
    const token = await sendLink(csm, id);
    const post = (fields: Record<string, string | Blob | File>) => portal(`/portal/${token}/requests/${encodeURIComponent(questionnaireId)}`, { method: 'POST', body: form(fields) });
    const good = { field_sso_provider: 'Okta', field_data_region: 'EU' };

    // Required answers missing: 400, each named beside its input; nothing stored, the action still open.
    const missing = await post({ field_sso_provider: '  ' });
    expect(missing.status).toBe(400);
    const missingHtml = await missing.text();
    expect(missingHtml).toContain('Which SSO provider do you use? is required: write an answer');
    expect(missingHtml).toContain('Data region is required: choose an answer');
    expect(missingHtml).toMatch(/id="field_sso_provider"[^>]*aria-invalid="true"/);

    // NUL (a control character) refused, naming the field.
    const nul = await post({ ...good, field_notes: 'fine\u0000not' });
    expect(nul.status).toBe(400);
    const nulHtml = await nul.text();
    expect(nulHtml).toMatch(/id="field_notes-error">This field contained an invisible control character \(U\+0000\)/);

    // A choice outside its options.
    const mars = await post({ ...good, field_data_region: 'Mars' });
    expect(mars.status).toBe(400);
    expect(await mars.text()).toContain('Data region: choose one of the options listed');

    // A file whose bytes do not match its name (HTML renamed .pdf), and a type not on the list.
    const fakePdf = await post({ ...good, field_architecture: new File(['<html><script>alert(1)</script></html>'], 'diagram.pdf', { type: 'application/pdf' }) });
    expect(fakePdf.status).toBe(400);
    expect(await fakePdf.text()).toContain('Architecture diagram: &quot;diagram.pdf&quot; is not an accepted file');
    const exe = await post({ ...good, field_architecture: new File([Buffer.from('MZ\u0090\u0000')], 'setup.exe') });
    expect(exe.status).toBe(400);

    // Over 10 MB: refused by the field's limit (the app-wide 1 MB body limit does not apply here).
    const big = await post({ ...good, field_architecture: new File([Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024)])], 'huge.png', { type: 'image/png' }) });
    expect(big.status).toBe(400);
    expect(await big.text()).toContain('Architecture diagram: the file is larger than 10 MB');
    // Over the whole submission's 25 MB: refused before it is read.
    const huge = await post({ ...good, field_architecture: new File([Buffer.alloc(26 * 1024 * 1024)], 'huge.png') });
    expect(huge.status).toBe(413);

    expect(await h.database.db.select().from(portalSubmissions).where(eq(portalSubmissions.accountId, id))).toEqual([]);
    expect((await listAccountActions(h.database.db, org.orgId, id)).find((a) => a.actionId === questionnaireId)!.status).toBe('ready');

    // A good one, with a PNG of 1.5 MB (over the app's 1 MB body limit).
    const image = Buffer.concat([PNG, Buffer.alloc(1536 * 1024, 7)]);
    const done = await post({ ...good, field_notes: 'Go-live in March.\nThanks!', field_architecture: new File([image], '../../etc/diagram.png', { type: 'image/png' }) });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/portal/${token}?answered=${encodeURIComponent(questionnaireId)}#requests`);
    await eventually(async () => (await listAccountActions(h.database.db, org.orgId, id)).find((a) => a.actionId === questionnaireId)?.status === 'completed', { what: 'the questionnaire completed' });
    const timeline = await listTimeline(h.database.db, org.orgId, id);
    const completed = timeline.find((e) => e.type === 'action_changed' && e.message === '"Security questionnaire" completed');
    expect(completed?.actor).toMatch(/^Peter Gibbons <peter@initech-.*> \(customer portal\)$/);

    const thanked = await (await portal(`/portal/${token}?answered=${encodeURIComponent(questionnaireId)}`)).text();
    expect(thanked).toContain('Thank you: &quot;Security questionnaire&quot; was sent to your customer success team.');
    expect(thanked).toContain('You answered &quot;Security questionnaire&quot;');
    expect(thanked).not.toContain('id="request-');

    // Answered once: a second post is refused and stores nothing more.
    const again = await post(good);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('is no longer open');
    const [submission] = await h.database.db.select().from(portalSubmissions).where(eq(portalSubmissions.accountId, id));
    expect(submission!.orgId).toBe(org.orgId);
    expect(submission!.answers.map((a) => [a.key, a.value])).toEqual([
      ['sso_provider', 'Okta'], ['data_region', 'EU'], ['architecture', 'diagram.png'], ['notes', 'Go-live in March.\nThanks!'],
    ]);
    const [file] = await h.database.db.select().from(portalFiles).where(eq(portalFiles.accountId, id));
    expect(file).toMatchObject({ orgId: org.orgId, fileName: 'diagram.png', contentType: 'image/png', sizeBytes: image.length });
    expect(Buffer.compare(file!.content, image)).toBe(0);

    // The CSM sees the answers on the account page and downloads the file.
    const page = await (await csm.get(`/accounts/${id}`)).text();
    expect(page).toContain('Answers from the customer');
    expect(page).toContain('Okta');
    expect(page).toContain(`/accounts/${id}/portal/files/${file!.id}`);
    const download = await csm.get(`/accounts/${id}/portal/files/${file!.id}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="diagram.png"; filename*=UTF-8''diagram.png`);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.compare(Buffer.from(await download.arrayBuffer()), image)).toBe(0);

    // View as customer: the same page under the CSM's session, without the token, read-only.
    const preview = await csm.get(`/accounts/${id}/portal`);
    expect(preview.status).toBe(200);
    const previewHtml = await preview.text();
    expect(previewHtml).toContain('Viewing as the customer (Peter Gibbons)');
    expect(previewHtml).toContain('Hooli Portal onboarding');
    expect(previewHtml).not.toContain(token);
    // Without a session it is the sign-in page, not the portal.
    const anonymous = await portal(`/accounts/${id}/portal`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/login/);
  });

  it('shows a request the CSM closed meanwhile as closed, storing nothing', async () => {
    const org = await portalOrganisation();
    const { id, questionnaireId } = await accountWithOpenRequest(org, 'Closed Co');
    const csm = await signIn(h, caseyOf(org).email);
    const token = await sendLink(csm, id);
    const open = await (await portal(`/portal/${token}`)).text();
    expect(open).toContain(`id="request-${questionnaireId}"`);
    expect((await org.api(`/api/accounts/${id}/actions/${encodeURIComponent(questionnaireId)}/skip`, { body: { reason: 'done on the call' } })).status).toBe(200);
    const res = await portal(`/portal/${token}/requests/${encodeURIComponent(questionnaireId)}`, { method: 'POST', body: form({ field_sso_provider: 'Okta', field_data_region: 'US' }) });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Not sent: &quot;Security questionnaire&quot; is no longer open');
    expect(await h.database.db.select().from(portalSubmissions).where(eq(portalSubmissions.accountId, id))).toEqual([]);
  });
});

describe('portal tenancy', () => {
  it('never lets another organisation\'s CSM see, send, revoke or download an account\'s portal data', async () => {
    const orgA = await portalOrganisation();
    const { id, questionnaireId } = await accountWithOpenRequest(orgA, 'Tenant A Portal');
    const csmA = await signIn(h, caseyOf(orgA).email);
    const token = await sendLink(csmA, id);
    const answered = await portal(`/portal/${token}/requests/${encodeURIComponent(questionnaireId)}`, {
      method: 'POST', body: form({ field_sso_provider: 'Okta', field_data_region: 'EU', field_architecture: new File([PNG], 'secret.png') }),
    });
    expect(answered.status).toBe(303);
    const [file] = await h.database.db.select().from(portalFiles).where(eq(portalFiles.accountId, id));
    expect(file).toBeDefined();

    const orgB = await portalOrganisation();
    const created = await orgB.api('/api/accounts', { body: { companyName: 'Tenant B', arr: 50_000, closeDate: '2026-11-01', primaryContactName: 'Bea', primaryContactEmail: 'bea@tenant-b-portal.example', templateName: TEMPLATE } });
    expect(created.status).toBe(201);
    const { id: idB } = await created.json() as { id: string };
    const csmB = await signIn(h, caseyOf(orgB).email);

    for (const path of [`/accounts/${id}/portal`, `/accounts/${id}/portal/files/${file!.id}`, `/accounts/${idB}/portal/files/${file!.id}`]) {
      const res = await csmB.get(path);
      expect(res.status, path).toBe(404);
      const text = await res.text();
      expect(text).not.toContain('Tenant A');
      expect(text).not.toContain('Okta');
    }
    for (const path of [`/accounts/${id}/portal/send`, `/accounts/${id}/portal/revoke`]) {
      expect((await csmB.post(path)).status, path).toBe(404);
    }
    // B's own account page shows none of A's answers.
    const pageB = await (await csmB.get(`/accounts/${idB}`)).text();
    expect(pageB).not.toContain('Okta');
    expect(pageB).not.toContain('secret.png');
    // A's link still works, unrevoked, and only A's rows exist for A's account.
    expect((await portal(`/portal/${token}`)).status).toBe(200);
    const links = await h.database.db.select().from(portalLinks).where(eq(portalLinks.accountId, id));
    expect(links.map((l) => [l.orgId, l.revokedAt])).toEqual([[orgA.orgId, null]]);
  });
});

describe('upload checks', () => {
  it('accepts a file only when its name and its magic bytes agree on an allowed type', () => {
    const zip = (part: string) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), Buffer.from(part)]);
    expect(detectFileType('plan.pdf', Buffer.from('%PDF-1.7\n...'))?.contentType).toBe('application/pdf');
    expect(detectFileType('photo.JPG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]))?.contentType).toBe('image/jpeg');
    expect(detectFileType('diagram.png', PNG)?.contentType).toBe('image/png');
    expect(detectFileType('sheet.xlsx', zip('[Content_Types].xml'))?.label).toBe('Excel workbook');
    expect(detectFileType('brief.docx', zip('[Content_Types].xml'))?.label).toBe('Word document');
    expect(detectFileType('users.csv', Buffer.from('name,email\nAda,ada@example.com\n'))?.contentType).toBe('text/csv; charset=utf-8');
    // Refused: bytes of another type, a plain zip renamed, binary "text", no extension, a script.
    expect(detectFileType('diagram.png', Buffer.from('%PDF-1.7'))).toBeNull();
    expect(detectFileType('sheet.xlsx', zip('payload.exe'))).toBeNull();
    expect(detectFileType('users.csv', Buffer.from([0x00, 0x01, 0x02, 0xff]))).toBeNull();
    expect(detectFileType('diagram', PNG)).toBeNull();
    expect(detectFileType('page.html', Buffer.from('<html></html>'))).toBeNull();
    expect(detectFileType('image.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeNull();
  });

  it('keeps only a harmless base name', () => {
    expect(safeFileName('../../etc/passwd.txt')).toBe('passwd.txt');
    expect(safeFileName('C:\\Users\\ada\\plan.pdf')).toBe('plan.pdf');
    expect(safeFileName('.hidden.png')).toBe('hidden.png');
    expect(safeFileName('a\u0000b.png')).toBe('ab.png');
    expect(safeFileName('')).toBe('upload');
  });
});
