import { z } from 'zod';
import { LIFECYCLE_STATUSES } from './lifecycle.ts';
import { storableString } from './text.ts';

// What a person (dashboard form) or an integration (JSON API) may ask of one account: one schema
// each, so both paths accept and refuse the same things with the same words.

const note = storableString().trim().max(5000, 'the note is at most 5,000 characters').optional().transform((v) => v || undefined);

export const statusChangeSchema = z.object({
  status: z.enum(LIFECYCLE_STATUSES, { error: `choose the new status (one of ${LIFECYCLE_STATUSES.join(', ')})` }),
  note,
});
export type StatusChange = z.infer<typeof statusChangeSchema>;

export const csmAssignmentSchema = z.object({
  csmEmail: z.string({ error: 'choose a CSM (their email)' }).trim().toLowerCase().pipe(z.email('choose a CSM (their email)')),
  note,
  notifyCsm: z.boolean().optional(),
  notifyContact: z.boolean().optional(),
});
export type CsmAssignment = z.infer<typeof csmAssignmentSchema>;
