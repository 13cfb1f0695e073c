import test from 'ava';
import { scryptSync } from 'node:crypto';
import { DEFAULT_ROOT_HASH, hashPassword, PasswordVerifier, validatePassword } from '../../src/meta/passwords.js';

test('the right password verifies, a wrong one does not', async (t) => {
  const verifier = new PasswordVerifier();
  const stored = hashPassword('secret');
  t.true(await verifier.verify('root', stored, 'secret'));
  t.true(await verifier.verify('root', stored, 'secret'), 'again, from the cache');
  t.false(await verifier.verify('root', stored, 'Secret'));
  t.false(await verifier.verify('root', stored, ''));
});

test('a remembered password stops working once the password changes', async (t) => {
  const verifier = new PasswordVerifier();
  t.true(await verifier.verify('root', hashPassword('old'), 'old'));
  const changed = hashPassword('new');
  t.false(await verifier.verify('root', changed, 'old'));
  t.true(await verifier.verify('root', changed, 'new'));
});

test('a password remembered for one user does not let in another', async (t) => {
  const verifier = new PasswordVerifier();
  const stored = hashPassword('shared');
  t.true(await verifier.verify('alice', stored, 'shared'));
  t.false(await verifier.verify('bob', hashPassword('other'), 'shared'));
});

test('a forgotten account checks its password with scrypt again, and still gets in with the right one', async (t) => {
  const verifier = new PasswordVerifier();
  const stored = hashPassword('secret');
  t.true(await verifier.verify('root', stored, 'secret'));
  verifier.forget('root');
  t.true(await verifier.verify('root', stored, 'secret'));
  t.false(await verifier.verify('root', stored, 'secreT'));
});

test('passwords of 4 to 56 bytes are accepted, others refused with 0.8 text', (t) => {
  t.is(validatePassword('abcd'), 'abcd');
  t.is(validatePassword('é'.repeat(28)), 'é'.repeat(28), '56 bytes');
  for (const bad of ['abc', 'é'.repeat(29)]) t.throws(() => validatePassword(bad), { message: 'Password must be more than 4 and less than 56 characters' });
  t.throws(() => validatePassword(5), { message: 'password must be string' });
});

test('the default root hash is scrypt of "root" with its salt, and verifies only "root"', async (t) => {
  t.is(scryptSync('root', DEFAULT_ROOT_HASH.salt, 32).toString('base64'), DEFAULT_ROOT_HASH.hash);
  t.is(hashPassword('root'), DEFAULT_ROOT_HASH);
  const verifier = new PasswordVerifier();
  t.false(await verifier.verify('root', DEFAULT_ROOT_HASH, 'Root'));
  t.false(await verifier.verify('root', DEFAULT_ROOT_HASH, 'root '));
  t.true(await verifier.verify('root', DEFAULT_ROOT_HASH, 'root'));
  const other = hashPassword('rooty');
  t.not(other.salt, DEFAULT_ROOT_HASH.salt, 'any other password gets a random salt');
  t.true(await verifier.verify('alice', other, 'rooty'));
});
