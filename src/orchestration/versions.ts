/**
 * Version checks that orchestration rules make: the X-Prefect-API-Version header (three integers,
 * absent = latest) and the Prefect client version from the User-Agent (PEP 440-ish, parsed leniently).
 */
export type ApiVersion = readonly [number, number, number] | null;

/** True when the API version is absent (latest) or at least `min`. */
export function apiVersionAtLeast(version: ApiVersion, min: readonly [number, number, number]): boolean {
  if (version === null) return true;
  for (let i = 0; i < 3; i += 1) {
    const d = (version[i] ?? 0) - (min[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/**
 * Compares a client version with a plain release `x.y.z`. Pre-releases and dev releases
 * (`3.4.11rc1`, `3.4.11.dev2`) sort before their release; post and local versions do not.
 * An unknown version counts as 2.0.0, as Prefect does for clients that send no User-Agent.
 */
export function clientVersionAtLeast(version: string | null, min: readonly [number, number, number]): boolean {
  const m = version === null ? null : /^(\d+)\.(\d+)\.(\d+)(.*)$/.exec(version);
  const release = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [2, 0, 0];
  for (let i = 0; i < 3; i += 1) {
    const d = (release[i] ?? 0) - (min[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  const suffix = m?.[4] ?? '';
  return !/^\.?(a|b|c|rc|alpha|beta|pre|preview|dev)/i.test(suffix);
}
