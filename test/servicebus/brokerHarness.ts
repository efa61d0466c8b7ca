import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseBrokerConfig,
  startServiceBusBroker,
  type BrokerConfigInput,
  type RunningBroker,
} from '../../dev/servicebus-broker';

/** A broker on a random port with its own data directory; `restart` keeps the directory. */
export class BrokerHarness {
  broker: RunningBroker | undefined;

  private constructor(
    readonly dataDir: string,
    private readonly config: BrokerConfigInput,
  ) {}

  static async start(config: BrokerConfigInput): Promise<BrokerHarness> {
    const dataDir = await mkdtemp(join(tmpdir(), 'sb-broker-'));
    const harness = new BrokerHarness(dataDir, config);
    await harness.restart();
    return harness;
  }

  get connectionString(): string {
    if (this.broker === undefined) throw new Error('broker not running');
    return this.broker.connectionString;
  }

  async restart(): Promise<void> {
    const port = this.broker?.port ?? 0;
    await this.broker?.stop();
    this.broker = await startServiceBusBroker({
      queues: parseBrokerConfig(this.config),
      dataDir: this.dataDir,
      port,
      tickMs: 50,
    });
  }

  async stop(): Promise<void> {
    await this.broker?.stop();
    this.broker = undefined;
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
