import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secretBox.ts';

describe('the secret box', () => {
  const box = createSecretBox('a-relay-secret-of-at-least-32-characters!');

  it('seals a token so the stored value never shows it, and opens it again', () => {
    const sealed = box.seal('pat-na1-11111111-2222', 'connector:hubspot');
    expect(sealed).not.toContain('pat-na1');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed, 'connector:hubspot')).toBe('pat-na1-11111111-2222');
    // A fresh nonce each time: the same token never seals to the same text.
    expect(box.seal('pat-na1-11111111-2222', 'connector:hubspot')).not.toBe(sealed);
  });

  it('refuses a value sealed for another purpose, under another RELAY_SECRET, or tampered with', () => {
    const sealed = box.seal('secret', 'connector:hubspot');
    expect(() => box.open(sealed, 'connector:notion')).toThrow();
    expect(() => createSecretBox('another-relay-secret-of-32-characters-or-more').open(sealed, 'connector:hubspot')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'connector:hubspot')).toThrow();
    expect(() => box.open('plain text', 'connector:hubspot')).toThrow('not a sealed secret');
  });
});
