import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, payload?: Readonly<Record<string, string | number>>): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr, so stdout stays the command's output. `enabled` undefined: only
 * when stderr is a terminal; forced on elsewhere it prints a line every two seconds.
 */
export function progressBar(
  enabled: boolean | undefined,
  format: string,
  total: number,
  start = 0,
  payload: Readonly<Record<string, string | number>> = {},
): Progress {
  if (!(enabled ?? process.stderr.isTTY === true)) return NONE;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000, etaBuffer: 50, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, payload);
  return {
    update: (value, payload) => bar.update(value, payload),
    stop: () => bar.stop(),
  };
}
