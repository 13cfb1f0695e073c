/**
 * A reason the server will not start that the operator has to resolve (the data directory is
 * held by another process, the port is taken, the shard count conflicts with the data on disk).
 * Reported as its message alone: a stack trace would only bury it.
 */
export class StartupError extends Error {}
