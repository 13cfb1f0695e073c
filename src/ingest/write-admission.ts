import { ServiceUnavailableError } from '../errors.js';
import type { ByteBudget } from '../util/byte-budget.js';

/**
 * One write request's claim on the parse queue, from its headers until its body is parsed:
 * body bytes are counted against the queue's bound before they are allocated. It also keeps
 * the database's drop count as it was when the request arrived, so a drop in between is seen.
 */
export class WriteAdmission {
  private held = 0;

  constructor(
    readonly db: string,
    readonly dropCount: number,
    private readonly parseQueue: ByteBudget,
  ) {}

  /** Counts `bytes` more of body buffer; 503 when the parse queue has no room for them. */
  take(bytes: number): void {
    if (!this.parseQueue.fits(bytes)) throw new ServiceUnavailableError('too many write bytes waiting to be parsed; retry later');
    this.parseQueue.take(bytes);
    this.held += bytes;
  }

  /** The body has been parsed or abandoned; calling it again does nothing. */
  release(): void {
    this.parseQueue.give(this.held);
    this.held = 0;
  }
}
