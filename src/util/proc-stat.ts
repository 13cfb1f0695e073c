/** CPU seconds of a process or thread as Linux counts them in `/proc/…/stat`. */

/** /proc counts CPU time in ticks of USER_HZ, which Linux fixes at 100 a second. */
export const PROC_TICKS_PER_SECOND = 100;

/**
 * utime + stime, in ticks, of a `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat` line. The
 * command name (field 2) may hold spaces and parentheses, so fields are counted after its last
 * ')': the state (field 3) first, utime and stime (fields 14 and 15) eleven and twelve on.
 */
export function statCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
