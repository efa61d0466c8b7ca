/**
 * What the emulated extension hands the worker for orchestrator episodes: how many episodes, how many history
 * events and how many bytes of binding data (history + input). DTFx sends an orchestration's whole history on
 * every episode (reference §3.1), so these numbers are the replay cost of a run's shape: a history that grows
 * with the run shows up here as bytes per user that grow with the run size.
 */
export interface DeliverySnapshot {
  readonly episodes: number;
  readonly historyEvents: number;
  readonly bytes: number;
  /** The largest single episode delivery, in bytes (one orchestration's history and input at its biggest). */
  readonly largestEpisodeBytes: number;
}

export class DeliveryStats {
  private episodes = 0;
  private historyEvents = 0;
  private bytes = 0;
  private largestEpisodeBytes = 0;

  /** Records one episode; `bindingJson` is the exact text sent, counted as UTF-8 bytes. */
  record(historyEvents: number, bindingJson: string): void {
    const bytes = Buffer.byteLength(bindingJson, 'utf8');
    this.episodes += 1;
    this.historyEvents += historyEvents;
    this.bytes += bytes;
    if (bytes > this.largestEpisodeBytes) this.largestEpisodeBytes = bytes;
  }

  snapshot(): DeliverySnapshot {
    return {
      episodes: this.episodes,
      historyEvents: this.historyEvents,
      bytes: this.bytes,
      largestEpisodeBytes: this.largestEpisodeBytes,
    };
  }
}
