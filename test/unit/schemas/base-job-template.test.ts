/** Prefect's validate_base_job_template, as WorkPoolCreate / WorkPoolUpdate apply it. */
import { describe, expect, it } from 'vitest';
import { baseJobTemplateProblem } from '../../../src/schemas/actions/base-job-template';
import { validate } from '../../../src/http/validation';
import { WorkPoolCreate } from '../../../src/schemas/actions/work-pools';
import { RequestValidationError } from '../../../src/http/errors';

const vars = (...names: string[]) => ({ properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])) });

describe('baseJobTemplateProblem', () => {
  it('accepts {} and templates whose placeholders are all declared', () => {
    expect(baseJobTemplateProblem({})).toBeNull();
    expect(baseJobTemplateProblem({ job_configuration: { command: '{{command}}', env: { A: '{{ image }}' } }, variables: vars('command', 'image', 'unused') })).toBeNull();
    // No placeholder at all: nothing to declare.
    expect(baseJobTemplateProblem({ job_configuration: { command: 'run' }, variables: { type: 'object' } })).toBeNull();
  });

  it('needs a truthy job_configuration and variables', () => {
    for (const t of [{ foo: 1 }, { job_configuration: { a: 1 } }, { variables: vars('a') }, { job_configuration: {}, variables: vars('a') }, { job_configuration: { a: 1 }, variables: {} }]) {
      expect(baseJobTemplateProblem(t)).toMatch(/must contain both a `job_configuration` key and a `variables` key/);
    }
  });

  it('names the undeclared placeholders', () => {
    expect(baseJobTemplateProblem({ job_configuration: { command: '{{ a }} {{ b }}' }, variables: vars('a') })).toMatch(/undeclared variable\(s\): b\.$/);
  });

  it('finds placeholders in the JSON text Python sees: non-ASCII is escaped there, so {{ é }} is none', () => {
    expect(baseJobTemplateProblem({ job_configuration: { command: '{{ é }}' }, variables: vars('a') })).toBeNull();
    expect(baseJobTemplateProblem({ job_configuration: { command: ['{{ x.y[0] }}'] }, variables: vars('a') })).toMatch(/x\.y\[0\]/);
  });

  it('is a 422 value_error at base_job_template (where Prefect answers 500 to non-objects)', () => {
    for (const t of [{ foo: 1 }, { job_configuration: ['x'], variables: vars('a') }, { job_configuration: { a: 1 }, variables: ['a'] }, { job_configuration: { a: 1 }, variables: { properties: null } }]) {
      try {
        validate(WorkPoolCreate, { name: 'p', base_job_template: t });
        expect.unreachable(JSON.stringify(t));
      } catch (e) {
        expect((e as RequestValidationError).issues[0]).toMatchObject({ type: 'value_error', loc: ['body', 'base_job_template'] });
      }
    }
  });
});
