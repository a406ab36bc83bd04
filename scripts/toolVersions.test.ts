import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The versions a newcomer reads (README), npm checks (package.json engines, the lockfile's copy of
// them) and the scripts provide (scripts/node24.sh) are one story (issue 14).
const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const minimum = (range: string | undefined) => Number(/^>=(\d+)$/.exec(range ?? '')?.[1]);

describe('tool versions', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string; npm: string } };
  const lock = JSON.parse(read('package-lock.json')) as { packages: { '': { engines: unknown } } };
  const script = read('scripts/node24.sh');

  it('README names the Node that package.json asks for', () => {
    expect(read('README.md')).toContain(`Node ≥ ${minimum(pkg.engines.node)} with npm`);
  });

  it('the lockfile carries package.json\'s engines, so an install does not rewrite them', () => {
    expect(lock.packages[''].engines).toEqual(pkg.engines);
  });

  it('the scripts bring a Node and an npm that package.json accepts', () => {
    const node = Number(/NODE_VERSION=\$\{RELAY_NODE_VERSION:-(\d+)\./.exec(script)?.[1]);
    const npm = Number(/NPM_VERSION=\$\{RELAY_NPM_VERSION:-(\d+)\./.exec(script)?.[1]);
    expect(node).toBeGreaterThanOrEqual(minimum(pkg.engines.node));
    expect(npm).toBeGreaterThanOrEqual(minimum(pkg.engines.npm));
    // An npm older than the lockfile's is replaced, not used.
    expect(script).toContain(`-lt ${minimum(pkg.engines.npm)} ]`);
  });
});
