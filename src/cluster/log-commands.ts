import type { SeriesDeleteRequest } from '../shards/shard-worker.js';

/**
 * Changes other than writes travel through the partition streams too, in order with the
 * writes, so every owner applies them at the same point of its partition's history, and a
 * replay after a crash repeats them there (both are idempotent). A command message carries
 * this header; its payload is the command as JSON.
 */
export const COMMAND_HEADER = 'Sluice-Command';

export type LogCommand =
  | { readonly kind: 'delete'; readonly request: SeriesDeleteRequest }
  /** `created` tells the dropped database from a later one of the same name (ClusterState.recordDropped). */
  | { readonly kind: 'drop-database'; readonly db: string; readonly created: number };

export function encodeLogCommand(command: LogCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

export function decodeLogCommand(payload: Uint8Array): LogCommand {
  return JSON.parse(new TextDecoder().decode(payload)) as LogCommand;
}
