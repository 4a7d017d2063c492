/**
 * "Only the latest": runs an async job for a stream of values with at most one run in flight; values that
 * arrive while it runs replace each other, and only the last is run next. Dragging a slider or holding an
 * arrow key so asks the worker once per answer, never queueing positions the user has already left.
 */
export class Latest<T> {
  private want: T | undefined;
  private pending = false;
  private running: Promise<void> | null = null;

  constructor(private readonly run: (value: T) => Promise<void>, private readonly onError: (e: Error) => void = () => {}) {}

  /** Resolves once this value, or a later one, has been run. */
  ask(value: T): Promise<void> {
    this.want = value;
    this.pending = true;
    return (this.running ??= this.pump());
  }

  private async pump(): Promise<void> {
    try {
      while (this.pending) {
        const value = this.want as T;
        this.pending = false;
        try {
          await this.run(value);
        } catch (e) {
          this.onError(e as Error);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
