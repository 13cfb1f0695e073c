import type { ResourceLimits } from 'node:worker_threads';

/**
 * Young generation of a parse or shard thread. V8 lets each isolate's young generation grow to
 * 48 MiB (two 16 MiB semi-spaces and a large-object space), and with two parse threads, a shard
 * thread per core and the main thread that was a fifth of the server's resident memory while it
 * ingested. These threads' short-lived objects are small (write batches live outside the V8
 * heap), so 4 MiB semi-spaces hold them between scavenges at no measurable cost in CPU.
 */
export const WORKER_RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 12 };
