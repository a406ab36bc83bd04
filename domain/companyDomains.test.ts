import { describe, expect, it } from 'vitest';
import { companyDomains, normaliseDomain } from './companyDomains.ts';

describe('company domains', () => {
  it('reads one spelling of a domain however it was typed', () => {
    for (const typed of ['Acme.com', 'WWW.ACME.COM', ' www.acme.com. ']) expect(normaliseDomain(typed)).toBe('acme.com');
    expect(normaliseDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normaliseDomain('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(normaliseDomain('localhost')).toBeNull();
    expect(normaliseDomain('')).toBeNull();
  });

  it('takes the website first, then the contact email, never a public mail provider', () => {
    expect(companyDomains({ website: 'https://www.Globex.example/about', primaryContactEmail: 'hank@globex-mail.example' }))
      .toEqual(['globex.example', 'globex-mail.example']);
    expect(companyDomains({ website: 'https://globex.example', primaryContactEmail: 'hank@GLOBEX.example' })).toEqual(['globex.example']);
    expect(companyDomains({ primaryContactEmail: 'founder@gmail.com' })).toEqual([]);
    expect(companyDomains({ website: 'https://bücher.example', primaryContactEmail: 'anna@outlook.com' })).toEqual(['xn--bcher-kva.example']);
  });
});
