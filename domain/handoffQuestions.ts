export interface HandoffQuestion {
  key: string;
  question: string;
  /** Words that, in CRM notes, usually sit next to the answer. */
  cues: string[];
}

export const DEFAULT_HANDOFF_QUESTIONS: HandoffQuestion[] = [
  { key: 'goals', question: 'What does the customer want to achieve?', cues: ['goal', 'objective', 'want', 'aim', 'outcome'] },
  { key: 'success_criteria', question: 'How will they judge success?', cues: ['success', 'kpi', 'metric', 'measure', 'criteria'] },
  { key: 'stakeholders', question: 'Who are the stakeholders and decision makers?', cues: ['stakeholder', 'champion', 'sponsor', 'decision', 'cfo', 'cto', 'ceo', 'vp'] },
  { key: 'technical_requirements', question: 'What technical requirements or integrations matter?', cues: ['integration', 'sso', 'api', 'technical', 'requirement', 'security', 'salesforce', 'hubspot'] },
  { key: 'risks', question: 'What risks or concerns came up during the sale?', cues: ['risk', 'concern', 'worry', 'blocker', 'issue', 'churn'] },
  { key: 'timeline', question: 'What timeline did the customer agree to?', cues: ['timeline', 'deadline', 'launch', 'go-live', 'go live', 'by q', 'weeks', 'months'] },
  { key: 'competitive_context', question: 'Which competitors or incumbent tools were involved?', cues: ['competitor', 'compet', 'versus', ' vs', 'replac', 'incumbent', 'switch'] },
];
