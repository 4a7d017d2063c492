/**
 * The page's side of the worker: messages out, events in, and queries as promises (answered by id). Panels
 * get a PanelContext built on this, so none of them talks to the worker directly.
 */
import type { DataSummary, ModelSummary, PageToWorker, Query, WorkerToPage } from './protocol.js';

type Listener = (m: WorkerToPage) => void;

export class WorkerClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  data: DataSummary | null = null;
  model: ModelSummary | null = null;

  constructor(url: URL | string) {
    this.worker = new Worker(url, { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<WorkerToPage>) => this.receive(e.data);
    this.worker.onerror = (e) => this.receive({ type: 'error', id: null, message: `the training worker failed: ${e.message}` });
  }

  private receive(m: WorkerToPage): void {
    if (m.type === 'data') this.data = m.summary;
    if (m.type === 'built') this.model = m.model;
    if (m.type === 'answer' || (m.type === 'error' && m.id !== null)) {
      const w = this.waiting.get(m.id!);
      this.waiting.delete(m.id!);
      if (m.type === 'answer') w?.resolve(m.result);
      else w?.reject(new Error(m.message));
      return;
    }
    for (const l of this.listeners) l(m);
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(m: PageToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  ask<T>(query: Query, transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ type: 'query', id, query }, transfer);
    });
  }
}

/** What a panel gets: the data and model summaries, queries, and a hook for "the weights changed". */
export interface PanelContext {
  client: WorkerClient;
  /** Called (throttled by the page) after the model's weights changed: training, a rebuild or an import. */
  onModelChange(fn: () => void): void;
  /** Called when new data is loaded. */
  onData(fn: (d: DataSummary) => void): void;
  /** One line in the page's message area (errors in red). */
  say(text: string, error?: boolean): void;
}
