/**
 * Writes over UDP, one body per datagram, as InfluxDB 0.8's UDP inputs: a 0.8 JSON series body
 * (time in milliseconds unless a point says otherwise), or Graphite plaintext lines. Each goes
 * through the ingest service like an HTTP write (parse threads, WAL), to one database. Nobody
 * hears back, so a datagram that cannot be taken now — too many in flight, a full parse or
 * shard queue — is dropped and counted, as is one that does not parse (for Graphite, each
 * bad line is skipped and counted).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { HttpError } from '../errors.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Logger } from '../log.js';
import type { DropReason, DroppingInput, Metrics } from '../metrics/metrics.js';
import { writeGraphiteBatch } from './graphite-batch.js';

/** Datagrams being parsed or written at once; more are dropped. */
const MAX_IN_FLIGHT = 256;

export interface UdpOptions {
  readonly bind: string;
  readonly port: number;
  readonly db: string;
  /** What a datagram holds: a 0.8 JSON body (the `udp` input) or Graphite lines (`graphite_udp`). */
  readonly format: 'json' | 'graphite';
}

export class UdpInput {
  private inFlight = new Set<Promise<void>>();

  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
    private readonly options: UdpOptions,
    private readonly ingest: IngestService,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    socket.on('message', (message) => this.receive(message));
    socket.on('error', (err) => log.error({ err }, 'udp input failed'));
  }

  static async start(options: UdpOptions, ingest: IngestService, metrics: Metrics, log: Logger): Promise<UdpInput> {
    const socket = dgram.createSocket({ type: net.isIPv6(options.bind) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: options.bind, port: options.port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpInput(socket, socket.address().port, options, ingest, metrics, log);
  }

  private get input(): DroppingInput {
    return this.options.format === 'json' ? 'udp' : 'graphite_udp';
  }

  private receive(message: Buffer): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.metrics.recordDropped(this.input, 'overload');
      return;
    }
    const work = this.write(message).catch((err: unknown) => {
      const reason: DropReason = err instanceof HttpError && err.status === 400 ? 'invalid' : err instanceof HttpError && err.status === 503 ? 'overload' : 'refused';
      this.metrics.recordDropped(this.input, reason);
      this.log.debug({ input: this.input, err, reason }, 'udp datagram dropped');
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async write(message: Buffer): Promise<void> {
    const admission = this.ingest.admit(this.options.db);
    try {
      admission.take(message.length);
      if (this.options.format === 'json') {
        const outcome = await this.ingest.write(admission, message, { gzip: false, precision: 'ms' });
        this.metrics.recordWrite('udp', outcome.pointCount);
        return;
      }
      await writeGraphiteBatch(this.ingest, admission, message, 'graphite_udp', { metrics: this.metrics, log: this.log, level: 'debug' });
    } finally {
      admission.release();
    }
  }

  /** Stops receiving; datagrams already taken are written first. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    await Promise.allSettled([...this.inFlight]);
  }
}
