import type { ResourceLimits } from 'node:worker_threads';

/**
 * Young generation of a parse or shard thread. V8 grows each isolate's semi-spaces to 16 MiB,
 * and while the server ingested, every shard thread held both of them (32 MiB resident each)
 * besides the main thread's. Their short-lived objects are small (write batches live outside
 * the V8 heap), so 12 MiB of young generation (4 MiB semi-spaces) holds them between
 * scavenges: the ingest bench showed no more CPU per point, and a lower peak RSS.
 */
export const WORKER_RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 12 };
