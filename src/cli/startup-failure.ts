import { statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { StartupError } from '../startup-error.js';

/**
 * The one line an operator reads when the server does not start: what is wrong and what to
 * change. A file-system error under the data directory is the operator's to fix (a path they
 * chose), so it is told as such; anything else is a fault of Sluice's own.
 */
export function startupFailure(err: unknown, dataDir: string): { readonly line: string; readonly unexpected: boolean } {
  if (err instanceof StartupError) return { line: err.message, unexpected: false };
  const dir = resolve(dataDir);
  if (isErrno(err) && err.path !== undefined && onPathOf(resolve(err.path), dir)) {
    const problem = fileProblem(err, resolve(err.path));
    return { line: `cannot use data directory ${dir}: ${problem}; set --data-dir to a directory this process may create and write`, unexpected: false };
  }
  return { line: `cannot start: ${err instanceof Error ? err.message : String(err)} (the log has the stack trace)`, unexpected: true };
}

function fileProblem(err: NodeJS.ErrnoException, path: string): string {
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return `no permission to ${err.syscall ?? 'write'} ${path}`;
    case 'EROFS':
      return `${path} is on a read-only file system`;
    case 'EEXIST':
    case 'ENOTDIR':
      return `a file is in the way at ${fileInTheWay(path)}`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left to write ${path}`;
    case 'ENOENT':
      // What is on the way exists, yet the file system would not make this (procfs, a dangling link).
      return `the file system will not create ${path}`;
    default:
      return `${err.code ?? 'error'} on ${err.syscall ?? 'access to'} ${path}`;
  }
}

/** ENOTDIR names the path asked for, not the file standing in it: find that file. */
function fileInTheWay(path: string): string {
  for (let at = path; ; at = dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) return at;
    } catch {
      // Not there (yet): a parent is the file.
    }
    if (dirname(at) === at) return path;
  }
}

/** The path is the data directory, inside it, or one of the directories leading to it. */
function onPathOf(path: string, dir: string): boolean {
  return !relative(dir, path).startsWith('..') || !relative(path, dir).startsWith('..');
}

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
