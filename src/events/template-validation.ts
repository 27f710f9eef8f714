/**
 * Checks an automation template the way Prefect 3.9.1's /templates/validate does: Jinja's syntax
 * (tags, blocks, expressions) and Prefect's loop limits, without rendering anything. A small lexer and
 * recursive-descent parser written for this; the error messages and line numbers follow Jinja's for
 * the mistakes people make (unclosed tags and blocks, unknown tags, empty or broken expressions).
 */

export interface TemplateError {
  line: number;
  message: string;
}

class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const MAX_LOOP_COUNT = 10;
const MAX_NESTED_LOOP_DEPTH = 2;

type Kind = 'name' | 'string' | 'integer' | 'float' | 'op' | 'variable_end' | 'block_end' | 'eof';
interface Token {
  kind: Kind;
  value: string;
  line: number;
}

const END_NAMES: Record<string, string> = {
  variable_end: 'end of print statement',
  block_end: 'end of statement block',
  eof: 'end of template',
};
/** Jinja's describe_token: a name is its value, an operator its text, anything else its kind. */
const describe = (t: Token) => (t.kind === 'name' || t.kind === 'op' ? t.value : (END_NAMES[t.kind] ?? t.kind));

// Longest first, as Jinja's operator regex tries them.
const OPERATORS = ['//', '**', '==', '!=', '>=', '<=', '+', '-', '/', '*', '%', '~', '[', ']', '(', ')', '{', '}', '>', '<', '=', '.', ':', '|', ',', ';'];
const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const OPENING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
// Numbers start with a digit (`a.1` is an attribute); a float never directly follows a dot.
const NUMBER = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|(?<!\.)\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*/y;
const STRING = /('([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)")/sy;

/** 1-based line of each offset, by binary search over the newline offsets (templates may be large). */
function lineIndex(src: string): (pos: number) => number {
  const newlines: number[] = [];
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) newlines.push(i);
  return (pos) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** Splits the template into the tokens of its `{{ }}` and `{% %}` parts; text and comments are skipped. */
function lex(src: string): Token[][] {
  const lineAt = lineIndex(src);
  const blocks: Token[][] = [];
  const opening = /\{[{%#]/g;
  let pos = 0;
  for (;;) {
    opening.lastIndex = pos;
    const found = opening.exec(src);
    if (!found) return blocks;
    pos = found.index;
    const opener = src.slice(pos, pos + 2);
    if (opener === '{#') {
      const end = src.indexOf('#}', pos + 2);
      if (end < 0) throw new TemplateSyntaxError('Missing end of comment tag', lineAt(pos));
      pos = end + 2;
      continue;
    }
    const raw = /\{%[-+]?\s*raw\s*[-+]?%\}/y;
    raw.lastIndex = pos;
    if (opener === '{%' && raw.test(src)) {
      const endRaw = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;
      endRaw.lastIndex = raw.lastIndex;
      if (!endRaw.exec(src)) throw new TemplateSyntaxError('Missing end of raw directive', lineAt(pos));
      pos = endRaw.lastIndex;
      continue;
    }
    const endKind: Kind = opener === '{{' ? 'variable_end' : 'block_end';
    const closer = opener === '{{' ? '}}' : '%}';
    const endOfBlock = opener === '{{' ? /-?\}\}/y : /-?%\}/y;
    pos += 2;
    if (src[pos] === '-' || src[pos] === '+') pos += 1;
    const tokens: Token[] = [];
    const brackets: string[] = [];
    for (;;) {
      while (pos < src.length && /\s/.test(src[pos]!)) pos += 1;
      if (pos >= src.length) {
        throw new TemplateSyntaxError(`unexpected end of template, expected '${END_NAMES[endKind]}'.`, lineAt(pos));
      }
      const line = lineAt(pos);
      // The block ends only outside brackets ({{ {'a': 1} }} is one dict).
      if (brackets.length === 0) {
        const m = endOfBlock;
        m.lastIndex = pos;
        if (m.test(src)) {
          tokens.push({ kind: endKind, value: closer, line });
          pos = m.lastIndex;
          break;
        }
      }
      let matched: Token | undefined;
      for (const [re, kind] of [
        [STRING, 'string'],
        [NAME, 'name'],
        [NUMBER, 'integer'],
      ] as const) {
        re.lastIndex = pos;
        const m = re.exec(src);
        if (m && m[0] !== '') {
          const k: Kind = kind === 'integer' && /[.eE]/.test(m[0]) && !/^0[xX]/.test(m[0]) ? 'float' : kind;
          matched = { kind: k, value: m[0], line };
          pos = re.lastIndex;
          break;
        }
      }
      if (!matched) {
        const op = OPERATORS.find((o) => src.startsWith(o, pos));
        if (!op) throw new TemplateSyntaxError(`unexpected char ${pyRepr(src[pos]!)} at ${pos}`, line);
        if (OPENING[op]) brackets.push(op);
        else if (CLOSING[op]) {
          const open = brackets.pop();
          if (!open) throw new TemplateSyntaxError(`unexpected '${op}'`, line);
          if (open !== CLOSING[op]) throw new TemplateSyntaxError(`unexpected '${op}', expected '${OPENING[open]}'`, line);
        }
        matched = { kind: 'op', value: op, line };
        pos += op.length;
      }
      tokens.push(matched);
    }
    blocks.push(tokens);
  }
}

/** Python's repr of one character, as Jinja's "unexpected char" message shows it. */
const pyRepr = (ch: string) => (ch === "'" ? `"'"` : `'${ch}'`);

/** A cursor over one `{{ }}` or `{% %}` block's tokens, parsing Jinja's expression grammar. */
class Expr {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  get cur(): Token {
    return this.tokens[this.i]!;
  }
  next(): Token {
    const t = this.cur;
    if (this.i < this.tokens.length - 1) this.i += 1;
    return t;
  }
  is(kind: Kind, value?: string) {
    return this.cur.kind === kind && (value === undefined || this.cur.value === value);
  }
  isOp(value: string) {
    return this.is('op', value);
  }
  skipIf(kind: Kind, value?: string) {
    if (!this.is(kind, value)) return false;
    this.next();
    return true;
  }
  expect(kind: Kind, value?: string) {
    if (this.is(kind, value)) return this.next();
    const want = value ?? END_NAMES[kind] ?? kind;
    if (this.cur.kind === 'eof') throw new TemplateSyntaxError(`unexpected end of template, expected '${want}'.`, this.cur.line);
    throw new TemplateSyntaxError(`expected token '${want}', got '${describe(this.cur)}'`, this.cur.line);
  }
  fail(message: string): never {
    throw new TemplateSyntaxError(message, this.cur.line);
  }
  atEnd() {
    return this.is('variable_end') || this.is('block_end') || this.is('eof');
  }

  /** A comma-separated tuple (or one expression); "Expected an expression" when there is none. */
  tuple(opts: { condexpr?: boolean; simplified?: boolean; extraEnd?: string[]; explicitParens?: boolean } = {}) {
    let count = 0;
    let trailingComma = false;
    for (;;) {
      if (count > 0) {
        if (!this.skipIf('op', ',')) break;
        trailingComma = true;
      }
      if (this.atEnd() || this.isOp(')') || (this.is('name') && opts.extraEnd?.includes(this.cur.value))) break;
      if (opts.simplified) this.primary();
      else if (opts.condexpr === false) this.or();
      else this.expression();
      trailingComma = false;
      count += 1;
    }
    if (count === 0 && !opts.explicitParens) this.fail(`Expected an expression, got '${describe(this.cur)}'`);
    return { count, trailingComma };
  }
  expression() {
    this.or();
    while (this.skipIf('name', 'if')) {
      this.or();
      if (this.skipIf('name', 'else')) this.expression();
    }
  }
  or() {
    this.and();
    while (this.skipIf('name', 'or')) this.and();
  }
  and() {
    this.not();
    while (this.skipIf('name', 'and')) this.not();
  }
  not(): void {
    if (this.skipIf('name', 'not')) return this.not();
    this.compare();
  }
  compare() {
    this.math1();
    for (;;) {
      if (['==', '!=', '>', '>=', '<', '<='].some((o) => this.isOp(o))) this.next();
      else if (this.skipIf('name', 'in')) {
        /* member test */
      } else if (this.is('name', 'not') && this.tokens[this.i + 1]?.kind === 'name' && this.tokens[this.i + 1]?.value === 'in') {
        this.next();
        this.next();
      } else break;
      this.math1();
    }
  }
  math1() {
    this.concat();
    while (this.isOp('+') || this.isOp('-')) {
      this.next();
      this.concat();
    }
  }
  concat() {
    this.math2();
    while (this.skipIf('op', '~')) this.math2();
  }
  math2() {
    this.pow();
    while (['*', '/', '//', '%'].some((o) => this.isOp(o))) {
      this.next();
      this.pow();
    }
  }
  pow() {
    this.unary();
    while (this.skipIf('op', '**')) this.unary();
  }
  unary() {
    if (this.isOp('-') || this.isOp('+')) {
      this.next();
      this.unary();
    } else this.primary();
    this.postfix();
    this.filtersAndTests();
  }
  primary() {
    const t = this.cur;
    if (t.kind === 'name' || t.kind === 'integer' || t.kind === 'float') return void this.next();
    if (t.kind === 'string') {
      while (this.is('string')) this.next();
      return;
    }
    if (this.skipIf('op', '(')) {
      this.tuple({ explicitParens: true });
      this.expect('op', ')');
      return;
    }
    if (this.skipIf('op', '[')) {
      while (!this.isOp(']')) {
        if (this.atEnd()) break;
        this.expression();
        if (!this.skipIf('op', ',')) break;
      }
      this.expect('op', ']');
      return;
    }
    if (this.skipIf('op', '{')) {
      while (!this.isOp('}')) {
        if (this.atEnd()) break;
        this.expression();
        this.expect('op', ':');
        this.expression();
        if (!this.skipIf('op', ',')) break;
      }
      this.expect('op', '}');
      return;
    }
    this.fail(`unexpected '${describe(t)}'`);
  }
  postfix() {
    for (;;) {
      if (this.skipIf('op', '.')) {
        if (this.is('name') || this.is('integer')) this.next();
        else this.fail('expected name or number');
      } else if (this.skipIf('op', '[')) {
        this.subscript();
        while (this.skipIf('op', ',')) if (!this.isOp(']')) this.subscript();
        this.expect('op', ']');
      } else if (this.isOp('(')) this.call();
      else break;
    }
  }
  subscript() {
    if (!this.isOp(':')) this.expression();
    if (this.skipIf('op', ':')) {
      if (!this.isOp(']') && !this.isOp(',') && !this.isOp(':')) this.expression();
      if (this.skipIf('op', ':') && !this.isOp(']') && !this.isOp(',')) this.expression();
    }
  }
  call() {
    this.expect('op', '(');
    while (!this.isOp(')')) {
      if (this.atEnd()) break;
      if (this.skipIf('op', '**') || this.skipIf('op', '*')) this.expression();
      else {
        if (this.is('name') && this.tokens[this.i + 1]?.value === '=' && this.tokens[this.i + 1]?.kind === 'op') {
          this.next();
          this.next();
        }
        this.expression();
      }
      if (!this.skipIf('op', ',')) break;
    }
    this.expect('op', ')');
  }
  filtersAndTests() {
    for (;;) {
      if (this.skipIf('op', '|')) {
        this.expect('name');
        while (this.skipIf('op', '.')) this.expect('name');
        if (this.isOp('(')) this.call();
      } else if (this.skipIf('name', 'is')) {
        this.skipIf('name', 'not');
        this.expect('name');
        while (this.skipIf('op', '.')) this.expect('name');
        if (this.isOp('(')) this.call();
        else if (['name', 'string', 'integer', 'float'].includes(this.cur.kind) && !['else', 'or', 'and', 'if', 'is', 'in', 'not'].includes(this.cur.value)) {
          this.primary();
          this.postfix();
        }
      } else break;
    }
  }
  /** for-loop and set targets: names, dotted names (set only), tuples of them. */
  target() {
    this.tuple({ simplified: true, extraEnd: ['in'] });
  }
  end(kind: Kind) {
    this.expect(kind);
  }
}

/** The end tags each block statement waits for, as Jinja lists them. */
const BLOCK_ENDS: Record<string, string[]> = {
  if: ['elif', 'else', 'endif'],
  for: ['endfor', 'else'],
  macro: ['endmacro'],
  call: ['endcall'],
  filter: ['endfilter'],
  set: ['endset'],
  with: ['endwith'],
  block: ['endblock'],
  autoescape: ['endautoescape'],
  trans: ['pluralize', 'endtrans'],
};
const SIMPLE_TAGS = new Set(['extends', 'include', 'import', 'from', 'print']);

interface OpenBlock {
  tag: string;
  ends: string[];
  depth: number;
}

/** Null when the template is valid; otherwise Jinja's message and line (0 for Prefect's loop limits). */
export function validateTemplate(src: string): TemplateError | null {
  try {
    check(src);
    return null;
  } catch (e) {
    if (e instanceof TemplateSyntaxError) return { line: e.line, message: e.message };
    // Expressions nested thousands deep exhaust the parser's stack (Python's parser would fail too).
    if (e instanceof RangeError) return { line: 1, message: 'Template expressions are nested too deeply.' };
    throw e;
  }
}

function check(src: string) {
  const blocks = lex(src);
  const stack: OpenBlock[] = [];
  let loops = 0;
  let maxDepth = 0;
  const loopDepth = () => stack.filter((b) => b.tag === 'for').length;
  const failTag = (name: string | null, line: number): never => {
    const expected = new Set(stack.flatMap((b) => b.ends));
    const top = stack.at(-1);
    const message = [name === null ? 'Unexpected end of template.' : `Encountered unknown tag '${name}'.`];
    if (top) {
      const looking = top.ends.map((x) => `'${x}'`).join(' or ');
      message.push(
        name !== null && expected.has(name)
          ? `You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for ${looking}.`
          : `Jinja was looking for the following tags: ${looking}.`,
      );
      message.push(`The innermost block that needs to be closed is '${top.tag}'.`);
    }
    throw new TemplateSyntaxError(message.join(' '), line);
  };

  for (const tokens of blocks) {
    const p = new Expr([...tokens, { kind: 'eof', value: '', line: tokens.at(-1)?.line ?? 1 }]);
    if (tokens.at(-1)?.kind === 'variable_end') {
      p.tuple();
      p.end('variable_end');
      continue;
    }
    const tagToken = p.cur;
    if (tagToken.kind !== 'name') p.fail('tag name expected');
    const tag = p.next().value;
    const top = stack.at(-1);
    if (top?.ends.includes(tag)) {
      // A block's middle or end tag.
      if (tag === 'elif') {
        p.tuple({ condexpr: false });
      } else if (tag === 'else') {
        top.ends = top.tag === 'if' ? ['endif'] : top.tag === 'for' ? ['endfor'] : top.ends;
      } else if (tag === 'pluralize') {
        top.ends = ['endtrans'];
      } else {
        if (tag === 'endblock') p.skipIf('name');
        stack.pop();
      }
      p.end('block_end');
      continue;
    }
    if (BLOCK_ENDS[tag]) {
      const open: OpenBlock = { tag, ends: [...BLOCK_ENDS[tag]], depth: 0 };
      if (tag === 'if') p.tuple({ condexpr: false });
      else if (tag === 'for') {
        p.target();
        p.expect('name', 'in');
        p.tuple({ condexpr: false, extraEnd: ['recursive'] });
        if (p.skipIf('name', 'if')) p.expression();
        p.skipIf('name', 'recursive');
        loops += 1;
        maxDepth = Math.max(maxDepth, loopDepth() + 1);
      } else if (tag === 'set') {
        p.target();
        if (p.skipIf('op', '=')) {
          p.tuple();
          p.end('block_end');
          continue; // `{% set x = … %}` has no body
        }
        while (p.skipIf('op', '|')) {
          p.expect('name');
          if (p.isOp('(')) p.call();
        }
      } else if (tag === 'with') {
        while (!p.atEnd()) {
          p.target();
          p.expect('op', '=');
          p.expression();
          if (!p.skipIf('op', ',')) break;
        }
      } else if (tag === 'autoescape') p.expression();
      else if (tag === 'block') {
        p.expect('name');
        while (p.is('name')) p.next();
      } else {
        // macro, call, filter, trans: their headers are rare in automation templates; skip to the end.
        while (!p.atEnd()) p.next();
      }
      p.end('block_end');
      stack.push(open);
      continue;
    }
    if (SIMPLE_TAGS.has(tag)) {
      if (tag === 'print') p.tuple();
      else while (!p.atEnd()) p.next();
      p.end('block_end');
      continue;
    }
    failTag(tag, tagToken.line);
  }
  // Jinja's end of template carries the line where the last token (the text after the last tag) starts.
  if (stack.length) failTag(null, blocks.at(-1)?.at(-1)?.line ?? 1);
  if (loops > MAX_LOOP_COUNT) {
    throw new TemplateSyntaxError(`Contains ${loops} for loops. Templates can contain no more than ${MAX_LOOP_COUNT} for loops.`, 0);
  }
  if (maxDepth > MAX_NESTED_LOOP_DEPTH) {
    throw new TemplateSyntaxError(
      `Contains nested for loops at a depth of ${maxDepth}. Templates can nest for loops no more than ${MAX_NESTED_LOOP_DEPTH} loops deep.`,
      0,
    );
  }
}
