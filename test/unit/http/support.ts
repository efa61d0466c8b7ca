import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { type AppConfig } from '../../../lib/config';
import { httpStart } from '../../../functions/httpStart';
import { FakeRunClient } from '../../support/fakeRunClient';
import { recordForPrivacyScan } from '../../support/privacyGuard';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  bytes: number;
}

/** One POST /api/sync through the real handler, answered as the Functions library would send it. */
export async function post(
  config: AppConfig,
  body: string | Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  client: FakeRunClient = new FakeRunClient(),
): Promise<Answer> {
  const request = new HttpRequest({
    method: 'POST',
    url: 'https://mfa-sync.example/api/sync?code=function-key',
    headers,
    body: typeof body === 'string' ? { string: body } : { bytes: body },
  });
  const result = await httpStart(
    request,
    client,
    new InvocationContext({ functionName: 'httpStart' }),
    config,
  );
  const response = new HttpResponse(result);
  const text = await response.text();
  recordForPrivacyScan('http response', text);
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => (out[key] = value));
  return { status: response.status, headers: out, text, bytes: Buffer.byteLength(text, 'utf8') };
}
