// Sign-in must not tell a stranger which addresses have accounts: POST /login answers in the same
// time whether or not the email belongs to anyone (issue 9). Measured the way a prober would: many
// requests of each kind, interleaved, compared by their medians (robust to a busy machine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../integrations/email/mailer.ts';
import { insertUser } from '../db/repositories/users.ts';
import { createHarness, type Harness } from './harness.ts';

// A mail provider answers over the network; 25 ms per message stands in for it (a real one is slower).
const slowMailer: Mailer = {
  provider: 'dev-outbox',
  deliver: async () => {
    await new Promise((r) => setTimeout(r, 25));
    return { status: 'held', providerMessageId: null };
  },
};

let h: Harness;
beforeAll(async () => { h = await createHarness({ activityDeps: { mailer: slowMailer } }); });
afterAll(async () => { await h?.close(); });

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

describe('sign-in timing', () => {
  it('answers POST /login for an existing and an unknown email in the same time (medians of 20 each)', async () => {
    const org = await h.newOrganisation();
    // Someone in two organisations gets two links: the most work an existing address can cause.
    const other = await h.newOrganisation();
    await insertUser(h.database.db, other.orgId, { email: org.adminEmail, name: 'Ada Twice', role: 'csm' });

    const ask = async (email: string) => {
      const started = performance.now();
      const res = await h.app.request('/login', { method: 'POST', body: new URLSearchParams({ email }) });
      await res.text();
      const took = performance.now() - started;
      expect(res.status).toBe(200);
      return took;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i += 1) { await ask(org.adminEmail); await ask(`nobody-${i}@nowhere.example`); }
    for (let i = 0; i < 20; i += 1) {
      // Alternate which kind goes first, and let any work a request left behind finish before the next.
      const pair = i % 2 === 0
        ? [['known', org.adminEmail], ['unknown', `nobody-${i}@nowhere.example`]] as const
        : [['unknown', `nobody-${i}@nowhere.example`], ['known', org.adminEmail]] as const;
      for (const [kind, email] of pair) {
        (kind === 'known' ? known : unknown).push(await ask(email));
        await new Promise((r) => setTimeout(r, 60));
      }
    }
    const [k, u] = [median(known), median(unknown)];
    // Each pair ran back to back, so its difference cancels the machine's load at that moment: the
    // median of the 20 differences is what a timing attacker could learn, robust to a busy machine.
    const paired = median(known.map((t, i) => t - unknown[i]!));
    console.log(`POST /login median: existing ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms; median paired difference ${paired.toFixed(1)} ms`);
    // The leak this guards against was ≈44 ms vs ≈7 ms. On a loaded 2-core machine both times grow
    // together; the tolerance grows with them (15 ms, or 30 % of the faster median), never enough to
    // hide a difference of that kind.
    expect(Math.abs(paired)).toBeLessThan(Math.max(15, 0.3 * Math.min(k, u)));
  });
});
