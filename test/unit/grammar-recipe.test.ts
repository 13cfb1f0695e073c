/**
 * The server loads the query grammar from its recipe (src/query/grammar-recipe.ts): the
 * recipe must be what ohm compiles from the grammar's source today.
 */
import test from 'ava';
import { queryGrammarRecipe } from '../../src/query/grammar.js';
import { QUERY_GRAMMAR_RECIPE } from '../../src/query/grammar-recipe.js';
import { parseQuery } from '../../src/query/parser.js';

test('the recipe is the grammar compiled from its source (else run `npm run grammar`)', (t) => {
  t.deepEqual(QUERY_GRAMMAR_RECIPE, JSON.parse(queryGrammarRecipe()));
});

test('a grammar loaded from the recipe parses queries', (t) => {
  const statement = parseQuery('select max(value) from /cpu.*/ where host = \'a\' group by time(1h) fill(0) limit 3');
  t.is(statement.kind, 'select');
});
