import { domainToASCII } from 'node:url';

/** Mail providers whose domain says nothing about which company a person works for. */
const PUBLIC_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'hotmail.co.uk', 'live.com', 'msn.com',
  'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'ymail.com', 'aol.com', 'icloud.com', 'me.com', 'mac.com',
  'proton.me', 'protonmail.com', 'pm.me', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com',
  'zoho.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'qq.com', '163.com', '126.com', 'fastmail.com',
  'hey.com', 'tutanota.com', 'orange.fr', 'free.fr', 'laposte.net', 'libero.it', 't-online.de',
]);

/** Lowercase, no `www.`, IDN as punycode; null for anything that is not a plausible host name. */
export function normaliseDomain(raw: string): string | null {
  const trimmed = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!trimmed) return null;
  const ascii = domainToASCII(trimmed);
  if (!ascii || !ascii.includes('.')) return null;
  return ascii.startsWith('www.') ? ascii.slice(4) : ascii;
}

export function isPublicMailDomain(domain: string): boolean {
  return PUBLIC_MAIL_DOMAINS.has(domain);
}

function domainOfWebsite(website: string): string | null {
  try {
    return normaliseDomain(new URL(website).hostname);
  } catch {
    return null;
  }
}

/** A company's domain from a website URL (`https://www.acme.com/about`) or a bare host (`acme.com`). */
export function domainOfWebsiteOrHost(value: string): string | null {
  const trimmed = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return domainOfWebsite(trimmed);
  const host = trimmed.split(/[/?#]/, 1)[0] ?? '';
  return /[@:\s]/.test(host) ? null : normaliseDomain(host);
}

export function domainOfEmail(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at < 0 ? null : normaliseDomain(email.slice(at + 1));
}

/**
 * The domains that identify a company: the website's first (primary), then the contact email's,
 * never a public mail provider. An empty list means nothing identifies it, so nothing dedupes it.
 */
export function companyDomains(input: { website?: string | undefined; primaryContactEmail: string }): string[] {
  const found = [input.website ? domainOfWebsite(input.website) : null, domainOfEmail(input.primaryContactEmail)];
  const domains: string[] = [];
  for (const d of found) {
    if (d && !isPublicMailDomain(d) && !domains.includes(d)) domains.push(d);
  }
  return domains;
}
