import type { ChaosStack } from './stack.ts';

export const FAULT_KINDS = ['worker-kill', 'temporal-restart', 'postgres-outage', 'provider-storm'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault to inject, `atMs` after the driving began; outages and storms last `durationMs`. */
export interface PlannedFault { kind: FaultKind; atMs: number; durationMs?: number }

/** What was injected, as it happened. */
export interface FaultRecord { kind: FaultKind; atMs: number; durationMs: number; detail: string; error?: string }

/** Reads CHAOS_FAULTS ("worker-kill,postgres-outage", "all" or unset for every kind). */
export function parseFaultKinds(value: string | undefined): FaultKind[] {
  if (!value || value.trim() === 'all') return [...FAULT_KINDS];
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length) throw new Error(`CHAOS_FAULTS: unknown fault kind ${unknown.join(', ')} (known: ${FAULT_KINDS.join(', ')}, or all)`);
  return kinds as FaultKind[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Runs the plan against the stack: each fault at its time (they may overlap), every outage and storm
 * ended before it resolves, whatever fails. Resolves with what was done.
 */
export async function injectFaults(stack: ChaosStack, plan: PlannedFault[], opts: { startedAt: number; log: (line: string) => void }): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  const now = () => Date.now() - opts.startedAt;

  async function run(fault: PlannedFault): Promise<void> {
    await sleep(fault.atMs - now());
    const atMs = now();
    const record: FaultRecord = { kind: fault.kind, atMs, durationMs: 0, detail: '' };
    records.push(record);
    opts.log(`fault: ${fault.kind}${fault.durationMs ? ` for ${fault.durationMs / 1000} s` : ''} at ${(atMs / 1000).toFixed(1)} s`);
    try {
      switch (fault.kind) {
        case 'worker-kill': {
          const killed = await stack.workers.killOneAndReplace();
          record.durationMs = killed.replacementReadyMs;
          record.detail = `pid ${killed.pid} SIGKILLed; replacement polling after ${(killed.replacementReadyMs / 1000).toFixed(1)} s`;
          break;
        }
        case 'temporal-restart': {
          const { downMs } = await stack.restartTemporal();
          record.durationMs = downMs;
          record.detail = `down ${(downMs / 1000).toFixed(1)} s (same SQLite file and port)`;
          break;
        }
        case 'postgres-outage': {
          const began = Date.now();
          await stack.postgres.stop();
          try {
            await sleep((fault.durationMs ?? 10_000) - (Date.now() - began));
          } finally {
            await stack.postgres.start();
          }
          record.durationMs = Date.now() - began;
          record.detail = `immediate shutdown, down ${(record.durationMs / 1000).toFixed(1)} s`;
          break;
        }
        case 'provider-storm': {
          const { openai, resend } = stack.gates;
          const before = { openai: total(openai.stormAnswers), resend: total(resend.stormAnswers) };
          const began = Date.now();
          openai.storm();
          resend.storm();
          try {
            await sleep(fault.durationMs ?? 10_000);
          } finally {
            openai.calm();
            resend.calm();
          }
          record.durationMs = Date.now() - began;
          record.detail = `OpenAI ${total(openai.stormAnswers) - before.openai} and Resend ${total(resend.stormAnswers) - before.resend} requests answered 5xx/429`;
          break;
        }
      }
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      opts.log(`fault ${fault.kind} failed: ${record.error}`);
    }
    opts.log(`fault done: ${fault.kind}: ${record.detail}${record.error ? ` (${record.error})` : ''}`);
  }

  await Promise.all(plan.map(run));
  return records.sort((a, b) => a.atMs - b.atMs);
}

function total(counts: Map<number, number>): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}
