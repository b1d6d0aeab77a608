/**
 * Feature values cross the stores as PostgreSQL's text form; this turns them into JSON values
 * by the feature's declared type, the same way for online and offline (parity compares these).
 *
 * @example decodeValue('42', 'int64') // 42
 * @example decodeValue('true', 'bool') // true
 * @example decodeValue('2024-06-01', 'date') // '2024-06-01'
 */
import type { FeatureType } from './types.js';

export function decodeValue(text: string | null, type: FeatureType): string | number | boolean | null {
  if (text === null) return null;
  switch (type) {
    case 'int32':
    case 'int64':
    case 'float32':
    case 'float64':
      return Number(text);
    case 'bool':
      return text === 'true' || text === 't';
    default:
      return text;
  }
}
