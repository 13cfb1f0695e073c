import { BadRequestError } from '../errors.js';

/** The one place database and user names are validated. */
export function validateDatabaseName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new BadRequestError('Database name cannot be empty');
  if (name.includes('%')) throw new BadRequestError(`${name} isn't a valid db name`);
  return name;
}

/** Any character but `%` (security.md §3); empty names are refused for every kind of account. */
export function validateUserName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new BadRequestError('Username cannot be empty');
  if (name.includes('%')) throw new BadRequestError(`${name} isn't a valid username`);
  return name;
}
