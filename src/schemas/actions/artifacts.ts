/** ArtifactCreate / ArtifactUpdate (Prefect 3.9.1 schemas/actions.py). */
import * as v from 'valibot';
import { dict, issueMessage, model, opt, str, uuid } from '../common';

const METADATA_VALUE_MAX = 500;

/** ArtifactKey: lowercase letters, digits and dashes; Python's `$` also lets one final newline through. */
const artifactKey = () =>
  v.pipe(
    str(),
    v.check(
      (s) => /^[a-z0-9-]*\n?$/.test(s),
      issueMessage('value_error', 'Value error, Artifact key must only contain lowercase letters, numbers, and dashes.', { error: {} }),
    ),
  );

/** String-to-string metadata; a value longer than 500 characters is cut there and gets "..." (not an error). */
const metadata = () =>
  v.pipe(
    dict(str()),
    v.transform((m: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(m).map(([k, value]) => {
          const chars = [...value];
          return [k, chars.length > METADATA_VALUE_MAX ? `${chars.slice(0, METADATA_VALUE_MAX).join('')}...` : value];
        }),
      ),
    ),
  );

export const ArtifactCreate = model({
  key: opt(artifactKey()),
  type: opt(str()),
  description: opt(str()),
  data: v.optional(v.unknown()),
  metadata_: opt(metadata()),
  flow_run_id: opt(uuid()),
  task_run_id: opt(uuid()),
});
export type ArtifactCreate = v.InferOutput<typeof ArtifactCreate>;

/** Only the keys sent are written (an explicit null clears the field). */
export const ArtifactUpdate = model({
  data: v.optional(v.unknown()),
  description: v.optional(v.nullable(str())),
  metadata_: v.optional(v.nullable(metadata())),
});
export type ArtifactUpdate = v.InferOutput<typeof ArtifactUpdate>;
