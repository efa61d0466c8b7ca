import type { RpcTypedData } from '../core/coreTypes';

/** Converts a plain value into the typed-data form the host sends to the worker (same rules as the library). */
export function toTypedData(value: unknown): RpcTypedData | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { string: value };
  if (Buffer.isBuffer(value)) return { bytes: value };
  if (value instanceof Uint8Array) return { bytes: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { int: value } : { double: value };
  return { json: JSON.stringify(value) };
}

/** Converts typed data back into a plain value: JSON is parsed, bytes become a Buffer. */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (typeof data.string === 'string') return data.string;
  if (typeof data.json === 'string') return JSON.parse(data.json) as unknown;
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.stream) return Buffer.from(data.stream);
  if (typeof data.int === 'number') return data.int;
  if (typeof data.double === 'number') return data.double;
  return undefined;
}

/** Trigger metadata values (message id, delivery count, ...) in the worker's wire form. */
export function toTriggerMetadata(values: Record<string, unknown> | undefined): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    const typed = toTypedData(value);
    if (typed) metadata[key] = typed;
  }
  return metadata;
}
