import { QuerySemanticError } from './errors.js';

/*
 * Series and where-clause regexes use Go RE2 syntax (query-language.md §2.8). This module
 * translates RE2 into an equivalent JavaScript `u`-mode RegExp, and reports invalid
 * patterns with Go's wording (`error parsing regexp: missing closing ]: `[``), because
 * clients saw those messages from 0.8.
 *
 * Not translated (rejected as unsupported): flag groups other than a leading `(?flags)`,
 * the ungreedy flag `U`, and negated POSIX classes other than digit/space/word.
 */

/** Compiles a pattern for an unanchored search, as Go's `regexp.MatchString` does. */
export function compileSeriesRegex(pattern: string, caseInsensitive: boolean): RegExp {
  // Go compiled `/re/i` as `(?i)re`; going the same way keeps error texts identical.
  const { source, flags } = new Re2Translator(caseInsensitive ? `(?i)${pattern}` : pattern).translate();
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw regexpError((error as Error).message);
  }
}

function regexpError(reason: string): QuerySemanticError {
  return new QuerySemanticError(`error parsing regexp: ${reason}`);
}

function goError(code: string, expr: string): QuerySemanticError {
  return regexpError(`${code}: \`${expr}\``);
}

const MAX_REPEAT = 1000;
const JS_SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/');
const CLASS_SPECIAL_CHARS = new Set('\\]-[^');
const RE2_SPACE = '\\t\\n\\f\\r ';
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: RE2_SPACE + '\\v',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};
const NEGATED_POSIX_CLASSES: Readonly<Record<string, string>> = { digit: '\\D', space: '\\S', word: '\\W' };

/** Where the previous item stands, for Go's repetition-operator errors. */
type RepeatState = { kind: 'nothing' } | { kind: 'atom' } | { kind: 'repeated'; start: number };

class Re2Translator {
  private pos = 0;
  private out = '';
  private readonly flags = new Set<string>(['u']);
  private openGroups = 0;
  private last: RepeatState = { kind: 'nothing' };

  constructor(private readonly pattern: string) {}

  translate(): { source: string; flags: string } {
    this.leadingFlags();
    while (this.pos < this.pattern.length) this.item();
    if (this.openGroups > 0) throw goError('missing closing )', this.pattern);
    return { source: this.out, flags: [...this.flags].join('') };
  }

  /** Leading `(?ims)` groups become RegExp flags; JS (Node 20) has no inline flag groups. */
  private leadingFlags(): void {
    for (let match; (match = /^\(\?([a-zA-Z]*)\)/.exec(this.pattern.slice(this.pos))) !== null; ) {
      for (const flag of match[1]!) {
        if (flag !== 'i' && flag !== 'm' && flag !== 's') throw this.unsupportedPerl(this.pos + match[0].indexOf(flag));
        this.flags.add(flag);
      }
      this.pos += match[0].length;
    }
  }

  private item(): void {
    const c = this.pattern[this.pos]!;
    switch (c) {
      case '*':
      case '+':
      case '?':
        return this.repetition(this.pos + 1);
      case '{': {
        const end = this.repeatCountEnd();
        if (end !== undefined) return this.repetition(end);
        return this.atom('\\{', 1);
      }
      case '(':
        return this.openGroup();
      case ')':
        if (this.openGroups === 0) throw goError('unexpected )', this.pattern);
        this.openGroups -= 1;
        return this.atom(')', 1);
      case '|':
        this.out += '|';
        this.pos += 1;
        this.last = { kind: 'nothing' };
        return;
      case '[':
        return this.characterClass();
      case '\\':
        return this.escape();
      case '.':
        return this.atom(this.flags.has('s') ? '[\\s\\S]' : '[^\\n]', 1);
      case '^':
      case '$':
        // Wrapped because RE2 accepts a repeated assertion (`^*`) and JS does not.
        return this.atom(`(?:${c})`, 1);
      default: {
        const char = String.fromCodePoint(this.pattern.codePointAt(this.pos)!);
        return this.atom(literal(char), char.length);
      }
    }
  }

  private atom(js: string, length: number): void {
    this.out += js;
    this.pos += length;
    this.last = { kind: 'atom' };
  }

  /** `op` spans pos..end; a trailing `?` makes it non-greedy, as in JS. */
  private repetition(end: number): void {
    const start = this.pos;
    if (this.pattern[end] === '?') end += 1;
    const op = this.pattern.slice(start, end);
    if (this.last.kind === 'nothing') throw goError('missing argument to repetition operator', op);
    if (this.last.kind === 'repeated') throw goError('invalid nested repetition operator', this.pattern.slice(this.last.start, end));
    this.out += op;
    this.pos = end;
    this.last = { kind: 'repeated', start };
  }

