import { z } from 'zod';
import type { Queryable } from '../db/client.ts';
import { deleteView, getView, listVisibleViews, saveView, type SavedView } from '../db/repositories/savedViews.ts';
import { fieldErrors } from '../domain/accountInput.ts';
import { storableString } from '../domain/text.ts';
import type { UserRole } from '../domain/users.ts';
import { RelayError } from './errors.ts';

// Saved views of the accounts list (SPEC §7's Segments). Anyone may save a view for themselves or
// share it with the organisation (segments are a team's shared vocabulary, and CSMs build most of
// them); a person deletes their own views, and a shared view is deleted by whoever shared it or an admin.

export interface ViewUser { id: string; orgId: string; role: UserRole }

/** What the "Save view" form posts; `query` is the list's query string as the page wrote it. */
export const saveViewFormSchema = z.object({
  name: storableString({ error: 'name the view' }).trim().min(1, 'name the view').max(60, 'a view name is at most 60 characters'),
  shared: z.enum(['yes']).optional().transform((v) => v === 'yes'),
  query: z.string().max(2000, 'the view is too long to save').default(''),
});

/** Saves `query` (already canonical: the list's own link for the view) under a name; the same name again replaces it. */
export async function saveListView(db: Queryable, user: ViewUser, input: unknown, canonical: (query: string) => string): Promise<SavedView> {
  const parsed = saveViewFormSchema.safeParse(input);
  if (!parsed.success) throw new RelayError('validation', 'The view could not be saved', { fields: fieldErrors(parsed.error) });
  return saveView(db, {
    orgId: user.orgId, ownerUserId: parsed.data.shared ? null : user.id, name: parsed.data.name,
    query: canonical(parsed.data.query), createdBy: user.id,
  });
}

export function listViewsFor(db: Queryable, user: ViewUser): Promise<SavedView[]> {
  return listVisibleViews(db, user.orgId, user.id);
}

/** Whether this person may delete the view: their own, or a shared one they shared or (as an admin) any shared one. */
export function canDeleteView(view: SavedView, user: ViewUser): boolean {
  if (view.ownerUserId !== null) return view.ownerUserId === user.id;
  return user.role === 'admin' || view.createdBy === user.id;
}

/** Deletes a view; someone else's private view reads as not found, exactly like another organisation's. */
export async function deleteListView(db: Queryable, user: ViewUser, viewId: string): Promise<SavedView> {
  const view = await getView(db, user.orgId, viewId);
  if (!view || (view.ownerUserId !== null && view.ownerUserId !== user.id)) throw new RelayError('not_found', 'no such view');
  if (!canDeleteView(view, user)) throw new RelayError('forbidden', 'Only an admin or the person who shared it can delete a shared view.');
  await deleteView(db, user.orgId, viewId);
  return view;
}
