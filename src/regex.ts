import { RE2JS, RE2JSSyntaxException } from 're2js';
import { BadRequestError } from './errors.js';

/**
 * Every regex a client supplies (series regexes, where `=~` / `!~`) runs on RE2JS, a port of
 * Go's regexp (query-language.md §2.8): RE2 syntax and semantics as 0.8 had them, and matching
 * in time linear in the input, so no pattern (`(a+)+$`) can hold a thread by backtracking.
 */
export type CompiledRegex = Pick<RE2JS, 'test'>;

/** A pattern RE2 does not accept: a 400 whose body is Go's message. */
export class RegexSyntaxError extends BadRequestError {
  override readonly name = 'RegexSyntaxError';
}

/** A series-name regex as the client wrote it: it crosses threads as its source and is compiled where the names are. */
export interface SeriesPattern {
  readonly pattern: string;
  readonly caseInsensitive: boolean;
}

/**
 * Compiles a pattern for an unanchored search, as Go's `regexp.MatchString` does. Invalid
 * patterns report Go's wording (`error parsing regexp: missing closing ]: `[``), because
 * clients saw those messages from 0.8.
 */
export function compileSeriesRegex(pattern: string, caseInsensitive: boolean): CompiledRegex {
  // Go compiled `/re/i` as `(?i)re`; going the same way keeps error texts identical.
  const source = caseInsensitive ? `(?i)${pattern}` : pattern;
  const kept = compiledPatterns.get(source);
  if (kept !== undefined) {
    compiledPatterns.delete(source);
    compiledPatterns.set(source, kept);
    return kept;
  }
  let compiled: CompiledRegex;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    if (!(error instanceof RE2JSSyntaxException)) throw error;
    // Go quotes the offending text even when it is empty (`trailing backslash …: ``); RE2JS omits it.
    throw new RegexSyntaxError(`error parsing regexp: ${error.error}: \`${error.input ?? ''}\``);
  }
  if (compiledPatterns.size >= COMPILED_PATTERNS_KEPT) compiledPatterns.delete(compiledPatterns.keys().next().value!);
  compiledPatterns.set(source, compiled);
  return compiled;
}

/*
 * A compiled pattern keeps the DFA states its matches built (RE2JS), so the same pattern asked
 * again — a dashboard's series regex every few seconds, a delete over every series — matches with the
 * states warm: compiled afresh for each request, `.` took 9.6 ms a shard to test 500 names of a
 * delete. Kept per thread, the most recently used ones; RE2JS bounds a pattern's states at 8 MiB,
 * so the thread holds at most 64 MiB of them, and a pattern that builds that many is rare.
 */
const COMPILED_PATTERNS_KEPT = 8;
const compiledPatterns = new Map<string, CompiledRegex>();
