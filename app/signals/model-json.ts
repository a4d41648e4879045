import { type IntentModelJson } from './intent-model';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** Structural check of a parsed artifact, so a corrupt or foreign JSON fails loudly at load time. */
export function parseIntentModelJson(value: unknown): IntentModelJson {
  if (!isRecord(value)) throw new Error('intent model: not an object');
  const { format, classes, bias, weights, otherThreshold, meta } = value;
  if (format !== 'baton-intent-softmax/1') throw new Error(`intent model: unknown format ${String(format)}`);
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) throw new Error('intent model: bad classes');
  if (!isNumberArray(bias)) throw new Error('intent model: bad bias');
  if (!isRecord(weights)) throw new Error('intent model: bad weights');
  for (const [feature, row] of Object.entries(weights)) {
    if (!isNumberArray(row)) throw new Error(`intent model: bad weights for "${feature}"`);
  }
  if (typeof otherThreshold !== 'number' || otherThreshold < 0 || otherThreshold > 1) {
    throw new Error('intent model: otherThreshold must be in [0, 1]');
  }
  return {
    format,
    classes: classes as string[],
    bias,
    weights: weights as Record<string, number[]>,
    otherThreshold,
    meta: isRecord(meta) ? meta : {},
  };
}
