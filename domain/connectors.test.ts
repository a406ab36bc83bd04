import { describe, expect, it } from 'vitest';
import { accountFromDeal, DealNotMappable, hubspotConnectionSchema, type HubSpotDeal } from './connectors.ts';

const deal: HubSpotDeal = {
  id: '901', name: 'Acme — annual', amount: '48000.5', closeDate: '2026-11-28T17:00:00.000Z', stage: 'closedwon', pipeline: 'default',
  description: 'Wants SSO in Q1. Champion: Dana.',
  company: { id: '77', name: 'Acme Inc', domain: 'acme.example', industry: 'SOFTWARE', employees: '320', website: null },
  contacts: [{ id: '5', firstName: null, lastName: null, email: null, jobTitle: null }, { id: '6', firstName: 'Dana', lastName: 'Scully', email: 'dana@acme.example', jobTitle: 'COO' }],
  owner: { email: 'ae.sam@relay.example', name: 'Sam Seller' },
};

describe('a Closed Won deal as an account', () => {
  it('maps company, amount, close date, the first contact with an email, the owner and the notes', () => {
    expect(accountFromDeal(deal, { templateName: 'Standard SaaS Onboarding', pipelineTemplates: {} })).toEqual({
      companyName: 'Acme Inc', arr: 48001, closeDate: '2026-11-28', primaryContactName: 'Dana Scully', primaryContactEmail: 'dana@acme.example',
      primaryContactRole: 'COO', industry: 'SOFTWARE', companySize: '51-500', website: 'https://acme.example', aeEmail: 'ae.sam@relay.example',
      templateName: 'Standard SaaS Onboarding', rawPayload: 'Deal notes: Wants SSO in Q1. Champion: Dana.\nDeal: Acme — annual (HubSpot deal 901)\nIndustry: SOFTWARE',
    });
  });

  it('takes the template of the deal\'s pipeline when one is set', () => {
    expect(accountFromDeal(deal, { templateName: 'Quick Start', pipelineTemplates: { default: 'Enterprise Implementation' } }).templateName).toBe('Enterprise Implementation');
  });

  it('refuses a deal it cannot map, naming what is missing', () => {
    const settings = { templateName: 'Quick Start', pipelineTemplates: {} };
    const refusal = (d: HubSpotDeal): [string, string] | null => { try { accountFromDeal(d, settings); return null; } catch (e) { if (e instanceof DealNotMappable) return [e.field, e.message]; throw e; } };
    expect(refusal({ ...deal, company: null })).toEqual(['company', 'the deal has no associated company']);
    expect(refusal({ ...deal, company: { ...deal.company!, domain: null } })).toEqual(['company.domain', 'the company "Acme Inc" has no domain']);
    expect(refusal({ ...deal, contacts: [] })).toEqual(['contacts', 'the deal has no contact with an email address']);
    expect(refusal({ ...deal, amount: null })?.[0]).toBe('amount');
    expect(refusal({ ...deal, closeDate: null })?.[0]).toBe('closedate');
  });

  it('checks a connection: secrets required, stages and interval defaulted', () => {
    const parsed = hubspotConnectionSchema.parse({ accessToken: 'pat-na1-abcdef', clientSecret: 'client-secret-1', portalId: '123', templateName: 'Quick Start' });
    expect(parsed).toMatchObject({ closedWonStageIds: ['closedwon'], intervalMinutes: 5, pipelineTemplates: {} });
    const bad = hubspotConnectionSchema.safeParse({ accessToken: 'x', portalId: '12 3', templateName: '' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['accessToken', 'clientSecret', 'portalId', 'templateName']);
  });
});
