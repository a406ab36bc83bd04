import { z } from 'zod';
import { fieldErrors } from '../domain/accountInput.ts';
import { RelayError } from '../services/errors.ts';

/** Parses a request part with its schema; a failure is a 400 naming every bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RelayError('validation', 'the request has invalid fields', { fields: fieldErrors(parsed.error) });
  return parsed.data;
}

export async function jsonBody(req: { json(): Promise<unknown> }): Promise<unknown> {
  try {
    return await req.json();
  } catch (error) {
    // A body refused under the text rule (middleware/storableInput.ts) keeps its own answer.
    if (error instanceof RelayError) throw error;
    throw new RelayError('validation', 'the body must be a JSON object', { fields: [{ field: '(body)', message: 'not valid JSON' }] });
  }
}

/**
 * The optional `Idempotency-Key` header of an account action: printable ASCII, up to 200 characters.
 * The same key on a retry names the same change (services/workflowUpdates.ts).
 */
const idempotencyKeySchema = z.object({
  'idempotency-key': z.string().regex(/^[\x21-\x7e]{1,200}$/, 'printable ASCII without spaces, 1 to 200 characters').optional(),
});

export function idempotencyKeyOf(req: { header(name: string): string | undefined }): { requestKey?: string } {
  const key = parseOrThrow(idempotencyKeySchema, { 'idempotency-key': req.header('idempotency-key') })['idempotency-key'];
  return key === undefined ? {} : { requestKey: key };
}
