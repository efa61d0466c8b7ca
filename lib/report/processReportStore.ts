import { createBlobReportStore, type ReportStore } from './blobReportStore';
import { loadReportSettings, type ReportSettings } from './settings';

/** One blob client per process (it pools connections); settings are read once, on first use. */
let settings: ReportSettings | undefined;
let store: ReportStore | undefined;

export function processReportSettings(): ReportSettings {
  settings ??= loadReportSettings(process.env);
  return settings;
}

export function processReportStore(): ReportStore {
  store ??= createBlobReportStore(processReportSettings());
  return store;
}
