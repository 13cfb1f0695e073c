/** What checking one file of a data directory found. */
export interface FileReport {
  /** Relative to the data directory. */
  readonly file: string;
  /** `damaged` fails the check; `note` is harmless and only said (a torn WAL tail, an orphan). */
  readonly verdict: 'ok' | 'damaged' | 'note';
  readonly detail: string;
}

export function formatReport(report: FileReport): string {
  const label = { ok: 'ok', damaged: 'DAMAGED', note: 'note' }[report.verdict];
  return `${label.padEnd(8)} ${report.file}  ${report.detail}`;
}
