import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailFailure } from '../activities/accountEmails.ts';
import { EmailDeliveryError } from '../integrations/email/deliveryError.ts';
import { deliverEmail, type EmailToDeliver } from '../services/emailDelivery.ts';
import type { Connection } from '@temporalio/client';
import { createApp } from '../api/app.tsx';
import { loadEnv } from '../config/env.ts';
import { outboxEmails, timelineEvents } from '../db/schema/index.ts';
import { createResendMailer } from '../integrations/email/resendMailer.ts';
import { buildAppDeps } from '../api/appDeps.ts';
import { buildMailer, describeProviders } from '../platform/providers.ts';
import { reply } from './fakes/jsonServer.ts';
import { resendScript, startResendFake, type ResendFake } from './fakes/resendFake.ts';
import { accountBody, createHarness, eventually, type Harness } from './harness.ts';

const API_KEY = 're_test_relay_fake';
const FROM = 'Relay <onboarding@relay.test>';
const REPLY_TO = 'success@relay.test';

let fake: ResendFake;
let h: Harness;
const mailer = (apiKey = API_KEY) => createResendMailer({ apiKey, baseUrl: fake.baseUrl, from: FROM, replyTo: REPLY_TO, timeoutMs: 1000 });

beforeAll(async () => {
  fake = await startResendFake({ apiKey: API_KEY });
  h = await createHarness({ activityDeps: { mailer: mailer() } });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const email = (to: string[] = ['ae@relay.test']) => ({
  to, subject: 'Hand Globex over', html: '<p>Hello</p>', text: 'Hello', idempotencyKey: `test:${randomUUID()}`,
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e);
}

describe('Resend mailer against a fake of the Resend API', () => {
  it('sends from the configured sender with the idempotency key, and returns the provider id', async () => {
    const message = email();
    const receipt = await mailer().deliver(message);
    const request = fake.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/emails' });
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers['idempotency-key']).toBe(message.idempotencyKey);
    expect(request.body).toMatchObject({ from: FROM, to: message.to, reply_to: REPLY_TO, subject: message.subject, html: message.html, text: message.text });
    const sent = fake.sent.find((s) => s.idempotencyKey === message.idempotencyKey);
    expect(receipt).toEqual({ status: 'sent', providerMessageId: sent?.id });
  });

  it('sends once for a key, however often it is delivered', async () => {
    const message = email();
    const first = await mailer().deliver(message);
    const second = await mailer().deliver(message);
    expect(second.providerMessageId).toBe(first.providerMessageId);
    expect(fake.sent.filter((s) => s.idempotencyKey === message.idempotencyKey)).toHaveLength(1);
  });

  it('tells a rejected message (never retry) from a passing failure (retry, after retry-after on a 429)', async () => {
    const invalid = await failure(mailer().deliver(email(['not-an-address'])));
    expect(invalid).toBeInstanceOf(EmailDeliveryError);
    expect(invalid).toMatchObject({ retryable: false, status: 422 });
    expect((invalid as Error).message).toContain('Invalid `to` field');

    expect(await failure(mailer('re_wrong').deliver(email()))).toMatchObject({ retryable: false, status: 401 });

    fake.once(resendScript.serverError());
    expect(await failure(mailer().deliver(email()))).toMatchObject({ retryable: true, status: 500 });

    fake.once(resendScript.rateLimited(3));
    expect(await failure(mailer().deliver(email()))).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3000 });

    fake.once(resendScript.hang());
    expect(await failure(mailer().deliver(email()))).toMatchObject({ retryable: true, status: null });
  });
});

describe('email delivery through the outbox with Resend', () => {
  const toDeliver = (orgId: string, overrides: Partial<EmailToDeliver> = {}): EmailToDeliver => ({
    orgId, accountId: null, kind: 'test', links: [], ...email(), ...overrides,
  });
  const outboxRow = async (key: string) => (await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.idempotencyKey, key)))[0];

  it('a send whose answer was lost is retried under the same key and reaches the recipient once', async () => {
    const org = await h.newOrganisation();
    const message = toDeliver(org.orgId);
    fake.once(resendScript.acceptThenDrop());
    const lost = await failure(deliverEmail(h.database.db, h.activityDeps.mailer, message));
    expect(lost).toBeInstanceOf(EmailDeliveryError);
    expect(lost).toMatchObject({ retryable: true });
    // What the activity makes of it: Temporal retries the step.
    expect(emailFailure(lost)).toBeInstanceOf(ApplicationFailure);
    expect(emailFailure(lost)).toMatchObject({ nonRetryable: false, type: 'EmailDeliveryFailed' });
    expect(await outboxRow(message.idempotencyKey)).toMatchObject({ status: 'failed', provider: 'resend' });

    await deliverEmail(h.database.db, h.activityDeps.mailer, message);
    await deliverEmail(h.database.db, h.activityDeps.mailer, message);
    const accepted = fake.sent.filter((s) => s.idempotencyKey === message.idempotencyKey);
    expect(accepted).toHaveLength(1);
    expect(fake.requests.filter((r) => r.headers['idempotency-key'] === message.idempotencyKey)).toHaveLength(2);
    expect(await outboxRow(message.idempotencyKey)).toMatchObject({ status: 'sent', providerMessageId: accepted[0]!.id, error: null });
  });

  it('a rejected message stops the activity\'s retries with the provider\'s reason, recorded on the outbox row', async () => {
    const org = await h.newOrganisation();
    const message = toDeliver(org.orgId, { to: ['nobody-at-all'] });
    const rejected = await failure(deliverEmail(h.database.db, h.activityDeps.mailer, message));
    expect(rejected).toBeInstanceOf(EmailDeliveryError);
    expect(rejected).toMatchObject({ retryable: false });
    expect(emailFailure(rejected)).toBeInstanceOf(ApplicationFailure);
    expect(emailFailure(rejected)).toMatchObject({ nonRetryable: true, type: 'EmailRejected' });
    expect((rejected as Error).message).toContain('Invalid `to` field');
    const row = await outboxRow(message.idempotencyKey);
    expect(row).toMatchObject({ status: 'failed' });
    expect(row?.error).toContain('Invalid `to` field');
  });
});

