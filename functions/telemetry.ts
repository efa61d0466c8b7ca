import { AzureFunctionsInstrumentation } from '@azure/functions-opentelemetry-instrumentation';
import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { azureMonitorPlan, exporterCredential } from '../lib/telemetry/azureMonitor';

/**
 * Registers OpenTelemetry with the Azure Monitor exporter, only when App Insights is configured (see
 * `azureMonitorPlan`). Then the app's metrics and run events (lib/telemetry/metrics.ts) and every
 * `context.log` line reach Application Insights with their properties as custom dimensions, and the host's
 * trace context is carried into each invocation (host.json `telemetryMode: OpenTelemetry`).
 */
const plan = azureMonitorPlan(process.env);
if (plan !== undefined) {
  const credential = exporterCredential(plan);
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString: plan.connectionString,
      ...(credential === undefined ? {} : { credential }),
    },
    instrumentationOptions: {
      // Off: Graph request paths carry user principal names, which must not become dependency telemetry.
      http: { enabled: false },
    },
  });
  registerInstrumentations({ instrumentations: [new AzureFunctionsInstrumentation()] });
  // The instrumentation patches `@azure/functions` when it is required. Other entry files may have loaded
  // it already (the worker loads them in no fixed order), so require it once more now; app setup is still
  // open until every entry file has loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@azure/functions');
}
