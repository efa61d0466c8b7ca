import { metrics } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { describe, expect, it } from 'vitest';
import { structuredLogsEnabled } from '../../../lib/telemetry/structuredLogs';

describe('telemetry registration without App Insights settings (local runs, tests, the dev host)', () => {
  it('registers no provider and no structured logs, so nothing is exported or sent', async () => {
    delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
    const globalMeterBefore = metrics.getMeterProvider();
    await import('../../../functions/telemetry.js');
    expect(structuredLogsEnabled()).toBe(false);
    // Still the API's no-op providers: every metric, event and log record call does nothing.
    expect(metrics.getMeterProvider()).toBe(globalMeterBefore);
    expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
    // The logs API hands out a proxy until a provider is set; none was.
    expect(logs.getLoggerProvider().constructor.name).toBe('ProxyLoggerProvider');
  });
});
