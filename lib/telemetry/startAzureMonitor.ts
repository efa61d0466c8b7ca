import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import { type AzureMonitorPlan, exporterCredential } from './azureMonitor';

/**
 * Registers the Azure Monitor OpenTelemetry distro (global meter, logger and tracer providers). Loaded only
 * when App Insights is configured: the distro takes about a second to load, which local runs need not pay.
 */
export function startAzureMonitor(plan: AzureMonitorPlan): void {
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
}