  /** End of a valid `{n}`, `{n,}` or `{n,m}` at pos; otherwise `{` is a literal (RE2). */
  private repeatCountEnd(): number | undefined {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.pos));
    if (match === null) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? undefined : Number(match[3]);
    if (min > MAX_REPEAT || (max !== undefined && (max > MAX_REPEAT || max < min))) throw goError('invalid repeat count', match[0]);
    return this.pos + match[0].length;
  }

  private openGroup(): void {
    const rest = this.pattern.slice(this.pos);
    this.openGroups += 1;
    this.last = { kind: 'nothing' };
    if (!rest.startsWith('(?')) {
      this.out += '(';
      this.pos += 1;
      return;
    }
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named !== null) {
      if (!/^\w+$/.test(named[1]!)) throw goError('invalid named capture', named[0]);
      this.out += `(?<${named[1]}>`;
      this.pos += named[0].length;
      return;
    }
    if (rest.startsWith('(?:')) {
      this.out += '(?:';
      this.pos += 3;
      return;
    }
    // Flag groups are valid RE2, but cannot be expressed in a Node 20 RegExp.
    const flagged = /^\(\?[a-zA-Z-]*/.exec(rest)!;
    throw this.unsupportedPerl(this.pos + flagged[0].length);
  }

  /** Go quotes the text from `(?` through the first character it could not accept. */
  private unsupportedPerl(end: number): QuerySemanticError {
    return goError('invalid or unsupported Perl syntax', this.pattern.slice(this.pos, end + 1));
  }

  private escape(): void {
    this.out += this.escapeSequence(false);
    this.last = { kind: 'atom' };
  }

  /**
   * Translates the escape at pos (which is a backslash) and moves past it. Inside a
   * character class only character-valued escapes make sense.
   */
  private escapeSequence(inClass: boolean): string {
    const start = this.pos;
    const next = this.pattern.codePointAt(start + 1);
    if (next === undefined) throw goError('trailing backslash at end of expression', '');
    const c = String.fromCodePoint(next);
    this.pos = start + 1 + c.length;
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return `\\${c}`;
      case 's':
        return inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
      case 'S':
        return inClass ? '\\S' : `[^${RE2_SPACE}]`;
      case 'a':
        return '\\x07';
      case 'f':
      case 't':
      case 'n':
      case 'r':
      case 'v':
        return `\\${c}`;
      case 'p':
      case 'P':
        return this.unicodeClass(start, c === 'P');
      case 'x':
        return this.hexEscape(start);
      case 'C':
        if (!inClass) return '[\\s\\S]';
        break;
      // Assertions: `\A`/`\z` are start/end of text whatever the `m` flag says.
      case 'A':
        if (!inClass) return '(?:(?<![\\s\\S]))';
        break;
      case 'z':
        if (!inClass) return '(?:(?![\\s\\S]))';
        break;
      case 'b':
      case 'B':
        if (!inClass) return `(?:\\${c})`;
        break;
      case 'Q':
        if (!inClass) return this.quotedLiteral();
        break;
      default:
        if (/[0-7]/.test(c)) return this.octalEscape(start);
        if (next < 0x80 && !/[0-9A-Za-z]/.test(c)) return inClass ? classLiteral(c) : literal(c);
    }
    throw goError('invalid escape sequence', this.pattern.slice(start, this.pos));
  }

  /** `\Q...\E`: everything in between is literal. */
  private quotedLiteral(): string {
    const end = this.pattern.indexOf('\\E', this.pos);
    const text = this.pattern.slice(this.pos, end === -1 ? undefined : end);
    this.pos = end === -1 ? this.pattern.length : end + 2;
    return [...text].map(literal).join('');
  }

  /** Go: `\0`, `\012`; a lone `\1`-`\7` would be a backreference, which RE2 lacks. */
  private octalEscape(start: number): string {
    const digits = /^[0-7]{1,3}/.exec(this.pattern.slice(start + 1))![0];
    if (digits.length === 1 && digits !== '0') throw goError('invalid escape sequence', this.pattern.slice(start, start + 2));
    this.pos = start + 1 + digits.length;
    return `\\u{${parseInt(digits, 8).toString(16)}}`;
  }

  private hexEscape(start: number): string {
    const rest = this.pattern.slice(start + 2);
    const match = /^\{([0-9A-Fa-f]+)\}/.exec(rest) ?? /^([0-9A-Fa-f]{2})/.exec(rest);
    const value = match === null ? NaN : parseInt(match[1]!, 16);
    if (match === null || value > 0x10ffff) throw goError('invalid escape sequence', this.pattern.slice(start, start + 2 + (match?.[0].length ?? 0)));
    this.pos = start + 2 + match[0].length;
    return `\\u{${value.toString(16)}}`;
  }

  /** `\pL`, `\p{Greek}`, `\p{^Greek}`, `\PL`: general categories or scripts. */
  private unicodeClass(start: number, negated: boolean): string {
    const rest = this.pattern.slice(this.pos);
    const match = /^\{(\^?)([A-Za-z_]+)\}/.exec(rest) ?? /^()([A-Za-z])/.exec(rest);
    if (match === null) throw goError('invalid character class range', this.pattern.slice(start, this.pos + 1));
    this.pos += match[0].length;
    const name = match[2]!;
    const js = `\\${negated !== (match[1] === '^') ? 'P' : 'p'}{${/^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`}}`;
    try {
      new RegExp(js, 'u');
    } catch {
      throw goError('invalid character class range', this.pattern.slice(start, this.pos));
    }
    return js;
  }

  private characterClass(): void {
    const start = this.pos;
    this.pos += 1;
    let js = '[';
    if (this.pattern[this.pos] === '^') {
      js += '^';
      this.pos += 1;
    }
    let first = true;
    for (;;) {
      if (this.pos >= this.pattern.length) throw goError('missing closing ]', this.pattern.slice(start));
      const c = this.pattern[this.pos]!;
      // RE2, unlike JS, takes a `]` right after `[` or `[^` as a literal.
      if (c === ']' && !first) break;
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.pattern.slice(this.pos));
      if (posix !== null) {
        js += this.posixClass(posix);
        continue;
      }
      const low = this.classChar();
      if (this.pattern[this.pos] === '-' && this.pattern[this.pos + 1] !== ']' && this.pos + 1 < this.pattern.length) {
        const rangeStart = this.pos - low.text.length;
        this.pos += 1;
        const high = this.classChar();
        if (low.codePoint === undefined || high.codePoint === undefined || high.codePoint < low.codePoint) {
          throw goError('invalid character class range', this.pattern.slice(rangeStart, this.pos));
        }
        js += `${low.js}-${high.js}`;
      } else {
        js += low.js;
      }
    }
    this.pos += 1;
    this.out += `${js}]`;
    this.last = { kind: 'atom' };
  }

  private posixClass(match: RegExpExecArray): string {
    const [text, negation, name] = match as unknown as [string, string, string];
    const js = negation === '' ? POSIX_CLASSES[name] : NEGATED_POSIX_CLASSES[name];
    if (js === undefined) throw goError('invalid character class range', text);
    this.pos += text.length;
    return js;
  }

  /** One class member; codePoint is undefined for multi-character escapes like `\d`. */
  private classChar(): { js: string; text: string; codePoint: number | undefined } {
    const start = this.pos;
    if (this.pattern[start] === '\\') {
      const js = this.escapeSequence(true);
      const text = this.pattern.slice(start, this.pos);
      return { js, text, codePoint: singleCodePoint(js, text) };
    }
    const codePoint = this.pattern.codePointAt(start)!;
    const char = String.fromCodePoint(codePoint);
    this.pos += char.length;
    return { js: classLiteral(char), text: char, codePoint };
  }
}

/** A literal character outside a class, escaped only where JS `u` mode requires it. */
function literal(char: string): string {
  return JS_SYNTAX_CHARS.has(char) ? `\\${char}` : char;
}

function classLiteral(char: string): string {
  return CLASS_SPECIAL_CHARS.has(char) ? `\\${char}` : char;
}

/** Code point denoted by a translated single-character escape, for range checks. */
function singleCodePoint(js: string, text: string): number | undefined {
  const unicode = /^\\u\{([0-9a-f]+)\}$/.exec(js);
  if (unicode !== null) return parseInt(unicode[1]!, 16);
  const controls: Readonly<Record<string, number>> = { '\\x07': 7, '\\f': 12, '\\t': 9, '\\n': 10, '\\r': 13, '\\v': 11 };
  if (js in controls) return controls[js];
  if (/^\\[^0-9A-Za-z]$/.test(text)) return text.codePointAt(1);
  return undefined;
}
