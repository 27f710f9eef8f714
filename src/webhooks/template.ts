/**
 * Webhook templates: Jinja text rendered with @huggingface/jinja, an interpreter (no eval, so it runs on
 * Workers). The context is Prefect Cloud's: `method`, `headers` (looked up in any case), `body`, plus
 * `query` (ours). `range` is capped so a template cannot spin a Worker on a huge loop by itself.
 *
 * The library has no way to add a filter, so Cloud's `from_cloud_event` filter is rewritten in the
 * parsed template into a call of a function of the same name (`x|f(a)` → `f(x, a)`).
 */
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { cloudEventToEvent } from './cloud-events';

/** Largest `range()` a template may build. */
export const MAX_RANGE = 10_000;

export interface HookContext {
  method: string;
  /** Header names in lowercase (as Workers give them). */
  headers: Record<string, string>;
  body: unknown;
  query: Record<string, string>;
}

/** null when the text parses as a template, else the parser's message. */
export function templateSyntaxError(text: string): string | null {
  try {
    new Template(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** A Map whose string keys are matched in any case: Cloud's case-insensitive `headers`. */
class CaseInsensitiveMap<V> extends Map<string, V> {
  override get(key: string): V | undefined {
    return super.get(typeof key === 'string' ? key.toLowerCase() : key);
  }
  override has(key: string): boolean {
    return super.has(typeof key === 'string' ? key.toLowerCase() : key);
  }
}

function range(...args: number[]): number[] {
  const [start, stop, step = 1] = args.length === 1 ? [0, args[0] ?? 0] : args;
  if (![start, stop, step].every((n) => Number.isInteger(n)) || step === 0) throw new Error('range() takes integers and a non-zero step');
  const size = Math.max(0, Math.ceil(((stop as number) - (start as number)) / step));
  if (size > MAX_RANGE) throw new Error(`range() of ${size} items is over the limit of ${MAX_RANGE}`);
  return Array.from({ length: size }, (_, i) => (start as number) + i * step);
}

/** Filters we provide as functions: the operand becomes the first argument. */
const FUNCTION_FILTERS = new Set(['from_cloud_event']);

type Node = Record<string, unknown>;
const isNode = (x: unknown): x is Node => typeof x === 'object' && x !== null;

/** Rewrites `x|f(args)` and `x|f` into `f(x, args)` for our function filters, in place. */
function rewriteFunctionFilters(node: unknown, seen = new Set<unknown>()): void {
  if (!isNode(node) || seen.has(node)) return;
  seen.add(node);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const item of value) rewriteFunctionFilters(item, seen);
    else rewriteFunctionFilters(value, seen);
  }
  if (node.type !== 'FilterExpression' || !isNode(node.filter)) return;
  const filter = node.filter;
  const call = filter.type === 'CallExpression' && isNode(filter.callee) ? filter : null;
  const name = (call ? (call.callee as Node) : filter) as Node;
  if (name.type !== 'Identifier' || !FUNCTION_FILTERS.has(String(name.value))) return;
  const args = call && Array.isArray(call.args) ? call.args : [];
  node.type = 'CallExpression';
  node.callee = name;
  node.args = [node.operand, ...args];
  delete node.operand;
  delete node.filter;
}

/** A runtime value's content as plain JSON-like data (objects arrive as Maps of runtime values). */
function plain(x: unknown): unknown {
  if (x instanceof Map) return Object.fromEntries([...x].map(([k, v]) => [k, plain((v as { value: unknown }).value)]));
  if (Array.isArray(x)) return x.map((v) => plain((v as { value: unknown }).value));
  return x;
}

/** Renders the template with the request's context; throws on a syntax or runtime error. */
export function renderTemplate(text: string, context: HookContext): string {
  const template = new Template(text);
  rewriteFunctionFilters(template.parsed);
  const env = new Environment();
  // What Template.render declares, with our capped range.
  for (const [name, value] of [
    ['false', false],
    ['true', true],
    ['none', null],
    ['False', false],
    ['True', true],
    ['None', null],
  ] as const) {
    env.set(name, value);
  }
  env.set('range', range);
  env.set('raise_exception', (message: unknown) => {
    throw new Error(String(message));
  });
  env.set('from_cloud_event', (body: unknown, headers: unknown) => cloudEventToEvent(plain(body), (plain(headers) ?? {}) as Record<string, unknown>));
  env.set('method', context.method);
  env.set('body', context.body);
  env.set('query', context.query);
  const headers = env.set('headers', context.headers) as unknown as { value: Map<string, unknown> };
  headers.value = new CaseInsensitiveMap(headers.value);
  const result = new Interpreter(env).run(template.parsed) as { value: unknown };
  return String(result.value ?? '');
}
