import { INLINE_PARSE_CHARS, isPrepared, rememberOutcome, type ParseOutcome } from '../query/parser.js';

/**
 * Keeps long query texts off the event loop (query/parser.ts says why): before a request
 * parses a text of its own — a query, a continuous query's body, a whereClause — it prepares
 * it here. A text the event loop may parse itself, or one prepared already, costs nothing; a
 * longer one is parsed on a parse thread, and what it gave (statement or error) is left where
 * parseQuery finds it, so the request goes on exactly as if the event loop had parsed it: the
 * same checks in the same order, the same errors. Were it pushed out before it is used (eight
 * long texts prepared in between), parseQuery would parse it itself: slower, never different.
 */
export class StatementPreparer {
  constructor(private readonly parseElsewhere: (text: string) => Promise<ParseOutcome>) {}

  async prepare(text: string): Promise<void> {
    if (text.length <= INLINE_PARSE_CHARS || isPrepared(text)) return;
    rememberOutcome(text, await this.parseElsewhere(text));
  }
}
