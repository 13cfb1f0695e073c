/**
 * Every error a client can cause is one of these classes; each carries its HTTP status,
 * and src/http/response.ts turns them into responses in one place.
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

/** Overload: the client should send the same request again after `Retry-After` seconds. */
export class ServiceUnavailableError extends HttpError {
  constructor(message: string) {
    super(503, message, { 'Retry-After': '1' });
  }
}

export class InternalError extends HttpError {
  constructor(message: string) {
    super(500, message);
  }
}

/** Errors that cross a worker boundary travel as plain data and are rebuilt here. */
export interface ErrorReply {
  readonly error: { readonly status: number; readonly message: string };
}

export function isErrorReply(value: unknown): value is ErrorReply {
  return typeof value === 'object' && value !== null && 'error' in value;
}

export function toHttpError(reply: ErrorReply): HttpError {
  return new HttpError(reply.error.status, reply.error.message);
}
