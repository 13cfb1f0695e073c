import type { IngestService } from '../ingest/ingest-service.js';
import type { WriteAdmission } from '../ingest/write-admission.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';

/**
 * Writes an admitted batch of Graphite lines (a TCP connection's lines so far, or one UDP
 * datagram) and counts it under `input`: its points, and the bad lines the parse skipped,
 * logged with the first of them at `level` (a datagram flood must not flood the log too).
 */
export async function writeGraphiteBatch(
  ingest: IngestService,
  admission: WriteAdmission,
  body: Buffer,
  input: 'graphite' | 'graphite_udp',
  observers: { readonly metrics: Metrics; readonly log: Logger; readonly level: 'warn' | 'debug' },
): Promise<void> {
  const outcome = await ingest.write(admission, body, { gzip: false, format: { kind: 'graphite' } });
  observers.metrics.recordWrite(input, outcome.pointCount);
  if (outcome.rejectedLines === 0) return;
  observers.metrics.recordDropped(input, 'invalid', outcome.rejectedLines);
  observers.log[observers.level]({ input, skipped: outcome.rejectedLines }, `graphite lines skipped, the first: ${outcome.firstRejection ?? ''}`);
}
