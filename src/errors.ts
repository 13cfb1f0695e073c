import { isDiskFull } from './util/checked-write.js';

/**
 * Every error a client can cause is one of these classes; each carries its HTTP status,
 * and `Exchange.error` (src/http/exchange.ts) turns them into responses in one place.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message: string) {
    super(401, message, { 'WWW-Authenticate': 'Basic realm="influxdb"' });
  }
}

/** A client address that keeps failing to log in already has attempts waiting their turn (login-throttle.ts). */
export class TooManyLoginAttemptsError extends HttpError {
  constructor(retryAfterSeconds: number) {
    super(429, 'too many failed logins from this address: wait for the attempts already sent', { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** Authenticated, but this kind of account may not do this (security.md §6.2 texts). */
export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limit: number) {
    super(413, `Request body is larger than the limit of ${limit} bytes`);
  }
}

/** Cluster mode: one partition's part of a write travels as one NATS message, at most max_payload. */
export class PartitionPartTooLargeError extends HttpError {
  constructor(bytes: number, limit: number) {
    super(
      413,
      `in cluster mode one partition's part of a write must fit a NATS message: this one takes ${bytes} bytes as sent (deflated), the NATS servers' max_payload is ${limit}; send smaller bodies or raise max_payload`,
    );
  }
}

export class UriTooLongError extends HttpError {
  constructor(limit: number) {
    super(414, `Request URI is longer than the limit of ${limit} bytes`);
  }
}

export class HeadersTooLargeError extends HttpError {
  constructor(limit: number) {
    super(431, `Request headers are larger than the limit of ${limit} bytes`);
  }
}

/** How long a client should wait before retrying a write refused by overload or a degraded shard. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The server cannot take the request now — overload, or a shard whose disk fails (EIO, a
 * failed fsync) — and the client should send it again after `Retry-After` seconds.
 */
export class ServiceUnavailableError extends HttpError {
  constructor(message: string) {
    super(503, message, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
  }
}

export class InternalError extends HttpError {
  constructor(message: string) {
    super(500, message);
  }
}

/** The disk under a shard is full (ENOSPC, EDQUOT): writes are refused until space returns. */
export class InsufficientStorageError extends HttpError {
  constructor(message: string) {
    super(507, message, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
  }
}

/**
 * A change that would make the cluster's metadata document larger than one NATS message may
 * be: retrying cannot help, so no Retry-After.
 */
export class MetadataTooLargeError extends HttpError {
  constructor(size: number, limit: number) {
    super(507, `the cluster metadata would grow to ${size} bytes, past its limit of ${limit} bytes (the NATS servers' max_payload): drop unused databases, users or continuous queries first`);
  }
}

/** The answer to a request the disk refused to store: 507 when it is full, 503 when it fails. */
export function diskRefusal(failure: { readonly code: string; readonly message: string }): HttpError {
  return isDiskFull(failure.code)
    ? new InsufficientStorageError(`Insufficient storage: ${failure.message}; writes resume once space is freed`)
    : new ServiceUnavailableError(`Storage unavailable: ${failure.message}; retry later`);
}

/** Errors that cross a worker boundary travel as plain data and are rebuilt here. */
export interface ErrorReply {
  readonly error: { readonly status: number; readonly message: string; readonly headers?: Record<string, string> };
}

export function isErrorReply(value: unknown): value is ErrorReply {
  return typeof value === 'object' && value !== null && 'error' in value;
}

export function toHttpError(reply: ErrorReply): HttpError {
  return new HttpError(reply.error.status, reply.error.message, reply.error.headers);
}

/** A query the engine cannot evaluate as written, e.g. an aggregate's bad arguments. */
export class QueryError extends BadRequestError {}
