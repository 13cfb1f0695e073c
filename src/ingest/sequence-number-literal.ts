import { MAX_SEQUENCE_NUMBER } from '../storage/sequence-numbers.js';

const NUMBER_PARTS = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Whether a (valid) JSON number literal's exact decimal value is an integer: `5.0`, `1e3` and
 * `1500e-2` are, `7.9` is not — decided on the text, because `5.0000000000000001` and
 * `9007199254740990.5` read as integral doubles.
 */
export function isIntegralLiteral(literal: string): boolean {
  const [, whole = '', fraction = '', exponent = '0'] = NUMBER_PARTS.exec(literal) ?? [];
  const digits = whole + fraction;
  const significant = digits.replace(/0+$/, '');
  if (/^0*$/.test(significant)) return true;
  // The value is significant × 10^power: an integer when no digit is left right of the point.
  const power = Number(exponent) - fraction.length + (digits.length - significant.length);
  return power >= 0;
}

/** 0.8's conversion-error wording, stating the bound that storage imposes. */
export function sequenceNumberOutOfRange(literal: string): string {
  return `sequence_number field must be an integer from 0 to ${MAX_SEQUENCE_NUMBER} but is ${literal}`;
}
