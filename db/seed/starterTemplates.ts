import type { TemplateAction } from '../../domain/templates.ts';
import type { TemplateDefinition } from '../repositories/templates.ts';

const onStart = (kind: TemplateAction['kind'], label: string, description: string, delayHours = 0, blocker = false): TemplateAction => ({
  kind, label, description, trigger: { type: 'milestone_start', delayHours }, blocker,
});
const manual = (kind: TemplateAction['kind'], label: string, description: string, blocker = false): TemplateAction => ({
  kind, label, description, trigger: { type: 'manual' }, blocker,
});

/** The three templates every new organisation starts with (SPEC §2). */
export const STARTER_TEMPLATES: TemplateDefinition[] = [
  {
    name: 'Standard SaaS Onboarding',
    description: 'Kickoff to launch for a typical mid-market SaaS customer.',
    estimatedDurationDays: 45,
    targetSegment: 'Mid-market',
    milestones: [
      { sequence: 1, name: 'Kickoff', durationDays: 7, actions: [
        onStart('email', 'Welcome email', 'Introduce the CSM and propose kickoff times to {{primary_contact_name}}.'),
        onStart('meeting', 'Kickoff call', 'Agree goals, success criteria and the launch date.', 24, true),
      ] },
      { sequence: 2, name: 'Configuration', durationDays: 14, actions: [
        onStart('form', 'Technical questionnaire', 'Collect SSO, data sources and integration details.'),
        manual('task', 'Configure workspace', 'Set up the workspace with the settings from the questionnaire.', true),
      ] },
      { sequence: 3, name: 'Training', durationDays: 14, actions: [
        onStart('meeting', 'Admin training', 'Train the customer admins.', 48),
        onStart('document', 'Training recording', 'Share the recording and guides.', 72),
      ] },
      { sequence: 4, name: 'Launch', durationDays: 10, actions: [
        manual('task', 'Go-live check', 'Confirm the launch criteria agreed at kickoff are met.', true),
        onStart('email', 'Launch announcement', 'Congratulate {{company_name}} and share next steps.', 24),
      ] },
    ],
  },
  {
    name: 'Enterprise Implementation',
    description: 'A staged implementation with security review and phased rollout for large customers.',
    estimatedDurationDays: 90,
    targetSegment: 'Enterprise',
    milestones: [
      { sequence: 1, name: 'Executive kickoff', durationDays: 10, actions: [
        onStart('email', 'Executive welcome', 'Welcome the executive sponsor and confirm the steering committee.'),
        onStart('meeting', 'Steering committee kickoff', 'Agree scope, success criteria and governance.', 48, true),
      ] },
      { sequence: 2, name: 'Security and compliance review', durationDays: 20, actions: [
        onStart('document', 'Security package', 'Send the security whitepaper, SOC 2 report and DPA.'),
        manual('task', 'Security sign-off', 'Record the customer security team sign-off.', true),
      ] },
      { sequence: 3, name: 'Integration build', durationDays: 25, actions: [
        onStart('form', 'Integration requirements', 'Collect systems, owners and data flows.'),
        manual('task', 'SSO and SCIM configured', 'Verify SSO login and user provisioning.', true),
      ] },
      { sequence: 4, name: 'Pilot', durationDays: 20, actions: [
        onStart('meeting', 'Pilot kickoff', 'Start the pilot with the first team.'),
        manual('task', 'Pilot review', 'Review pilot results against the success criteria.', true),
      ] },
      { sequence: 5, name: 'Rollout', durationDays: 15, actions: [
        onStart('email', 'Rollout plan', 'Share the phased rollout plan with {{company_name}}.'),
        manual('meeting', 'Executive business review', 'Present outcomes to the executive sponsor.'),
      ] },
    ],
  },
  {
    name: 'Quick Start',
    description: 'A light-touch onboarding for small teams that self-serve most of the setup.',
    estimatedDurationDays: 14,
    targetSegment: 'SMB',
    milestones: [
      { sequence: 1, name: 'Welcome', durationDays: 3, actions: [
        onStart('email', 'Welcome and setup guide', 'Send the welcome email with the setup guide.'),
      ] },
      { sequence: 2, name: 'First value', durationDays: 11, actions: [
        onStart('task', 'Check activation', 'Check the team has completed setup.', 72),
        onStart('email', 'Tips email', 'Share tips to reach first value.', 120),
      ] },
    ],
  },
];
