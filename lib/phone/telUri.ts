/**
 * RFC 3966 `tel:` URIs as administrators paste them from web pages and vCards:
 * `tel:+46-70-123-45-67`, `tel:+1-201-555-0123;ext=1234`.
 *
 * Only global numbers (`+` and the country code) are read: a local number is only meaningful with its
 * `phone-context`, and an ISDN subaddress (`isub`) addresses something other than the phone itself, so both
 * are refused rather than guessed at. Other parameters (`tgrp`, `trunk-context`, extensions' own) do not
 * change which number is dialled and are dropped. Percent-encoded characters are not expected in a number
 * and are refused.
 */
export type TelUriReading =
  | { kind: 'notTelUri' }
  | { kind: 'refused' }
  /** The number in the plain text form the rest of lib/phone reads (`+46-70-123-45-67;ext=12`). */
  | { kind: 'number'; text: string };

const SCHEME = /^tel:/i;
/** RFC 3966 global-number-digits: `+`, digits and visual separators `-`, `.`, `(`, `)`. */
const GLOBAL_NUMBER = /^\+[0-9\-.()]*[0-9][0-9\-.()]*$/;
const EXTENSION_DIGITS = /^[0-9\-.()]*[0-9][0-9\-.()]*$/;
const REFUSED_PARAMETERS = new Set(['isub', 'phone-context']);

export function readTelUri(text: string): TelUriReading {
  if (!SCHEME.test(text)) return { kind: 'notTelUri' };
  const [number = '', ...parameters] = text.slice('tel:'.length).split(';');
  if (!GLOBAL_NUMBER.test(number)) return { kind: 'refused' };
  let extension: string | undefined;
  for (const parameter of parameters) {
    const [rawName = '', value] = parameter.split('=', 2);
    const name = rawName.toLowerCase();
    if (REFUSED_PARAMETERS.has(name)) return { kind: 'refused' };
    if (name === 'ext') {
      if (extension !== undefined || value === undefined || !EXTENSION_DIGITS.test(value))
        return { kind: 'refused' };
      extension = value.replace(/[-.()]/g, '');
    } else if (!/^[A-Za-z0-9-]+$/.test(name) || /%/.test(parameter)) {
      return { kind: 'refused' };
    }
  }
  return { kind: 'number', text: extension === undefined ? number : `${number};ext=${extension}` };
}
