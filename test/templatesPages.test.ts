import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTemplate } from '../db/repositories/templates.ts';
import { accountMilestones, accounts, templates, templateVersions } from '../db/schema/index.ts';
import { signIn, type DashboardClient } from './dashboardClient.ts';
import { accountBody, createHarness, eventually, type Harness, type TestOrganisation } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await createHarness(); });
afterAll(async () => { await h?.close(); });

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const attrsOf = (tag: string) => Object.fromEntries([...tag.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)].map((m) => [m[1]!, unescape(m[2] ?? '')]));

/** What a browser would submit from the editor form (minus the button and the CSRF field the client adds). */
function formFieldsOf(html: string): Record<string, string> {
  const form = /<form method="post" action="\/templates[^"]*"[\s\S]*?<\/form>/.exec(html)?.[0] ?? '';
  const fields: Record<string, string> = {};
  for (const [, raw] of form.matchAll(/<input\b([^>]*)>/g)) {
    const a = attrsOf(raw!);
    if (!a.name || a.name === '_csrf' || a.type === 'submit') continue;
    if (a.type === 'checkbox') { if ('checked' in a) fields[a.name] = a.value ?? 'on'; continue; }
    fields[a.name] = a.value ?? '';
  }
  for (const [, raw, options] of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = attrsOf(raw!).name!;
    const chosen = [...options!.matchAll(/<option\b([^>]*)>/g)].map((o) => attrsOf(o[1]!)).find((o) => 'selected' in o);
    fields[name] = chosen?.value ?? '';
  }
  for (const [, raw, body] of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) fields[attrsOf(raw!).name!] = unescape(body!);
  return fields;
}

async function templateIdOf(org: TestOrganisation, name: string): Promise<string> {
  const [row] = await h.database.db.select({ id: templates.id }).from(templates).where(and(eq(templates.orgId, org.orgId), eq(templates.name, name)));
  return row!.id;
}

const versionCount = async (templateId: string) => (await h.database.db.select().from(templateVersions).where(eq(templateVersions.templateId, templateId))).length;
const templateCount = async (orgId: string) => (await h.database.db.select().from(templates).where(eq(templates.orgId, orgId))).length;

const validNewTemplate = (name: string): Record<string, string> => ({
  name, description: 'Two steps', estimatedDurationDays: '10', targetSegment: 'SMB',
  'milestones[0][name]': 'Kickoff', 'milestones[0][durationDays]': '3',
  'milestones[0][actions][0][label]': 'Say hello', 'milestones[0][actions][0][kind]': 'email',
  'milestones[0][actions][0][trigger]': 'milestone_start', 'milestones[0][actions][0][delayHours]': '4',
  'milestones[0][actions][0][description]': 'Welcome them', 'milestones[0][actions][0][blocker]': 'on',
  'milestones[1][name]': 'Launch', 'milestones[1][durationDays]': '7',
});

