import { BadRequestError } from '../errors.js';

/** The one place database and user names are validated. */
export function validateDatabaseName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new BadRequestError('Database name cannot be empty');
  if (name.includes('%')) throw new BadRequestError(`${name} isn't a valid db name`);
  return name;
}

export function validatePassword(password: unknown): string {
  const length = typeof password === 'string' ? Buffer.byteLength(password) : -1;
  if (length < 4 || length > 56) throw new BadRequestError('Password must be more than 4 and less than 56 characters');
  return password as string;
}
