/** One structural edit of a repeated form section (milestones, actions, questions). */
export type ListEdit = { kind: 'add' } | { kind: 'remove' | 'move-up' | 'move-down'; index: number };

/**
 * Applies the edit to a copy. Out-of-range indices (a stale form) and adds past `max` change
 * nothing, so a replayed or tampered button press can never break the form.
 */
export function editList<T>(items: readonly T[], edit: ListEdit, create: () => T, max: number): T[] {
  const next = [...items];
  const swap = (a: number, b: number) => {
    if (a < 0 || b >= next.length) return;
    [next[a], next[b]] = [next[b]!, next[a]!];
  };
  switch (edit.kind) {
    case 'add':
      if (next.length < max) next.push(create());
      break;
    case 'remove':
      if (edit.index >= 0 && edit.index < next.length) next.splice(edit.index, 1);
      break;
    case 'move-up':
      swap(edit.index - 1, edit.index);
      break;
    case 'move-down':
      swap(edit.index, edit.index + 1);
      break;
  }
  return next;
}
