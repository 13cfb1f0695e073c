import { BOOL_KIND, FLOAT_KIND, INT_KIND, STRING_KIND, WIDE_INT_KIND, type KindSet } from '../../storage/kind-set.js';
import type { Scalar } from '../values.js';

/**
 * The Arrow type of one value column of an answer. 0.8 has no schema, so it is read from the
 * kinds the answer's rows hold (a `KindSet`): one kind keeps its natural type, floats and ints
 * together are Float64 while every int is exact in a double, and any other mix is `text`
 * (utf8 holding each value's JSON text: `1.5`, `true`, `"a"`), so no value is changed.
 */
export type ArrowColumnType = 'float64' | 'int64' | 'bool' | 'utf8' | 'text';

export function columnTypeOf(kinds: KindSet): ArrowColumnType {
  const values = kinds & ~WIDE_INT_KIND;
  if (values === FLOAT_KIND || values === 0) return 'float64';
  if (values === INT_KIND) return 'int64';
  if (values === BOOL_KIND) return 'bool';
  if (values === STRING_KIND) return 'utf8';
  if (values === (FLOAT_KIND | INT_KIND) && (kinds & WIDE_INT_KIND) === 0) return 'float64';
  return 'text';
}

/** The kind of one value (null holds none). */
export function kindOfScalar(value: Scalar): KindSet {
  if (typeof value === 'number') return FLOAT_KIND;
  if (typeof value === 'bigint') return INT_KIND;
  if (typeof value === 'boolean') return BOOL_KIND;
  return typeof value === 'string' ? STRING_KIND : 0;
}
