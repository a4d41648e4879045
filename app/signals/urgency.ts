import { type Urgency } from './signal-extractor';

/** One urgency cue: a pattern and the weight it adds when present. */
interface Cue {
  readonly name: string;
  readonly pattern: RegExp;
  readonly weight: number;
}

const CUES: readonly Cue[] = [
  { name: 'legal', weight: 3, pattern: /\b(lawyers?|attorneys?|solicitors?|lawsuit|sue|suing|legal action|take (?:you|this) to court|small claims|regulator|ombudsman|gdpr complaint|report you to|chargeback)\b/i },
  { name: 'outage', weight: 2, pattern: /\b(outage|is down|are down|went down|site down|system down|server down|service down|not loading|won'?t load|can(?:no|')t (?:log ?in|login|access)|locked out|data loss|lost (?:all )?(?:our|my) data|security breach|been hacked|production (?:is )?(?:down|broken)|nothing works|completely broken|all (?:of )?our (?:users|customers))\b/i },
  { name: 'explicit', weight: 2, pattern: /\b(urgent(?:ly)?|asap|a\.s\.a\.p|immediately|right now|right away|emergency|critical|top priority|time[- ]sensitive)\b/i },
  { name: 'soon', weight: 0.5, pattern: /\b(today|tonight|tomorrow|this (?:morning|afternoon|evening))\b/i },
  { name: 'deadline', weight: 1, pattern: /\b(by (?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|noon|eod|end of (?:the )?(?:day|week|month))|eod|deadline|within (?:the next )?\d+ (?:hours?|minutes?|days?)|before (?:monday|tuesday|wednesday|thursday|friday|the weekend))\b/i },
  { name: 'impact', weight: 1, pattern: /\b(losing (?:money|revenue|customers|sales|business)|every (?:hour|minute)|costing us|blocking (?:us|our)|can'?t (?:work|operate|ship|sell))\b/i },
  { name: 'waiting', weight: 1, pattern: /\b(still waiting|waited (?:for )?\w+ (?:days|weeks|hours)|third time|again and again|(?:second|third|fourth|fifth) (?:time|email|message|request)|no one (?:has )?(?:responded|replied|answered))\b/i },
];

/** "no rush", "not urgent", "whenever you can" pull the score down. */
const CALM = /\b(no rush|no hurry|not urgent|non[- ]urgent|whenever (?:you (?:can|get a chance|have time))|when you get a chance|at your convenience|low priority)\b/i;

const ACRONYMS = new Set(['CRM', 'API', 'SMS', 'FAQ', 'CEO', 'CTO', 'CFO', 'USA', 'EU', 'GDPR', 'SSO', 'SAML', 'HTTP', 'HTTPS', 'PDF', 'CSV', 'URL', 'SLA', 'VAT', 'ASAP', 'EOD', 'OK']);

function shoutingWeight(text: string): number {
  const letters = text.replace(/[^A-Za-z]/g, '');
  const upper = letters.replace(/[^A-Z]/g, '').length;
  if (letters.length >= 12 && upper / letters.length > 0.6) return 1;
  const capsWords = (text.match(/\b[A-Z]{4,}\b/g) ?? []).filter((w) => !ACRONYMS.has(w));
  return capsWords.length > 0 ? 0.5 : 0;
}

function punctuationWeight(text: string): number {
  return /[!?]{2,}/.test(text) ? 0.5 : 0;
}

export interface UrgencyResult {
  readonly level: Urgency;
  readonly score: number;
  readonly cues: readonly string[];
}

/**
 * Urgency from cues, each adding weight: legal threats 3, outages 2, explicit urgency 2, deadlines,
 * business impact and repeated chasing 1, a near time ("today") 0.5, shouting and repeated punctuation 0.5–1, strongly negative
 * sentiment 0.5; calm wording subtracts 2. Score ≥ 3 → high, ≥ 1 → medium, else low.
 */
export function scoreUrgency(text: string, sentiment: number): UrgencyResult {
  const cues: string[] = [];
  let score = 0;
  for (const cue of CUES) {
    if (cue.pattern.test(text)) {
      score += cue.weight;
      cues.push(cue.name);
    }
  }
  const shouting = shoutingWeight(text);
  if (shouting > 0) {
    score += shouting;
    cues.push('capitals');
  }
  const punctuation = punctuationWeight(text);
  if (punctuation > 0) {
    score += punctuation;
    cues.push('punctuation');
  }
  if (sentiment <= -0.6) {
    score += 0.5;
    cues.push('strongly_negative');
  }
  if (CALM.test(text)) {
    score -= 2;
    cues.push('calm');
  }
  const level: Urgency = score >= 3 ? 'high' : score >= 1 ? 'medium' : 'low';
  return { level, score, cues };
}
