/**
 * A single pass over raw JSON text that finds structures too deep or lists too long before anything
 * parses, validates or recurses into them. It looks only at brackets, commas, colons and string
 * boundaries, allocates one small frame per open container, and decodes an object key only to report
 * a violation's location. Text that is not valid JSON is left for the parser to reject.
 */

export interface ShapeLimits {
  maxDepth: number;
  /** Per list; Infinity for no cap. */
  maxListLength: number;
}

export type ShapeViolation =
  | { kind: 'depth'; path: (string | number)[]; offset: number }
  | { kind: 'list'; path: (string | number)[]; length: number };

interface Frame {
  isArray: boolean;
  /** Values begun so far (arrays only). */
  count: number;
  /** Objects only: true between `{`/`,` and the next key. */
  expectKey: boolean;
  /** Objects only: where the current key's quoted text starts and ends. */
  keyStart: number;
  keyEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/** Index of the quote that closes the string opened at `start`, or the text length. */
function closingQuote(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    j = text.indexOf('"', j);
    if (j === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return j;
    j += 1;
  }
}

function decodeKey(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}

/** Loc segments of the container at `stack[depth]`: the key or index each one sits at in its parent. */
function pathTo(text: string, stack: Frame[], depth: number): (string | number)[] {
  const path: (string | number)[] = [];
  for (let d = 1; d <= depth; d += 1) {
    const parent = stack[d - 1] as Frame;
    path.push(parent.isArray ? parent.count - 1 : decodeKey(text.slice(parent.keyStart, parent.keyEnd + 1)));
  }
  return path;
}

/** The first limit the text breaks (for a list: with its full length), or null. */
export function inspectJsonShape(text: string, limits: ShapeLimits): ShapeViolation | null {
  const stack: Frame[] = [];
  let depth = -1; // index of the innermost open container
  // The first list found too long: scanning goes on to its end to report its full length.
  let overDepth = -1;
  let overPath: (string | number)[] = [];
  let inScalar = false;

  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    if (ch === SPACE || ch === LF || ch === CR || ch === TAB || ch === COLON) {
      inScalar = false;
      continue;
    }
    if (ch === COMMA) {
      inScalar = false;
      const top = stack[depth];
      if (top !== undefined && !top.isArray) top.expectKey = true;
      continue;
    }
    if (ch === CLOSE_ARRAY || ch === CLOSE_OBJECT) {
      inScalar = false;
      if (depth >= 0 && depth === overDepth) return { kind: 'list', path: overPath, length: (stack[depth] as Frame).count };
      if (depth >= 0) depth -= 1;
      continue;
    }
    const top = stack[depth];
    if (ch === QUOTE) {
      inScalar = false;
      const end = closingQuote(text, i);
      if (top !== undefined && !top.isArray && top.expectKey) {
        top.keyStart = i;
        top.keyEnd = end;
        top.expectKey = false;
        i = end;
        continue;
      }
      i = end;
    } else if (ch !== OPEN_ARRAY && ch !== OPEN_OBJECT) {
      // Inside a number, true, false or null: only its first character begins a value.
      if (inScalar) continue;
      inScalar = true;
    } else {
      inScalar = false;
    }
    // A value begins: count it when its container is a list.
    if (top !== undefined && top.isArray) {
      top.count += 1;
      if (top.count > limits.maxListLength && overDepth === -1) {
        overDepth = depth;
        overPath = pathTo(text, stack, depth);
      }
    }
    if (ch === OPEN_ARRAY || ch === OPEN_OBJECT) {
      depth += 1;
      if (depth + 1 > limits.maxDepth) return { kind: 'depth', path: pathTo(text, stack, depth), offset: i };
      const frame = stack[depth];
      const isArray = ch === OPEN_ARRAY;
      if (frame === undefined) {
        stack.push({ isArray, count: 0, expectKey: !isArray, keyStart: 0, keyEnd: 0 });
      } else {
        // Reuse the frame left by an earlier sibling at this depth.
        frame.isArray = isArray;
        frame.count = 0;
        frame.expectKey = !isArray;
      }
    }
  }
  // Unterminated text: report what was found; the parser rejects the rest.
  return overDepth === -1 ? null : { kind: 'list', path: overPath, length: (stack[overDepth] as Frame).count };
}
