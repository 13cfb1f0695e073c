/**
 * A working array kept by its owner (one per thread) and lent as a view of the rows asked for,
 * grown when too short: for hot loops that would otherwise make, and zero-fill, a typed array
 * per call. What is lent must not outlive the next call.
 */
export class LentRows<T extends Float64Array | Uint32Array | Uint8Array> {
  private rows: T;

  constructor(private readonly make: (length: number) => T) {
    this.rows = make(0);
  }

  /** A view of `n` rows, over rows kept from an earlier call when they are enough. */
  rowsOf(n: number): T {
    if (this.rows.length < n) this.rows = this.make(2 * n);
    return this.rows.subarray(0, n) as T;
  }
}
