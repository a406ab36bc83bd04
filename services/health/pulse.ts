import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { getAccount } from '../../db/repositories/accounts.ts';
import { enqueueRescore, insertPulse } from '../../db/repositories/health.ts';
import { recordTimelineEvent } from '../../db/repositories/timeline.ts';
import { RelayError } from '../errors.ts';
import { organisationToday, pulseView, type PulseView } from './accountHealth.ts';

/**
 * CSM Pulse (issue 10): a person's 1–10 read of an account, with a note saying why. It counts in the
 * score while fresh (domain/health.ts); setting one only queues the account for rescoring, which the
 * rescorer picks up a few seconds later.
 */

const SCORE_MESSAGE = 'must be a whole number from 1 to 10';
export const pulseScoreSchema = z.number({ error: SCORE_MESSAGE }).int(SCORE_MESSAGE).min(1, SCORE_MESSAGE).max(10, SCORE_MESSAGE);
export const pulseNoteSchema = z.string({ error: 'say in a few words why (1 to 2,000 characters)' }).trim()
  .min(1, 'say in a few words why (1 to 2,000 characters)').max(2000, 'at most 2,000 characters');

/** `POST /api/accounts/:id/pulse`'s body. */
export const pulseInputSchema = z.strictObject({ score: pulseScoreSchema, note: pulseNoteSchema });
export type PulseInput = z.infer<typeof pulseInputSchema>;

/** Who set it: a dashboard user (their email), or the API (`api`). */
export interface PulseAuthor { userId: string | null; label: string }

/**
 * Stores the pulse, notes it in the account's timeline and queues the account for rescoring, in one
 * transaction: a pulse is never saved without its timeline entry or its rescore. Another
 * organisation's account is `not_found`, and nothing is written.
 */
export async function setPulse(db: Database, orgId: string, accountId: string, input: PulseInput, by: PulseAuthor): Promise<PulseView> {
  const pulse = await db.transaction(async (tx) => {
    if (!await getAccount(tx, orgId, accountId)) throw new RelayError('not_found', 'no such account');
    const row = await insertPulse(tx, { orgId, accountId, score: input.score, note: input.note, setByUserId: by.userId, setBy: by.label });
    await recordTimelineEvent(tx, {
      orgId, accountId, type: 'pulse_set', actor: by.label,
      message: `CSM Pulse set to ${input.score}/10: ${input.note}`,
      data: { pulseId: row.id, score: input.score },
      dedupeKey: `pulse:${row.id}`,
    });
    await enqueueRescore(tx, orgId, [accountId]);
    return row;
  });
  return pulseView(pulse, await organisationToday(db, orgId));
}
