import { HEALTH_TIER_LABELS, type HealthTier } from '../../../domain/health.ts';

/** Tier colours, shared by the list, the account page and the settings page. */
export const TIER_COLOURS: Record<HealthTier, string> = {
  healthy: '#1a7f37', needs_attention: '#9a6700', at_risk: '#bc4c00', critical: '#cf222e',
};

/** The score and its tier in words; "Not scored" when there was nothing to go on (never shown as 0). */
export function HealthBadge(p: { score: number | null; tier: HealthTier | null }) {
  if (p.score === null || p.tier === null) return <span class="muted small">Not scored</span>;
  return (
    <span class={`health-badge health-${p.tier}`} style={`color:${TIER_COLOURS[p.tier]};font-weight:600`}
      title={`Health ${p.score} of 100: ${HEALTH_TIER_LABELS[p.tier]}`}>
      {p.score} <span class="small">{HEALTH_TIER_LABELS[p.tier]}</span>
    </span>
  );
}

/**
 * A score history as an inline SVG line (no script): days on x, 0–100 on y, the last point marked.
 * Missing days are simply skipped; fewer than two points draw nothing but the point.
 */
export function Sparkline(p: { points: { day: string; score: number }[]; width?: number; height?: number; label: string }) {
  const width = p.width ?? 90;
  const height = p.height ?? 22;
  if (!p.points.length) return <span class="muted small" aria-label={`${p.label}: no history yet`}>–</span>;
  const first = Date.parse(`${p.points[0]!.day}T00:00:00Z`);
  const last = Date.parse(`${p.points[p.points.length - 1]!.day}T00:00:00Z`);
  const span = Math.max(1, last - first);
  const xy = p.points.map((pt) => {
    const x = p.points.length === 1 ? width - 2 : 2 + ((Date.parse(`${pt.day}T00:00:00Z`) - first) / span) * (width - 4);
    const y = 2 + (1 - pt.score / 100) * (height - 4);
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10] as const;
  });
  const end = xy[xy.length - 1]!;
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img"
      aria-label={`${p.label}: ${p.points.map((pt) => pt.score).join(', ')}`}>
      {xy.length > 1 ? <polyline fill="none" stroke="#57606a" stroke-width="1.5" points={xy.map(([x, y]) => `${x},${y}`).join(' ')} /> : null}
      <circle cx={end[0]} cy={end[1]} r="2.2" fill="#0969da" />
    </svg>
  );
}
