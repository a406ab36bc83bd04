/** The paths SDKs post events to outside /api (Segment's `/v1/*`, PostHog's capture paths): their errors answer JSON too. */
export function isIngestionPath(path: string): boolean {
  return path.startsWith('/v1/') || /^\/(batch|capture|e|i\/v0\/e)\/?$/.test(path);
}