describe('account creation with the Resend mailer (real Temporal, real Postgres, fake Resend)', () => {
  it('emails the AE the handoff link through Resend once, even when the first answer is lost', async () => {
    const org = await h.newOrganisation();
    const body = accountBody({ aeEmail: `ae-${randomUUID().slice(0, 8)}@relay.test` });
    // The first POST /emails is this account's handoff link: Resend sends it, but the answer never arrives.
    fake.once(resendScript.acceptThenDrop());
    const created = await org.api('/api/accounts', { body });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };

    const row = await eventually(async () => {
      const [found] = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.accountId, id));
      return found?.status === 'sent' ? found : undefined;
    }, { what: 'the handoff email to be sent' });

    const accepted = fake.sent.filter((s) => s.to.includes(body.aeEmail));
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.subject).toContain(body.companyName);
    expect(accepted[0]!.from).toBe(FROM);
    expect(accepted[0]!.idempotencyKey).toBe(row.idempotencyKey);
    expect(row.idempotencyKey).toMatch(new RegExp(`^account-${id}:`));
    const attempts = fake.requests.filter((r) => r.headers['idempotency-key'] === row.idempotencyKey);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(row).toMatchObject({ kind: 'handoff_link', provider: 'resend', status: 'sent', providerMessageId: accepted[0]!.id });

    const listed = await (await org.api(`/api/outbox?accountId=${id}`)).json() as { items: { kind: string; provider: string; status: string }[] };
    expect(listed.items.find((e) => e.kind === 'handoff_link')).toMatchObject({ provider: 'resend', status: 'sent' });
  });

  it('keeps the account\'s run going when Resend rejects the handoff email, shows why, and a new link can be sent', async () => {
    const org = await h.newOrganisation();
    const body = accountBody({ aeEmail: `ae-${randomUUID().slice(0, 8)}@relay.test` });
    fake.once({ kind: 'reply', reply: reply.json(422, { statusCode: 422, name: 'validation_error', message: 'The relay.test domain is not verified.' }) });
    const { id } = await (await org.api('/api/accounts', { body })).json() as { id: string };

    const event = await eventually(async () => (await h.database.db.select().from(timelineEvents)
      .where(eq(timelineEvents.accountId, id))).find((e) => e.type === 'email_failed'), { what: 'the rejection in the timeline' });
    expect(event.message).toContain('The relay.test domain is not verified.');
    const [row] = await h.database.db.select().from(outboxEmails).where(eq(outboxEmails.accountId, id));
    expect(row).toMatchObject({ kind: 'handoff_link', status: 'failed' });

    const resent = await org.api(`/api/accounts/${id}/handoff/resend`, { method: 'POST', body: {} });
    expect(resent.status).toBe(200);
    await eventually(async () => fake.sent.some((m) => m.to.includes(body.aeEmail)), { what: 'the new link to reach the AE' });
    const account = await (await org.api(`/api/accounts/${id}`)).json() as { status: string };
    expect(account.status).toBe('pending_handoff');
  });

});

describe('choosing providers from the environment', () => {
  const secret = 'a-test-secret-that-is-long-enough-0123456789';
  const appFor = (vars: Record<string, string>) => {
    const env = loadEnv({ RELAY_SECRET: secret, ...vars });
    const deps = buildAppDeps(env, h.database, { client: h.deps.temporal, connection: h.deps.temporal.connection as Connection }, buildMailer(env));
    return { env, deps, app: createApp(deps) };
  };

  it('uses Resend and OpenAI when their keys are set, and then serves no dev outbox', async () => {
    const { env, deps, app } = appFor({ RESEND_API_KEY: 're_live_key', OPENAI_API_KEY: 'sk-live-key', OPENAI_MODEL: 'gpt-4.1-mini' });
    expect(deps.mailer.provider).toBe('resend');
    expect(deps.devOutbox).toBe(false);
    expect((await app.request('/dev/outbox')).status).toBe(404);
    const described = describeProviders(env);
    expect(described.drafter).toContain('OpenAI gpt-4.1-mini');
    expect(described.mailer).toContain('Resend');
    expect(JSON.stringify(described)).not.toContain('live-key');
  });

  it('falls back to held emails and the rule-based drafter without keys (the dev outbox pages only in development mode)', async () => {
    const { env, deps } = appFor({});
    expect(deps.mailer.provider).toBe('dev-outbox');
    expect(deps.devOutbox).toBe(false);
    expect(describeProviders(env).drafter).toContain('rule-based');
  });
});
