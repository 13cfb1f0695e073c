import { readFileSync } from 'node:fs';

/** CPU seconds of a process or thread as Linux counts them in `/proc/…/stat`. */

/** /proc counts CPU time in ticks of USER_HZ, which Linux fixes at 100 a second. */
const PROC_TICKS_PER_SECOND = 100;

/**
 * utime + stime, in seconds, from a `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat` file;
 * undefined when it cannot be read (the process or thread is gone, or this is not Linux). The
 * command name (field 2) may hold spaces and parentheses, so fields are counted after its last
 * ')': the state (field 3) first, utime and stime (fields 14 and 15) eleven and twelve on.
 */
export function statCpuSeconds(path: string): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const seconds = (Number(fields[11]) + Number(fields[12])) / PROC_TICKS_PER_SECOND;
  return Number.isFinite(seconds) ? seconds : undefined;
}
