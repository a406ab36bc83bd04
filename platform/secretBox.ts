import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for the secrets Relay keeps on behalf of an organisation (CRM tokens): AES-256-GCM
 * with a key derived from RELAY_SECRET by HKDF (so the same secret that signs handoff links never
 * encrypts directly), a fresh 96-bit nonce per value, and the purpose bound in as associated data, so
 * a ciphertext moved to another column or row kind does not decrypt. Format: `v1.<nonce>.<tag>.<data>`
 * (base64url). A value written under another RELAY_SECRET fails to open, loudly.
 */
export interface SecretBox {
  seal(plaintext: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
}

export function createSecretBox(relaySecret: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', relaySecret, 'relay-secret-box', 'relay connector secrets v1', 32));
  return {
    seal(plaintext, purpose) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(purpose));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', nonce, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, purpose) {
      const [version, nonce, tag, data] = sealed.split('.');
      if (version !== 'v1' || !nonce || !tag || data === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
