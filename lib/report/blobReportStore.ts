import { ManagedIdentityCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { type Readable } from 'node:stream';
import { chunkBlobName, runPrefix } from './blobNames';
import { type ReportSettings } from './settings';

/** What the report code needs from blob storage; small so tests and the retention sweep share it. */
export interface ReportStore {
  /** Writes (or overwrites: idempotent) one chunk's JSON Lines. */
  writeChunk(runId: string, chunkIndex: number, jsonLines: string): Promise<void>;
  /** The run's chunk blobs in chunk order; empty when nothing was written yet. */
  listChunks(runId: string): Promise<string[]>;
  /** One chunk blob's content as a stream (never loaded whole into memory). */
  openChunk(blobName: string): Promise<Readable>;
  /** Deletes every report blob last written before `cutoff`; answers how many it deleted. */
  deleteOlderThan(cutoff: Date): Promise<number>;
}

export function createBlobReportStore(settings: ReportSettings): ReportStore {
  return new BlobReportStore(containerClientFor(settings));
}

function containerClientFor(settings: ReportSettings): ContainerClient {
  const { connection } = settings;
  const service =
    connection.kind === 'connectionString'
      ? BlobServiceClient.fromConnectionString(connection.connectionString)
      : new BlobServiceClient(connection.serviceUrl, identityCredential(connection.clientId));
  return service.getContainerClient(settings.container);
}

function identityCredential(clientId: string | undefined): TokenCredential {
  // A user-assigned identity is named by its client id (as the Functions host's own
  // AzureWebJobsStorage__clientId); without one, the default chain (system-assigned MI, developer sign-in).
  return clientId === undefined ? new DefaultAzureCredential() : new ManagedIdentityCredential({ clientId });
}

class BlobReportStore implements ReportStore {
  private containerReady: Promise<unknown> | undefined;

  constructor(private readonly container: ContainerClient) {}

  async writeChunk(runId: string, chunkIndex: number, jsonLines: string): Promise<void> {
    await this.ensureContainer();
    const body = Buffer.from(jsonLines, 'utf8');
    await this.container.getBlockBlobClient(chunkBlobName(runId, chunkIndex)).upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: 'application/x-ndjson; charset=utf-8' },
    });
  }

  async listChunks(runId: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix: runPrefix(runId) }))
        names.push(blob.name);
    } catch (error) {
      if (isContainerMissing(error)) return [];
      throw error;
    }
    // The service lists in lexicographic order already; sorting again keeps that a guarantee of ours.
    return names.sort();
  }

  async openChunk(blobName: string): Promise<Readable> {
    const download = await this.container.getBlobClient(blobName).download();
    const stream = download.readableStreamBody;
    if (stream === undefined) throw new Error(`blob ${blobName} has no body stream`);
    return stream as Readable;
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    let deleted = 0;
    try {
      for await (const blob of this.container.listBlobsFlat()) {
        if (blob.properties.lastModified < cutoff) {
          await this.container
            .deleteBlob(blob.name, { deleteSnapshots: 'include' })
            .catch((error: unknown) => {
              if (!isNotFound(error)) throw error;
            });
          deleted += 1;
        }
      }
    } catch (error) {
      if (isContainerMissing(error)) return deleted;
      throw error;
    }
    return deleted;
  }

  private ensureContainer(): Promise<unknown> {
    this.containerReady ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.containerReady = undefined; // try again on the next write
      throw error;
    });
    return this.containerReady;
  }
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' &&
    error !== null &&
    'statusCode' in error &&
    typeof error.statusCode === 'number'
    ? error.statusCode
    : undefined;
}

function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

function isContainerMissing(error: unknown): boolean {
  return isNotFound(error);
}
