import { app } from '@azure/functions';
import { context, propagation } from '@opentelemetry/api';
import { type AzureMonitorPlan, azureMonitorPlan } from '../lib/telemetry/azureMonitor';
import { enableStructuredLogs } from '../lib/telemetry/structuredLogs';

/**
 * Registers OpenTelemetry with the Azure Monitor exporter, only when App Insights is configured (see
 * `azureMonitorPlan`): locally nothing is registered, nothing is sent and the logs stay console text.
 *
 * Then:
 * - the app's metrics and run-completed event (lib/telemetry/metrics.ts) are exported;
 * - every logger line becomes a log record with its properties as attributes (custom dimensions), with the
 *   invocation id, and the host stops forwarding the same lines as text (`WorkerOpenTelemetryEnabled`,
 *   host.json `telemetryMode: OpenTelemetry`);
 * - each invocation runs inside the host's trace context, so its records share the host's operation id.
 *
 * The last two are what `@azure/functions-opentelemetry-instrumentation` does; done here instead because
 * its log hook forwards each line's text only, which would duplicate the structured records above.
 */
const plan = azureMonitorPlan(process.env);
if (plan !== undefined) {
  // Required here, not imported: see startAzureMonitor.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const distro = require('../lib/telemetry/startAzureMonitor') as {
    startAzureMonitor: (plan: AzureMonitorPlan) => void;
  };
  distro.startAzureMonitor(plan);
  app.setup({ capabilities: { WorkerOpenTelemetryEnabled: true } });
  enableStructuredLogs();
  app.hook.preInvocation((hook) => {
    const trace = hook.invocationContext.traceContext;
    if (trace?.traceParent === undefined) return;
    const carrier: Record<string, string> = { traceparent: trace.traceParent };
    if (trace.traceState !== undefined) carrier.tracestate = trace.traceState;
    hook.functionHandler = context.bind(propagation.extract(context.active(), carrier), hook.functionHandler);
  });
}
