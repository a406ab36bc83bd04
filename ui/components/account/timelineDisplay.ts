import { LIFECYCLE_STATUSES, type LifecycleStatus } from '../../../domain/lifecycle.ts';
import { humanize } from './formFields.tsx';

/**
 * Actors are stored as written by each step (a user's email, or a system step's short code): the
 * timeline names them one way: a person by name when they are in the organisation, else by email,
 * and each system step in words.
 */
const SYSTEM_ACTORS: Record<string, string> = {
  relay: 'Relay',
  handoff: 'AE (handoff link)',
  ae: 'AE (handoff link)',
  health: 'Health scoring',
  playbook: 'Playbook',
  api: 'API',
};

export interface Person { email: string; name: string }

export function actorDisplayName(actor: string, people: readonly Person[]): string {
  const system = SYSTEM_ACTORS[actor];
  if (system) return system;
  const person = people.find((p) => p.email.toLowerCase() === actor.toLowerCase());
  return person?.name || actor;
}

const isStatus = (v: unknown): v is LifecycleStatus => typeof v === 'string' && (LIFECYCLE_STATUSES as readonly string[]).includes(v);

/** An event's sentence in words: statuses by their labels, with the note a person typed beside a change. */
export function timelineSentence(e: { type: string; message: string; data: unknown }): string {
  const data = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const note = typeof data.note === 'string' && data.note.trim() ? data.note.trim() : null;
  if (e.type === 'status_changed' && isStatus(data.from) && isStatus(data.to)) {
    return `Status ${humanize(data.from)} → ${humanize(data.to)}${note ? `: ${note}` : ''}`;
  }
  if (e.type === 'csm_assigned' && note) return `${e.message} — ${note}`;
  return e.message;
}
