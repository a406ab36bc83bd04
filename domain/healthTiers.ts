/**
 * The health tiers (SPEC §7), apart from the rest of domain/health.ts because workflow code uses them:
 * Temporal's reusable V8 context evaluates a workflow's imported modules again for every run it
 * creates, and domain/health.ts imports zod for the configuration schema, whose evaluation (zod and
 * the schema, ~10 ms of CPU) would then be paid by every account's run. Import nothing here.
 */

export const HEALTH_TIERS = ['healthy', 'needs_attention', 'at_risk', 'critical'] as const;
export type HealthTier = (typeof HEALTH_TIERS)[number];

export const HEALTH_TIER_LABELS: Record<HealthTier, string> = {
  healthy: 'Healthy',
  needs_attention: 'Needs attention',
  at_risk: 'At risk',
  critical: 'Critical',
};

/** Healthy 80–100, Needs attention 60–79, At risk 40–59, Critical 0–39. */
export function tierOf(score: number): HealthTier {
  if (score >= 80) return 'healthy';
  if (score >= 60) return 'needs_attention';
  if (score >= 40) return 'at_risk';
  return 'critical';
}

/** A drop into one of these moves the account to `at_risk` and alerts its CSM. */
export function isBadTier(tier: HealthTier): boolean {
  return tier === 'at_risk' || tier === 'critical';
}
