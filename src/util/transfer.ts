import { move, transferableSymbol, valueSymbol } from 'piscina';

/**
 * A worker's result whose buffers move to the caller instead of being copied.
 * piscina transfers the listed buffers and hands the caller `value`.
 */
export function transferResult<T extends object>(value: T, buffers: ArrayBuffer[]): T {
  const wrapped = { [transferableSymbol]: buffers, [valueSymbol]: value };
  return move(wrapped as unknown as Parameters<typeof move>[0]) as unknown as T;
}
