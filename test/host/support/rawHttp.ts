import { connect, type Socket } from 'node:net';

/** What came back on a raw connection: the status line's code, the head, and whether the host closed it. */
export interface RawAnswer {
  status: number;
  head: string;
  body: string;
  closedByHost: boolean;
}

/**
 * Sends `head` (and optionally `body` chunks) over a plain TCP connection, for requests fetch will not send
 * (malformed Host, a declared length never delivered). Resolves when the host answered and then either
 * closed the connection or `settleMs` passed.
 */
export function rawRequest(
  port: number,
  head: string,
  options: { body?: Buffer; keepSendingBytes?: number; settleMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let settleTimer: NodeJS.Timeout | undefined;
    const finish = (closedByHost: boolean): void => {
      clearTimeout(settleTimer);
      const end = received.indexOf('\r\n\r\n');
      const headText = end < 0 ? received : received.slice(0, end);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1] ?? 0),
        head: headText,
        body: end < 0 ? '' : received.slice(end + 4),
        closedByHost,
      });
      socket.destroy();
    };
    socket.on('connect', () => {
      socket.write(head);
      if (options.body) socket.write(options.body);
      let left = options.keepSendingBytes ?? 0;
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (left > 0 && !socket.destroyed) {
          left -= chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (received.includes('\r\n\r\n') && settleTimer === undefined) {
        settleTimer = setTimeout(() => finish(false), options.settleMs ?? 3_000);
      }
    });
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer arrived is the host closing a connection whose body it will not read.
      if (received.includes('\r\n\r\n')) finish(true);
      else reject(error);
    });
  });
}
