import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lib/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('settings (issue 2: every setting read once, validated, named when wrong)', () => {
  it('has safe defaults: extensionAttribute15 → mobile, keep, skip masked, no dry-run, managed identity', () => {
    const config = loadConfig({});
    expect(config.policy).toEqual({
      sourceAttribute: 'onPremisesExtensionAttributes.extensionAttribute15',
      phoneType: 'mobile',
      defaultCountry: null,
      emptyAttribute: 'keep',
      maskedRead: 'skip',
    });
    expect(config.dryRunDefault).toBe(false);
    expect(config.graph).toMatchObject({
      baseUrl: 'https://graph.microsoft.com/v1.0',
      scope: 'https://graph.microsoft.com/.default',
      auth: { mode: 'managedIdentity' },
      writeLimit: { writes: 2880, perMs: 150_000 },
    });
    expect(config.legacySecret).toBeNull();
  });

  it('reads every setting', () => {
    const config = loadConfig({
      SYNC_SOURCE_ATTRIBUTE: 'mobilePhone',
      SYNC_PHONE_TYPE: 'alternateMobile',
      SYNC_DEFAULT_COUNTRY: 'se',
      SYNC_EMPTY_ATTRIBUTE: 'REMOVE',
      SYNC_MASKED_READ: 'overwrite',
      SYNC_DRY_RUN_DEFAULT: 'true',
      SYNC_MAX_USERS_PER_REQUEST: '500',
      SYNC_CHUNK_SIZE: '50',
      SYNC_PARALLEL_CHUNKS: '4',
      SYNC_RETRY_MAX_ATTEMPTS: '7',
      GRAPH_BASE_URL: 'https://127.0.0.1:8080/v1.0/',
      GRAPH_AUTH_MODE: 'clientSecret',
      AZURE_TENANT_ID: 't',
      AZURE_CLIENT_ID: 'c',
      AZURE_CLIENT_SECRET: 's',
      AZURE_AUTHORITY_HOST: 'https://127.0.0.1:8443',
      GRAPH_WRITES_PER_150S: '1000',
      SYNC_LEGACY_SECRET_HEADER: 'Message',
      SYNC_LEGACY_SECRET: 'a-long-enough-secret',
    });
    expect(config.policy).toEqual({
      sourceAttribute: 'mobilePhone',
      phoneType: 'alternateMobile',
      defaultCountry: 'SE',
      emptyAttribute: 'remove',
      maskedRead: 'overwrite',
    });
    expect(config.dryRunDefault).toBe(true);
    expect(config.limits).toMatchObject({ maxUsersPerRequest: 500, chunkSize: 50, parallelChunks: 4 });
    expect(config.retry.maxAttempts).toBe(7);
    expect(config.graph.baseUrl).toBe('https://127.0.0.1:8080/v1.0');
    expect(config.graph.auth).toEqual({
      mode: 'clientSecret',
      tenantId: 't',
      clientId: 'c',
      clientSecret: 's',
      authorityHost: 'https://127.0.0.1:8443',
    });
    expect(config.graph.writeLimit.writes).toBe(1000);
    expect(config.legacySecret).toEqual({ headerName: 'Message', secret: 'a-long-enough-secret' });
  });

  it('names every bad setting at once and says what is accepted', () => {
    const problems = problemsOf({
      SYNC_SOURCE_ATTRIBUTE: 'extensionAttribute16',
      SYNC_PHONE_TYPE: 'mobil',
      SYNC_DEFAULT_COUNTRY: 'XX',
      SYNC_EMPTY_ATTRIBUTE: 'delete',
      SYNC_DRY_RUN_DEFAULT: 'perhaps',
      SYNC_CHUNK_SIZE: '0',
      SYNC_PARALLEL_CHUNKS: 'many',
      GRAPH_BASE_URL: 'http://graph.example/v1.0',
      GRAPH_WRITES_PER_150S: '5000',
    });
    const named = problems.map((problem) => problem.split(':')[0]);
    expect(named).toEqual([
      'SYNC_SOURCE_ATTRIBUTE',
      'SYNC_PHONE_TYPE',
      'SYNC_DEFAULT_COUNTRY',
      'SYNC_EMPTY_ATTRIBUTE',
      'SYNC_CHUNK_SIZE',
      'SYNC_PARALLEL_CHUNKS',
      'GRAPH_BASE_URL',
      'GRAPH_WRITES_PER_150S',
      'SYNC_DRY_RUN_DEFAULT',
    ]);
    expect(problems.find((p) => p.startsWith('SYNC_PHONE_TYPE'))).toMatch(/mobile, alternateMobile, office/);
    expect(problems.find((p) => p.startsWith('GRAPH_WRITES_PER_150S'))).toMatch(/from 1 to 2900/);
  });

  it('requires the credentials of the chosen auth mode, without echoing secrets', () => {
    expect(problemsOf({ GRAPH_AUTH_MODE: 'clientSecret' })).toEqual([
      'AZURE_TENANT_ID: required when GRAPH_AUTH_MODE is clientSecret',
      'AZURE_CLIENT_ID: required when GRAPH_AUTH_MODE is clientSecret',
      'AZURE_CLIENT_SECRET: required when GRAPH_AUTH_MODE is clientSecret',
    ]);
    expect(problemsOf({ GRAPH_AUTH_MODE: 'password', AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c' })).toEqual([
      'GRAPH_LEGACY_USERNAME: required when GRAPH_AUTH_MODE is password',
      'GRAPH_LEGACY_PASSWORD: required when GRAPH_AUTH_MODE is password',
    ]);
    const secret = 'short';
    const problems = problemsOf({ SYNC_LEGACY_SECRET_HEADER: 'Message', SYNC_LEGACY_SECRET: secret });
    expect(problems).toEqual(['SYNC_LEGACY_SECRET: must be at least 16 characters']);
    expect(problemsOf({ SYNC_LEGACY_SECRET: 'a-long-enough-secret' })).toEqual([
      'SYNC_LEGACY_SECRET_HEADER and SYNC_LEGACY_SECRET: set both or neither',
    ]);
  });

  it('accepts a user-assigned managed identity client id', () => {
    expect(loadConfig({ AZURE_CLIENT_ID: 'mi-client' }).graph.auth).toEqual({
      mode: 'managedIdentity',
      clientId: 'mi-client',
    });
  });

  it('reports its problems in the thrown message', () => {
    expect(() => loadConfig({ SYNC_PHONE_TYPE: 'pager' })).toThrow(
      /Invalid app settings:\n {2}- SYNC_PHONE_TYPE/,
    );
  });
});
