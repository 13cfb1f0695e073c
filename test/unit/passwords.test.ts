import test from 'ava';
import { hashPassword, PasswordVerifier } from '../../src/meta/passwords.js';

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
