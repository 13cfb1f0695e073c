import test from 'ava';
import { validatePermissions } from '../../src/http/permission-input.js';
import { parseWhereClause } from '../../src/query/permission-where-clause.js';
import { legacyPattern, PermissionList, satisfiesRestriction } from '../../src/meta/permissions.js';

test('an exact name wins over any matcher; otherwise the first matching matcher in list order', (t) => {
  const list = new PermissionList([{ matcher: '.*' }, { matcher: 'cpu', whereClause: 'host = 1' }, { name: 'cpu.load', whereClause: 'host = 2' }]);
  t.deepEqual(list.permissionFor('cpu.load'), { name: 'cpu.load', whereClause: 'host = 2' });
  t.deepEqual(list.permissionFor('cpu.idle'), { matcher: '.*' });
  t.is(new PermissionList([]).permissionFor('cpu'), undefined, 'an empty list grants nothing');
  // Matchers are unanchored searches, as 0.8's readFrom was.
  t.truthy(new PermissionList([{ matcher: 'should_read' }]).permissionFor('test_should_read_more'));
  t.is(new PermissionList([{ matcher: '^$' }]).permissionFor('cpu'), undefined);
});

test('a whereClause takes an optional leading where and refuses time conditions', (t) => {
  t.deepEqual(parseWhereClause('where customer_id = 3'), parseWhereClause('customer_id = 3'));
  t.deepEqual(parseWhereClause('WHERE a = 1 and b =~ /x/'), parseWhereClause('a = 1 and b =~ /x/'));
  t.throws(() => parseWhereClause('time > 5'), { message: 'Invalid whereClause: time conditions are not allowed' });
  t.throws(() => parseWhereClause('where'), { message: /^Invalid whereClause: / });
  t.throws(() => parseWhereClause('a = '), { message: /^Invalid whereClause: syntax error/ });
});

test('restrictions compare numbers numerically and everything else exactly', (t) => {
  t.true(satisfiesRestriction(3, 3n));
  t.true(satisfiesRestriction(3, 3.0));
  t.false(satisfiesRestriction(3, '3'));
  t.false(satisfiesRestriction(3.5, 3n));
  t.true(satisfiesRestriction('eu', 'eu'));
  t.false(satisfiesRestriction(true, 1));
  t.false(satisfiesRestriction(3, null));
});

test('lists are validated entry by entry; 0.8 reports the first entry', (t) => {
  t.throws(() => validatePermissions({}, 'read'), { message: 'readPermissions must be an array' });
  t.throws(() => validatePermissions([{ name: 'a', valueRestrictions: { c: [1] } }], 'write'), { message: 'valueRestrictions.c must be a string, number or boolean' });
  t.is(legacyPattern([{ name: 'cpu' }, { matcher: '.*' }]), 'cpu');
  t.is(legacyPattern([]), '');
});
