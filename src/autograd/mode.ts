/** Whether ops record the graph. Off inside noGrad(), e.g. for inference, metrics and optimizer updates. */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording any graph. Synchronous on purpose: an await inside would leak the mode. */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
