/**
 * The directory attribute that holds the authoritative number (DESIGN.md §3 "Source"), parsed from its
 * configuration spelling into what to `$select` and where to find the value in Graph's answer
 * (reference/graph.md §4).
 */
import { type GraphUser } from '../graph/gateway';

export type SourceAttribute =
  | { kind: 'extensionAttribute'; index: number; select: 'onPremisesExtensionAttributes'; path: string }
  | { kind: 'mobilePhone'; select: 'mobilePhone'; path: 'mobilePhone' }
  | { kind: 'directoryExtension'; select: string; path: string };

const ACCEPTED =
  'Accepted: onPremisesExtensionAttributes.extensionAttribute1 … extensionAttribute15 (or the short form ' +
  'extensionAttribute1 … extensionAttribute15), mobilePhone, or a directory extension ' +
  'extension_<application (client) id as 32 hex digits without dashes>_<name of letters, digits, underscores>.';

// Graph property names are case-insensitive in `$select`, but the JSON answer uses the canonical spelling,
// so specs are matched case-insensitively and turned into the canonical name.
const EXTENSION_ATTRIBUTE = /^(?:onPremisesExtensionAttributes\.)?extensionAttribute([1-9]\d?)$/i;
const DIRECTORY_EXTENSION = /^extension_([0-9a-f]{32})_([A-Za-z0-9_]+)$/i;
const DASHED_APP_ID = /^extension_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_/i;

export function parseSourceAttribute(
  spec: string,
): { ok: true; value: SourceAttribute } | { ok: false; error: string } {
  const text = spec.trim();
  if (text === '') return { ok: false, error: `The source attribute is empty. ${ACCEPTED}` };

  const attribute = EXTENSION_ATTRIBUTE.exec(text);
  if (attribute !== null) {
    const index = Number(attribute[1]);
    if (index < 1 || index > 15) {
      return { ok: false, error: `extensionAttribute${index} does not exist. ${ACCEPTED}` };
    }
    return {
      ok: true,
      value: {
        kind: 'extensionAttribute',
        index,
        select: 'onPremisesExtensionAttributes',
        path: `onPremisesExtensionAttributes.extensionAttribute${index}`,
      },
    };
  }

  if (text.toLowerCase() === 'mobilephone') {
    return { ok: true, value: { kind: 'mobilePhone', select: 'mobilePhone', path: 'mobilePhone' } };
  }

  const extension = DIRECTORY_EXTENSION.exec(text);
  if (extension !== null) {
    // Graph spells the app id in lower case; the name part keeps the case it was registered with.
    const name = `extension_${(extension[1] ?? '').toLowerCase()}_${extension[2] ?? ''}`;
    return { ok: true, value: { kind: 'directoryExtension', select: name, path: name } };
  }

  if (DASHED_APP_ID.test(text)) {
    return {
      ok: false,
      error: `"${text}" spells the application id with dashes; Graph names the property without them. ${ACCEPTED}`,
    };
  }
  return { ok: false, error: `"${text}" is not a supported source attribute. ${ACCEPTED}` };
}

/**
 * The raw attribute value (untrimmed, as Graph returned it), or null when the property is missing, null or
 * not a string.
 */
export function readSourceValue(user: GraphUser, source: SourceAttribute): string | null {
  switch (source.kind) {
    case 'extensionAttribute': {
      const attributes = propertyOf(user, source.select);
      if (typeof attributes !== 'object' || attributes === null) return null;
      return stringOrNull(
        propertyOf(attributes as Record<string, unknown>, `extensionAttribute${source.index}`),
      );
    }
    case 'mobilePhone':
    case 'directoryExtension':
      return stringOrNull(propertyOf(user, source.select));
  }
}

/** Exact property first; a differently cased one (e.g. an extension name typed in other case) second. */
function propertyOf(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
