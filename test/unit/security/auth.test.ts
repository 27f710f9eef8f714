import { describe, expect, it } from 'vitest';
import {
  allowsUnauthenticated,
  credentialsFrom,
  hasCredentials,
  isAuthorized,
  isLocalRequest,
  isLoopbackHost,
} from '../../../src/http/auth';

/** What the Prefect client sends for PREFECT_API_AUTH_STRING: base64 of the UTF-8 string. */
const basic = (authString: string) => `Basic ${Buffer.from(authString, 'utf8').toString('base64')}`;

describe('credentialsFrom', () => {
  it('splits PREFECT_API_KEYS on commas and drops blanks', () => {
    expect(credentialsFrom({ PREFECT_API_KEYS: ' k1, k2 ,,k3 ' }).apiKeys).toEqual(['k1', 'k2', 'k3']);
    expect(credentialsFrom({ PREFECT_API_KEYS: ' , ' }).apiKeys).toEqual([]);
  });

  it('treats a blank auth string as absent', () => {
    expect(credentialsFrom({ PREFECT_API_AUTH_STRING: '  ' }).authString).toBeNull();
    expect(credentialsFrom({ PREFECT_API_AUTH_STRING: 'admin:pw\n' }).authString).toBe('admin:pw');
  });

  it('knows when nothing is configured', () => {
    expect(hasCredentials(credentialsFrom({}))).toBe(false);
    expect(hasCredentials(credentialsFrom({ PREFECT_API_KEYS: '', PREFECT_API_AUTH_STRING: '' }))).toBe(false);
    expect(hasCredentials(credentialsFrom({ PREFECT_API_KEYS: 'k' }))).toBe(true);
    expect(hasCredentials(credentialsFrom({ PREFECT_API_AUTH_STRING: 'a:b' }))).toBe(true);
  });

  it('opens only on an explicit "true"', () => {
    expect(allowsUnauthenticated({ ALLOW_UNAUTHENTICATED: 'true' })).toBe(true);
    expect(allowsUnauthenticated({ ALLOW_UNAUTHENTICATED: ' TRUE ' })).toBe(true);
    for (const v of [undefined, '', 'false', '1', 'yes']) expect(allowsUnauthenticated({ ALLOW_UNAUTHENTICATED: v })).toBe(false);
  });
});

describe('isAuthorized', () => {
  const keys = credentialsFrom({ PREFECT_API_KEYS: 'key-one,key-two' });
  const authString = credentialsFrom({ PREFECT_API_AUTH_STRING: 'admin:s3cret' });
  const both = credentialsFrom({ PREFECT_API_KEYS: 'key-one', PREFECT_API_AUTH_STRING: 'admin:s3cret' });

  it('accepts any configured key as a Bearer token', async () => {
    expect(await isAuthorized('Bearer key-one', keys)).toBe(true);
    expect(await isAuthorized('Bearer key-two', keys)).toBe(true);
    expect(await isAuthorized('bearer key-two', keys)).toBe(true);
    expect(await isAuthorized('  Bearer   key-two  ', keys)).toBe(true);
  });

  it('rejects wrong, partial, extended and missing keys', async () => {
    for (const h of ['Bearer key-three', 'Bearer key-on', 'Bearer key-one2', 'Bearer ', 'Bearer', '', 'key-one', 'Bearer key-one extra']) {
      expect(await isAuthorized(h, keys), h).toBe(false);
    }
    expect(await isAuthorized(undefined, keys)).toBe(false);
    expect(await isAuthorized(null, keys)).toBe(false);
  });

  it('accepts the auth string the way the Prefect client encodes it', async () => {
    expect(await isAuthorized(basic('admin:s3cret'), authString)).toBe(true);
    expect(await isAuthorized(basic('admin:s3cret'), both)).toBe(true);
    const unicode = credentialsFrom({ PREFECT_API_AUTH_STRING: 'ünïcödé:pässwörd' });
    expect(await isAuthorized(basic('ünïcödé:pässwörd'), unicode)).toBe(true);
  });

  it('rejects a wrong or malformed Basic credential', async () => {
    expect(await isAuthorized(basic('admin:wrong'), authString)).toBe(false);
    expect(await isAuthorized(basic('admin:s3cret '), authString)).toBe(false);
    expect(await isAuthorized('Basic not*base64', authString)).toBe(false);
    expect(await isAuthorized(`Basic ${btoa('\xff\xfe')}`, authString)).toBe(false); // not UTF-8
    expect(await isAuthorized('Basic', authString)).toBe(false);
  });

  it('does not let one scheme stand in for the other', async () => {
    expect(await isAuthorized('Bearer admin:s3cret', authString)).toBe(false);
    expect(await isAuthorized(basic('key-one'), keys)).toBe(false);
    expect(await isAuthorized('Digest key-one', keys)).toBe(false);
  });
});

describe('local requests', () => {
  it('recognises loopback hostnames only', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['edge.test', 'example.com', '10.0.0.1', '0.0.0.0', 'localhost.example.com', '127.0.0.1.nip.io', '[::2]']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('uses the URL as parsed, so other spellings of 127.0.0.1 count too', () => {
    expect(isLocalRequest(new Request('http://2130706433:8787/api/flows'))).toBe(true);
    expect(isLocalRequest(new Request('http://[::1]:8787/'))).toBe(true);
  });

  it('is remote when the client address says so', () => {
    const req = (ip: string) => new Request('http://localhost:8787/', { headers: { 'cf-connecting-ip': ip } });
    expect(isLocalRequest(req('127.0.0.1'))).toBe(true);
    expect(isLocalRequest(req('::1'))).toBe(true);
    expect(isLocalRequest(req('203.0.113.9'))).toBe(false);
    expect(isLocalRequest(new Request('https://prefect.example.com/api/flows'))).toBe(false);
  });
});
