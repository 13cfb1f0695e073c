import { BadRequestError } from '../errors.js';

/** The one place database and user names are validated. */
export function validateDatabaseName(name: unknown): string {
  // A missing or null name decodes as 0.8's empty string; a number or object could not decode at all.
  if (name === undefined || name === null || name === '') throw new BadRequestError('Database name cannot be empty');
  if (typeof name !== 'string') throw new BadRequestError('Database name must be a string');
  if (name.includes('%')) throw new BadRequestError(`${name} isn't a valid db name`);
  return name;
}

/** Any character but `%` (security.md §3); empty names are refused for every kind of account. */
export function validateUserName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new BadRequestError('Username cannot be empty');
  if (name.includes('%')) throw new BadRequestError(`${name} isn't a valid username`);
  return name;
}
