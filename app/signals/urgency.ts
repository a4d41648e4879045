import { type Urgency } from './signal-extractor';

/** One urgency cue: a pattern and the weight it adds when present. */
interface Cue {
  readonly name: string;
  readonly pattern: RegExp;
  readonly weight: number;
}

const CUES: readonly Cue[] = [
  // Spanish, Portuguese, French, German (and Italian) counterparts of the English cues below.
  {
    name: 'legal',
    weight: 3,
    pattern:
      /(?<![\p{L}])(abogad[oa]s?|demanda(?:r)?|advogad[oa]s?|processar|avocats?|poursuivre en justice|tribunal|anwalt|anwälte|verklagen|gericht|avvocato)(?![\p{L}])/iu,
  },
  {
    name: 'outage',
    weight: 2,
    pattern:
      /(?<![\p{L}])(está caíd[oa]|se cayó|no funciona nada|fora do ar|caiu|nada funciona|en panne|hors service|plus rien ne (?:marche|fonctionne)|ausgefallen|geht gar nichts|nichts geht mehr|funktioniert (?:gar )?nichts|non funziona niente|no puedo (?:entrar|acceder)|não consigo (?:entrar|acessar)|impossible de me connecter|kann mich nicht (?:einloggen|anmelden))(?![\p{L}])/iu,
  },
  {
    name: 'explicit',
    weight: 2,
    pattern:
      /(?<![\p{L}])(urgente|urgentemente|urgent|dringend|sofort|ahora mismo|agora mesmo|tout de suite|immédiatement|de inmediato|imediatamente|inmediatamente|subito|lo antes posible|o quanto antes|au plus vite|so schnell wie möglich)(?![\p{L}])/iu,
  },
  {
    name: 'soon',
    weight: 1,
    pattern: /(?<![\p{L}])(hoy|hoje|aujourd'hui|aujourd’hui|heute|oggi|esta noche|hoje à noite|ce soir|heute abend)(?![\p{L}])/iu,
  },
  {
    name: 'money',
    weight: 2,
    pattern:
      /(?<![\p{L}])(cobr(?:ado|aron|ada|aram) dos veces|dos veces|duas vezes|deux fois|doppelt|zweimal|due volte|perd(?:í|i|iendo|endo) (?:dinero|dinheiro)|perdu de l'argent|geld verloren|mi dinero|meu dinheiro|mon argent|mein geld)(?![\p{L}])/iu,
  },
  {
    name: 'legal',
    weight: 3,
    pattern:
      /\b(lawyers?|attorneys?|solicitors?|lawsuit|sue|suing|legal action|take (?:you|this) to court|small claims|regulator|ombudsman|gdpr complaint|report you to|chargeback)\b/i,
  },
  {
    name: 'outage',
    weight: 2,
    pattern:
      /\b(outage|(?:is|are|was|went|been) (?:completely |totally )?down|are down|went down|site down|system down|server down|service down|not loading|won'?t load|can(?:no|')t (?:log ?in|login|access)|locked out|data loss|lost (?:all )?(?:our|my) data|security breach|been hacked|production (?:is )?(?:down|broken)|nothing works|completely broken|all (?:of )?our (?:users|customers))\b/i,
  },
  {
    name: 'explicit',
    weight: 2,
    pattern: /\b(urgent(?:ly)?|asap|a\.s\.a\.p|immediately|right now|right away|emergency|critical|top priority|time[- ]sensitive)\b/i,
  },
  { name: 'soon', weight: 0.5, pattern: /\b(today|tonight|this (?:morning|afternoon|evening))\b/i },
  // "today" inside a request ("can you fix this today?") is a deadline, not small talk about the weather.
  {
    name: 'needed_today',
    weight: 0.5,
    pattern:
      /\b(?:need|needs|needed|fix|fixed|sort|sorted|resolve|resolved|help|must|have to|can you|could you|please|get (?:this|it))\b.*\b(?:today|tonight)\b|\b(?:today|tonight)\b.*\b(?:please|need|must)\b/i,
  },
  { name: 'tomorrow', weight: 0.5, pattern: /\btomorrow\b/i },
  {
    name: 'money',
    weight: 2,
    pattern:
      /\b(charged (?:me )?twice|double[- ]charged|charged (?:me )?two times|lost (?:my |our |the )?money|losing money|money (?:is |was )?(?:gone|missing|disappeared)|missing (?:money|funds|payment)|unauthori[sz]ed (?:charge|payment|transaction)|fraud(?:ulent)?|stolen card|card (?:was |got )?stolen)\b/i,
  },
  {
    name: 'deadline',
    weight: 1,
    pattern:
      /\b(by (?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|noon|eod|end of (?:the )?(?:day|week|month))|eod|deadline|within (?:the next )?\d+ (?:hours?|minutes?|days?)|before (?:monday|tuesday|wednesday|thursday|friday|the weekend))\b/i,
  },
  {
    name: 'impact',
    weight: 1,
    pattern:
      /\b(losing (?:money|revenue|customers|sales|business)|every (?:hour|minute)|costing us|blocking (?:us|our)|can'?t (?:work|operate|ship|sell))\b/i,
  },
  {
    name: 'waiting',
    weight: 1,
    pattern:
      /\b(still waiting|waited (?:for )?\w+ (?:days|weeks|hours)|third time|again and again|(?:second|third|fourth|fifth) (?:time|email|message|request)|no one (?:has )?(?:responded|replied|answered))\b/i,
  },
];

/** "no rush", "not urgent", "whenever you can" pull the score down. */
const CALM =
  /(?<![\p{L}])(sin prisa|no es urgente|sem pressa|não é urgente|pas urgent|rien d'urgent|keine eile|nicht dringend|no rush|no hurry|not urgent|non[- ]urgent|whenever (?:you (?:can|get a chance|have time))|when you get a chance|at your convenience|low priority)(?![\p{L}])/iu;

const ACRONYMS = new Set([
  'CRM',
  'API',
  'SMS',
  'FAQ',
  'CEO',
  'CTO',
  'CFO',
  'USA',
  'EU',
  'GDPR',
  'SSO',
  'SAML',
  'HTTP',
  'HTTPS',
  'PDF',
  'CSV',
  'URL',
  'SLA',
  'VAT',
  'ASAP',
  'EOD',
  'OK',
]);

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
 * Urgency from cues (English, Spanish, Portuguese, French, German), each adding weight: legal
 * threats 3, outages 2, explicit urgency ("right now", "ASAP") 2, money lost or taken wrongly
 * ("charged twice") 2, deadlines, business impact, repeated chasing and "today" in a request 1 (0.5
 * when it is only mentioned), "tomorrow",
 * shouting and repeated punctuation 0.5–1, strongly negative sentiment 0.5; calm wording subtracts 2.
 * A cue counts once however many languages match it. Score ≥ 3 → high, ≥ 1 → medium, else low.
 */
export function scoreUrgency(text: string, sentiment: number): UrgencyResult {
  const cues: string[] = [];
  let score = 0;
  for (const cue of CUES) {
    if (!cues.includes(cue.name) && cue.pattern.test(text)) {
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
