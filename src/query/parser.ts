import type { Statement } from './ast.js';
import { HttpError } from '../errors.js';
import { RegexSyntaxError } from '../regex.js';
import { QuerySemanticError, QuerySyntaxError, TimeFunctionError } from './errors.js';
import { queryGrammar } from './grammar.js';
import { statementsOf } from './semantics.js';
import { describeSyntaxError } from './syntax-error.js';
import { lex, tokenCodes, type Token } from './tokens.js';

/*
 * Dashboards send the same few queries again and again, and matching the grammar costs
 * 0.1–0.2 ms of the event loop per query, a large part of a one-series aggregate's answer.
 * A statement depends only on its text (`now()` is resolved by the planner), so the
 * statements of recent texts are kept, frozen so that no caller can change a shared one.
 */
const CACHED_STATEMENTS = 512;
/** Longer texts are rare and would let a few clients fill the cache with megabytes. */
const MAX_CACHED_TEXT = 4096;
const recent = new Map<string, Statement>();

/*
 * Matching the grammar costs about 2.7 µs a character warm, and several times that cold: a
 * 4 KiB query held the event loop 11–150 ms, a 64 KiB continuous query or whereClause up to
 * 0.7 s. The event loop parses texts up to INLINE_PARSE_CHARS itself (at most about 1.4 ms);
 * a longer one is parsed on a parse thread first (ingest/statement-preparer.ts), and what that
 * found — the statement, or the error — is left here for the parseQuery that follows, which
 * returns or throws it as if it had parsed the text. Statements of more than MAX_CACHED_TEXT,
 * and errors, go to short lists of their own: they come from account and continuous-query
 * bodies, and from clients.
 */
export const INLINE_PARSE_CHARS = 512;
const PREPARED_KEPT = 8;
const preparedLong = new Map<string, Statement>();
const preparedFailures = new Map<string, ParseFailure>();

/** What parsing a text gave, as plain data (a parse thread sends it back). */
export type ParseOutcome = { readonly ok: true; readonly statement: Statement } | ParseFailure;

/** A client error: its class by name, its status and message. */
interface ParseFailure {
  readonly ok: false;
  readonly name: string;
  readonly status: number;
  readonly message: string;
}

/** Parses `text` as parseQuery does; an error a client caused comes back as data, any other is thrown. */
export function parseOutcome(text: string): ParseOutcome {
  try {
    return { ok: true, statement: parseQuery(text) };
  } catch (error) {
    if (error instanceof HttpError) return { ok: false, name: error.name, status: error.status, message: error.message };
    throw error;
  }
}

/** Whether parseQuery(text) would answer without parsing. */
export function isPrepared(text: string): boolean {
  return recent.has(text) || preparedLong.has(text) || preparedFailures.has(text);
}

/** Keeps what a parse thread found for `text`, for parseQuery to return or throw. */
export function rememberOutcome(text: string, outcome: ParseOutcome): void {
  if (!outcome.ok) return keep(preparedFailures, text, outcome, PREPARED_KEPT);
  if (text.length <= MAX_CACHED_TEXT) keep(recent, text, deepFreeze(outcome.statement), CACHED_STATEMENTS);
  else keep(preparedLong, text, deepFreeze(outcome.statement), PREPARED_KEPT);
}

function keep<T>(cache: Map<string, T>, text: string, value: T, limit: number): void {
  cache.set(text, value);
  if (cache.size > limit) cache.delete(cache.keys().next().value!);
}

/** The classes code above the parser tells apart (a continuous query's body reports syntax errors in words of its own). */
const CLIENT_ERRORS: Readonly<Record<string, new (message: string) => HttpError>> = {
  QuerySyntaxError,
  QuerySemanticError,
  TimeFunctionError,
  RegexSyntaxError,
};

function failureError({ name, status, message }: ParseFailure): HttpError {
  const known = CLIENT_ERRORS[name];
  return known ? new known(message) : new HttpError(status, message);
}

/**
 * Parses the `q` parameter. Every `;`-separated statement must be valid, but only the
 * first one is run (query-language.md §5.7), so only that one is returned.
 *
 * Throws QuerySyntaxError (§11.1) or QuerySemanticError (§4).
 */
export function parseQuery(text: string): Statement {
  const cached = recent.get(text);
  if (cached !== undefined) {
    recent.delete(text);
    recent.set(text, cached);
    return cached;
  }
  const prepared = preparedLong.get(text);
  if (prepared !== undefined) return prepared;
  const failure = preparedFailures.get(text);
  if (failure !== undefined) throw failureError(failure);
  const statement = deepFreeze(parseText(text));
  if (text.length <= MAX_CACHED_TEXT) keep(recent, text, statement, CACHED_STATEMENTS);
  return statement;
}

/** Builds the grammar and its semantics now, so that the first query does not wait for them. */
export function warmUpParser(): void {
  parseText('list series');
}

/**
 * Deepest parenthesis nesting parsed. The grammar's matcher recurses a few dozen frames per
 * level and overflowed the stack near 400 levels (a 500); no real query comes near this.
 */
export const MAX_PAREN_DEPTH = 100;

/**
 * Deepest nesting of a statement's objects. `and` and `or` chains are balanced trees
 * (semantics.ts), but arithmetic is left-associative: `a + a + …` of 2000 terms, which a 4 KiB
 * URL holds, was an expression 2000 deep, and a structured clone of it (to the shards) did not
 * finish in 20 s, where one 1000 deep takes 4 ms and one 500 deep 2 ms.
 */
export const MAX_EXPRESSION_DEPTH = 500;

function parseText(text: string): Statement {
  const lexed = lex(text);
  if (parenDepth(lexed.tokens) > MAX_PAREN_DEPTH) throw new QuerySyntaxError(`Query nests parentheses more than ${MAX_PAREN_DEPTH} deep`);
  const match = queryGrammar().match(tokenCodes(lexed.tokens));
  if (match.failed()) throw new QuerySyntaxError(describeSyntaxError(text, lexed));
  const statement = statementsOf(match, text, lexed.tokens)[0]!;
  if (deeperThan(statement, MAX_EXPRESSION_DEPTH)) throw new QuerySyntaxError(`Query nests expressions more than ${MAX_EXPRESSION_DEPTH} deep`);
  return statement;
}

/** Whether objects nest in `value` more than `limit` deep (a loop, not recursion: it must not overflow on what it refuses). */
function deeperThan(value: object, limit: number): boolean {
  const nodes: unknown[] = [value];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const inner of Object.values(node)) {
      nodes.push(inner);
      depths.push(depth + 1);
    }
  }
  return false;
}

function parenDepth(tokens: readonly Token[]): number {
  let depth = 0;
  let deepest = 0;
  for (const { name } of tokens) {
    if (name === "'('") deepest = Math.max(deepest, ++depth);
    else if (name === "')'") depth--;
  }
  return deepest;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