describe('templates editor', () => {
  it('saves an edit as a new version while an account created earlier keeps its milestones', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const { id: accountId } = await (await org.api('/api/accounts', { body: accountBody() })).json() as { id: string };
    const before = await eventually(async () => {
      const rows = await h.database.db.select().from(accountMilestones).where(eq(accountMilestones.accountId, accountId));
      return rows.length ? rows : undefined;
    }, { what: 'the account milestones' });
    const [account] = await h.database.db.select().from(accounts).where(eq(accounts.id, accountId));
    const templateId = await templateIdOf(org, 'Standard SaaS Onboarding');

    const list = await (await admin.get('/templates')).text();
    expect(list).toContain(`href="/templates/${templateId}"`);
    expect(list).toMatch(/Standard SaaS Onboarding[\s\S]*?Mid-market<\/td><td>45 days<\/td><td class="hide-sm">4<\/td><td class="hide-sm">v1<\/td><td>1<\/td>/);

    const editPage = await admin.get(`/templates/${templateId}/edit`);
    expect(editPage.status).toBe(200);
    const fields = formFieldsOf(await editPage.text());
    expect(fields['milestones[0][name]']).toBe('Kickoff');
    expect(fields['milestones[0][actions][1][blocker]']).toBe('on');
    expect(fields['milestones[1][actions][1][trigger]']).toBe('manual');

    const saved = await admin.post(`/templates/${templateId}/edit`, { ...fields, 'milestones[0][name]': 'Kickoff and goals', _op: 'save' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/templates/${templateId}?saved=2`);
    const shown = await (await admin.get(saved.headers.get('location')!)).text();
    expect(shown).toContain('Saved as version 2');
    expect(shown).toContain('1. Kickoff and goals');
    expect(shown).toContain(`href="/templates/${templateId}/versions/1"`);

    // The earlier version and the running account are untouched.
    const v1 = await (await admin.get(`/templates/${templateId}/versions/1`)).text();
    expect(v1).toContain('1. Kickoff');
    expect(v1).not.toContain('Kickoff and goals');
    expect(v1).toContain('This is an earlier version');
    const [accountAfter] = await h.database.db.select().from(accounts).where(eq(accounts.id, accountId));
    expect(accountAfter!.templateVersionId).toBe(account!.templateVersionId);
    const after = await h.database.db.select().from(accountMilestones).where(eq(accountMilestones.accountId, accountId));
    expect(after.map((m) => m.name).sort()).toEqual(before.map((m) => m.name).sort());
    expect(after.map((m) => m.name)).toContain('Kickoff');

    // Saving the same thing again writes nothing.
    const again = formFieldsOf(await (await admin.get(`/templates/${templateId}/edit`)).text());
    const unchanged = await admin.post(`/templates/${templateId}/edit`, { ...again, _op: 'save' });
    expect(unchanged.headers.get('location')).toBe(`/templates/${templateId}?unchanged=1`);
    expect(await versionCount(templateId)).toBe(2);
  });

  it('reshapes the form with add/remove buttons, shows inline errors and saves nothing until the form is valid', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const blank = formFieldsOf(await (await admin.get('/templates/new')).text());
    expect(blank['milestones[0][actions][0][label]']).toBe('');

    const added = await admin.post('/templates/new', { ...blank, name: 'Draft', _op: 'add-milestone' });
    expect(added.status).toBe(200);
    const withTwo = formFieldsOf(await added.text());
    expect(withTwo.name).toBe('Draft');
    expect(withTwo).toHaveProperty('milestones[1][name]');
    const withAction = formFieldsOf(await (await admin.post('/templates/new', { ...withTwo, _op: 'add-action:1' })).text());
    expect(withAction).toHaveProperty('milestones[1][actions][1][label]');
    const removed = formFieldsOf(await (await admin.post('/templates/new', { ...withAction, _op: 'remove-milestone:0' })).text());
    expect(removed).not.toHaveProperty('milestones[1][name]');
    expect(removed).toHaveProperty('milestones[0][actions][1][label]');
    expect(await templateCount(org.orgId)).toBe(3);

    const bad = await admin.post('/templates/new', {
      ...validNewTemplate(''), 'milestones[0][durationDays]': 'soon', 'milestones[0][actions][0][delayHours]': '900', _op: 'save',
    });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('Nothing was saved');
    expect(badHtml).toMatch(/name="name"[^>]*aria-invalid="true"[\s\S]*?Name is required/);
    expect(badHtml).toMatch(/name="milestones\[0\]\[durationDays\]"[^>]*aria-invalid="true"[\s\S]*?Duration must be a whole number/);
    expect(badHtml).toMatch(/name="milestones\[0\]\[actions\]\[0\]\[delayHours\]"[^>]*aria-invalid="true"[\s\S]*?Delay must be at most 720/);
    // What was typed stays in the form.
    expect(formFieldsOf(badHtml)['milestones[0][durationDays]']).toBe('soon');

    const clash = await admin.post('/templates/new', { ...validNewTemplate('quick start'), _op: 'save' });
    expect(clash.status).toBe(422);
    expect(await clash.text()).toContain('Another template in this organisation already has this name');
    expect(await templateCount(org.orgId)).toBe(3);

    const created = await admin.post('/templates/new', { ...validNewTemplate('<script>alert(1)</script>'), _op: 'save' });
    expect(created.status).toBe(303);
    const id = await templateIdOf(org, '<script>alert(1)</script>');
    const [version] = await h.database.db.select().from(templateVersions).where(eq(templateVersions.templateId, id));
    expect(version!.milestones).toEqual([
      { sequence: 1, name: 'Kickoff', durationDays: 3, actions: [{ kind: 'email', label: 'Say hello', description: 'Welcome them', blocker: true, trigger: { type: 'milestone_start', delayHours: 4 } }] },
      { sequence: 2, name: 'Launch', durationDays: 7, actions: [] },
    ]);
    for (const path of ['/templates', `/templates/${id}`, `/templates/${id}/edit`]) {
      const html = await (await admin.get(path)).text();
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      // Escaping belongs to content: the stylesheet's child selectors must reach the browser intact.
      expect(html).toContain('fieldset.template-milestone>legend');
    }
  });

  it('saves an email\'s "send automatically" flag and a meeting\'s scheduling link, and refuses a link that is not https', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const templateId = await templateIdOf(org, 'Standard SaaS Onboarding');
    const editHtml = await (await admin.get(`/templates/${templateId}/edit`)).text();
    const fields = formFieldsOf(editHtml);
    // Both fields are on every action (shown for their kind by CSS), unset on the starter template.
    expect(editHtml).toContain('name="milestones[0][actions][0][autoSend]"');
    expect(fields).not.toHaveProperty('milestones[0][actions][0][autoSend]');
    expect(fields['milestones[0][actions][1][schedulingUrl]']).toBe('');
    expect(editHtml).toContain('option[value="meeting"]:checked');

    const refused = await admin.post(`/templates/${templateId}/edit`, {
      ...fields, 'milestones[0][actions][1][schedulingUrl]': 'http://calendly.com/casey/kickoff', _op: 'save',
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/name="milestones\[0\]\[actions\]\[1\]\[schedulingUrl\]"[^>]*aria-invalid="true"[\s\S]*?Scheduling link must start with https:\/\//);
    const notUrl = await admin.post(`/templates/${templateId}/edit`, { ...fields, 'milestones[0][actions][1][schedulingUrl]': 'calendly please', _op: 'save' });
    expect(notUrl.status).toBe(422);
    expect(await versionCount(templateId)).toBe(1);

    const saved = await admin.post(`/templates/${templateId}/edit`, {
      ...fields,
      'milestones[0][actions][0][autoSend]': 'on',
      'milestones[0][actions][1][schedulingUrl]': 'https://calendly.com/casey/kickoff',
      // Under kinds that have no such field: ignored, not stored.
      'milestones[1][actions][1][autoSend]': 'on',
      'milestones[1][actions][1][schedulingUrl]': 'https://calendly.com/casey/other',
      _op: 'save',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/templates/${templateId}?saved=2`);
    const [v2] = await h.database.db.select().from(templateVersions).where(and(eq(templateVersions.templateId, templateId), eq(templateVersions.version, 2)));
    const [kickoff, configuration] = v2!.milestones;
    expect(kickoff!.actions[0]).toMatchObject({ kind: 'email', label: 'Welcome email', autoSend: true });
    expect(kickoff!.actions[1]).toMatchObject({ kind: 'meeting', label: 'Kickoff call', schedulingUrl: 'https://calendly.com/casey/kickoff' });
    expect(kickoff!.actions[1]).not.toHaveProperty('autoSend');
    expect(configuration!.actions[1]).toEqual({ kind: 'task', label: 'Configure workspace', description: 'Set up the workspace with the settings from the questionnaire.', blocker: true, trigger: { type: 'manual' } });

    // The editor shows them back; unticking the flag alone is a change worth a version.
    const again = formFieldsOf(await (await admin.get(`/templates/${templateId}/edit`)).text());
    expect(again['milestones[0][actions][0][autoSend]']).toBe('on');
    expect(again['milestones[0][actions][1][schedulingUrl]']).toBe('https://calendly.com/casey/kickoff');
    const { 'milestones[0][actions][0][autoSend]': _ticked, ...unticked } = again;
    const savedAgain = await admin.post(`/templates/${templateId}/edit`, { ...unticked, _op: 'save' });
    expect(savedAgain.headers.get('location')).toBe(`/templates/${templateId}?saved=3`);
  });

  it('keeps an information request\'s portal fields through an edit, and edits them as lines naming a bad one', async () => {
    const org = await h.newOrganisation();
    const admin = await signIn(h, org.adminEmail);
    const fieldsOfForm = [
      { key: 'sso_provider', label: 'Which SSO provider do you use?', kind: 'text' as const, required: true },
      { key: 'data_region', label: 'Data region', kind: 'choice' as const, options: ['EU', 'US'], required: true },
      { key: 'architecture', label: 'Architecture diagram', kind: 'file' as const, help: 'A PDF or an image.' },
    ];
    await saveTemplate(h.database.db, org.orgId, {
      name: 'With Fields', description: 'A form', estimatedDurationDays: 7, targetSegment: 'Any',
      milestones: [{ sequence: 1, name: 'Kickoff', durationDays: 7, actions: [
        { kind: 'form', label: 'Security questionnaire', description: 'Tell us about sign-in.', trigger: { type: 'milestone_start', delayHours: 0 }, blocker: true, fields: fieldsOfForm },
      ] }],
    });
    const templateId = await templateIdOf(org, 'With Fields');
    const fields = formFieldsOf(await (await admin.get(`/templates/${templateId}/edit`)).text());
    expect(fields['milestones[0][actions][0][fields]']).toBe([
      'sso_provider: Which SSO provider do you use? (text, required)',
      'data_region: Data region (choice, required: EU, US)',
      'architecture: Architecture diagram (file) — A PDF or an image.',
    ].join('\n'));

    // Saved as shown: nothing changed, no new version (the fields survive the round trip).
    await admin.post(`/templates/${templateId}/edit`, { ...fields, _op: 'save' });
    expect(await versionCount(templateId)).toBe(1);

    const bad = await admin.post(`/templates/${templateId}/edit`, {
      ...fields, 'milestones[0][actions][0][fields]': `${fields['milestones[0][actions][0][fields]']}\nWhich plan? (choice)`, _op: 'save',
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('Fields, line 4: a choice lists its options');

    const saved = await admin.post(`/templates/${templateId}/edit`, {
      ...fields, 'milestones[0][actions][0][fields]': `${fields['milestones[0][actions][0][fields]']}\nWhich plan? (choice: Team, Business)`, _op: 'save',
    });
    expect(saved.status).toBe(303);
    const [v2] = await h.database.db.select().from(templateVersions).where(and(eq(templateVersions.templateId, templateId), eq(templateVersions.version, 2)));
    expect(v2!.milestones[0]!.actions[0]!.fields).toEqual([...fieldsOfForm, { key: 'which_plan', label: 'Which plan?', kind: 'choice', options: ['Team', 'Business'] }]);
  });

  it('lets a CSM read templates but not change them', async () => {
    const org = await h.newOrganisation();
    const csm = await signIn(h, org.csms[0]!.email);
    const templateId = await templateIdOf(org, 'Quick Start');
    const list = await csm.get('/templates');
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain('Quick Start');
    expect(listHtml).not.toContain('New template');
    const view = await (await csm.get(`/templates/${templateId}`)).text();
    expect(view).toContain('Quick Start');
    expect(view).not.toContain('Edit template');

    expect((await csm.get('/templates/new')).status).toBe(403);
    expect((await csm.get(`/templates/${templateId}/edit`)).status).toBe(403);
    expect((await csm.post('/templates/new', { ...validNewTemplate('Sneaky'), _op: 'save' })).status).toBe(403);
    expect((await csm.post(`/templates/${templateId}/edit`, { ...validNewTemplate('Quick Start'), _op: 'save' })).status).toBe(403);
    expect(await templateCount(org.orgId)).toBe(3);
    expect(await versionCount(templateId)).toBe(1);
  });

  it("answers 404 for another organisation's template, to read or to edit", async () => {
    const orgA = await h.newOrganisation();
    const orgB = await h.newOrganisation();
    const adminB: DashboardClient = await signIn(h, orgB.adminEmail);
    const foreignId = await templateIdOf(orgA, 'Quick Start');
    expect((await adminB.get(`/templates/${foreignId}`)).status).toBe(404);
    expect((await adminB.get(`/templates/${foreignId}/versions/1`)).status).toBe(404);
    expect((await adminB.get(`/templates/${foreignId}/edit`)).status).toBe(404);
    expect((await adminB.post(`/templates/${foreignId}/edit`, { ...validNewTemplate('Hijacked'), _op: 'save' })).status).toBe(404);
    expect((await adminB.post(`/templates/${foreignId}/edit`, { ...validNewTemplate('Hijacked'), _op: 'add-milestone' })).status).toBe(404);
    expect(await versionCount(foreignId)).toBe(1);
    expect(await (await adminB.get('/templates')).text()).not.toContain(foreignId);
  });
});
